// Routes: The tenant's account, ledger, notifications, webhooks and bills.
#include <utility>

#include "account/account.h"
#include "api/json_fields.h"
#include "api/objects_json.h"
#include "api/routes.h"
#include "lifecycle/balance.h"
#include "lifecycle/notifications.h"
#include "lifecycle/webhooks.h"
#include "postpaid/day_close.h"

namespace rampart::api {
namespace {

// Bills as CSV: one row per line, the measures as a JSON cell (RFC 4180 quoting).
HttpResponse BillsCsv(const std::string& file_stem, const array& bills) {
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file_stem + ".csv\"");
  r.body = "day,resource,kind,amount,measure\n";
  for (const auto& bill : bills) {
    const std::string day(bill.at("day").as_string());
    for (const auto& line : bill.at("lines").as_array()) {
      std::string cell = "\"";
      for (char ch : boost::json::serialize(line.at("measure"))) {
        cell += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      }
      cell += "\"";
      r.body += day + "," + std::string(line.at("resource").as_string()) + "," +
                std::string(line.at("kind").as_string()) + "," +
                std::string(line.at("amount").as_string()) + "," + cell + "\n";
    }
  }
  return r;
}

bool WantsCsv(const HttpRequest& req) {
  auto fmt = req.query.find("format");
  return (fmt != req.query.end() && fmt->second == "csv") || req.accept.rfind("text/csv", 0) == 0;
}

// The tenant's account: balance, arrears, low-balance threshold.
HttpResponse AccountJson(ApiService& s, const std::string& tenant_id) {
  const common::Instant now = s.deps().clock->Now();
  auto t = s.Database().Use([&](store::Connection& conn) -> Result<object> {
    auto tenant = account::GetTenant(conn, tenant_id);
    if (!tenant) return std::unexpected(tenant.error());
    auto threshold = lifecycle::LowBalanceThreshold(conn, tenant_id);
    if (!threshold) return std::unexpected(threshold.error());
    return object{{"tenant", tenant->id},
                  {"name", tenant->name},
                  {"balance", tenant->balance.ToString()},
                  {"currency", "CNY"},
                  {"in_arrears", tenant->balance < common::Money()},
                  {"low_balance_threshold", threshold->ToString()},
                  // The service's clock (simulated or real) and its billing day, so a client
                  // shows "today" as billing sees it.
                  {"now", common::FormatRfc3339(now)},
                  {"billing_day", common::FormatDay(s.deps().calendar->DayOf(now))}};
  });
  if (!t) return ErrorResponse(t.error());
  return Json(200, *t);
}

}  // namespace

void AddAccountRoutes(EndpointMap& e) {
  e.insert({
      {"GET /v1/account",
       {kTenant, [](ApiService& s, Context& c) { return AccountJson(s, c.who.tenant_id); }}},
      {"PATCH /v1/account",
       {kTenant,
        [](ApiService& s, Context& c) {
          auto body = ParseBody(c.req, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto text = fields.String("low_balance_threshold", true);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          auto threshold = common::Money::Parse(*text);
          if (!threshold)
            return ErrorResponse("invalid_option", threshold.error().message,
                                 "low_balance_threshold");
          auto r = s.Database().Transact([&](store::Connection& conn) {
            return lifecycle::SetLowBalanceThreshold(conn, c.who.tenant_id, *threshold);
          });
          if (!r) return ErrorResponse(r.error());
          return AccountJson(s, c.who.tenant_id);
        }}},
      {"GET /v1/account/ledger", {kTenant, ListHandler(account::ListLedger, LedgerEntryToJson)}},
      {"POST /v1/webhooks",
       {kTenant,
        [](ApiService& s, Context& c) {
          auto body = ParseBody(c.req, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto url = fields.String("url", true);
          auto secret = fields.String("secret", false);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto w = lifecycle::CreateWebhook(conn, c.who.tenant_id, *url, secret.value_or(""),
                                              s.deps().secrets_key, s.deps().clock->Now(),
                                              s.deps().webhook_allow_private);
            if (!w) return std::unexpected(w.error());
            return AnswerWithSecret(201, WebhookToJson(*w).as_object(), "secret", w->secret);
          });
        }}},
      {"GET /v1/webhooks", {kTenant, ListHandler(lifecycle::ListWebhooks, WebhookToJson)}},
      {"DELETE /v1/webhooks/{id}",
       {kTenant,
        [](ApiService& s, Context& c) {
          return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            if (auto r = lifecycle::DeleteWebhook(conn, c.who.tenant_id, c.params[0],
                                                  s.deps().clock->Now());
                !r) {
              return std::unexpected(r.error());
            }
            return Json(200, object{{"id", c.params[0]}, {"deleted", true}});
          });
        }}},
      {"GET /v1/webhooks/{id}/deliveries",
       {kTenant,
        [](ApiService& s, Context& c) {
          auto page = ParsePage(c.req);
          if (!page) return ErrorResponse(page.error());
          auto items = s.Database().Use([&](store::Connection& conn) {
            return lifecycle::ListDeliveries(conn, c.who.tenant_id, c.params[0], page->after,
                                             page->limit);
          });
          if (!items) return ErrorResponse(items.error());
          return Json(200, PageJson(*items, *page, DeliveryToJson));
        }}},
      {"GET /v1/bills",
       {kTenant,
        [](ApiService& s, Context& c) {
          auto param = [&](const char* k) {
            auto it = c.req.query.find(k);
            return it == c.req.query.end() ? std::string() : it->second;
          };
          const std::string from = param("from").empty() ? "0001-01-01" : param("from");
          const std::string to = param("to").empty() ? "9999-12-31" : param("to");
          for (const auto& [name, v] : {std::pair{"from", from}, {"to", to}}) {
            if (!common::ParseDay(v)) {
              return ErrorResponse("invalid_day",
                                   std::string(name) + " must be a day like 2026-11-26", name);
            }
          }
          auto bills = s.Database().Use([&](store::Connection& conn) {
            return postpaid::ListBills(conn, c.who.tenant_id, from, to);
          });
          if (!bills) return ErrorResponse(bills.error());
          array items;
          int64_t total = 0;
          for (const auto& b : *bills) {
            items.push_back(boost::json::parse(b.body));
            total += common::Money::Parse(std::string(items.back().at("total").as_string()))->fen();
          }
          if (WantsCsv(c.req)) return BillsCsv("rampart-bills-" + from + "_" + to, items);
          return Json(200, object{{"items", items},
                                  {"total", common::Money::FromFen(total).ToString()},
                                  {"currency", "CNY"},
                                  {"next_cursor", nullptr}});
        }}},
      {"GET /v1/bills/{id}",
       {kTenant,
        [](ApiService& s, Context& c) {
          if (!common::ParseDay(c.params[0])) {
            return ErrorResponse("invalid_day", "the day must be like 2026-11-26", "day");
          }
          auto bills = s.Database().Use([&](store::Connection& conn) {
            return postpaid::ListBills(conn, c.who.tenant_id, c.params[0], c.params[0]);
          });
          if (!bills) return ErrorResponse(bills.error());
          if (bills->empty())
            return ErrorResponse("not_found", "no closed bill for " + c.params[0]);
          value bill = boost::json::parse(bills->front().body);
          if (!WantsCsv(c.req)) return Json(200, bill);
          return BillsCsv("rampart-bill-" + c.params[0], array{std::move(bill)});
        }}},
      {"GET /v1/notifications",
       {kTenant,
        [](ApiService& s, Context& c) {
          // ?order=oldest (the default) or ?order=newest, the event log's usual reading.
          auto page = ParsePage(c.req);
          if (!page) return ErrorResponse(page.error());
          auto order = c.req.query.find("order");
          const std::string o = order == c.req.query.end() ? "oldest" : order->second;
          if (o != "oldest" && o != "newest") {
            return ErrorResponse("invalid_option", "order must be oldest or newest", "order");
          }
          auto items = s.Database().Use([&](store::Connection& conn) {
            return lifecycle::ListNotifications(conn, c.who.tenant_id, page->after, page->limit,
                                                o == "newest");
          });
          if (!items) return ErrorResponse(items.error());
          return Json(200, PageJson(*items, *page, NotificationToJson));
        }}},
  });
}

}  // namespace rampart::api
