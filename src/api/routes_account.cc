// Routes: The tenant's account, ledger, notifications, webhooks and bills.
#include <utility>

#include "account/account.h"
#include "api/objects_json.h"
#include "api/routes.h"
#include "formats/bill_json.h"
#include "formats/json_fields.h"
#include "notify/notifications.h"
#include "notify/webhooks.h"
#include "postpaid/bill_store.h"
#include "postpaid/day_close.h"

namespace rampart::api {

using formats::BillToJson;
using formats::FieldReader;
namespace {

// The measure columns of the bills' CSV, every kind's in one list (a line leaves the others
// empty), so a spreadsheet sums a column; "range" is split into its two ends.
constexpr std::string_view kMeasureColumns[] = {
    "attack_peak_bps", "attack_peak_at",     "excess_bps",    "excess_at",     "base_bps",
    "ceiling_bps",     "range_lo_gbps",      "range_hi_gbps", "daily_price",   "in_bytes",
    "out_bytes",       "total_gb",           "price_per_gb",  "measure",       "buckets",
    "dropped_buckets", "bucket_at",          "bucket_bytes",  "bandwidth_bps", "included_mbps",
    "billable_mbps",   "price_per_mbps_day", "corrects_day",  "previous",      "corrected"};

// One CSV cell (RFC 4180: quoted when it holds a comma, quote or line break).
std::string CsvCell(const value& v) {
  if (v.is_null()) return "";
  std::string text = v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

// Bills as CSV: one row per line, one column per measure.
HttpResponse BillsCsv(const std::string& file_stem, const array& bills) {
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file_stem + ".csv\"");
  r.body = "day,resource,kind,amount";
  for (auto column : kMeasureColumns) r.body += "," + std::string(column);
  r.body += "\n";
  for (const auto& bill : bills) {
    const std::string day(bill.at("day").as_string());
    for (const auto& line : bill.at("lines").as_array()) {
      r.body += day + "," + CsvCell(line.at("resource")) + "," + CsvCell(line.at("kind")) + "," +
                CsvCell(line.at("amount"));
      const auto& measure = line.at("measure").as_object();
      const value* range = measure.if_contains("range");
      for (auto column : kMeasureColumns) {
        const value* v = nullptr;
        if (column.starts_with("range_")) {
          if (range && range->is_object()) v = range->as_object().if_contains(column.substr(6));
        } else {
          v = measure.if_contains(column);
        }
        r.body += "," + (v ? CsvCell(*v) : std::string());
      }
      r.body += "\n";
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
    return object{{"tenant", tenant->id},
                  {"name", tenant->name},
                  {"balance", tenant->balance.ToString()},
                  {"currency", "CNY"},
                  {"in_arrears", tenant->balance < common::Money()},
                  {"low_balance_threshold", tenant->low_balance_threshold.ToString()},
                  // The service's clock (simulated or real) and its billing day, so a client
                  // shows "today" as billing sees it.
                  {"now", common::FormatRfc3339(now)},
                  {"billing_day", common::FormatDay(s.deps().calendar->DayOf(now))}};
  });
  if (!t) return ErrorResponse(t.error());
  return Json(200, *t);
}

// GET /v1/bills/estimate: the open billing day's bill as rated so far (the usage stored
// until now, the configuration in force), marked as an estimate; nothing is written. The
// day's close rates it again with every sample that arrived, so the final bill may differ.
HttpResponse OpenDayEstimate(ApiService& s, Context& c) {
  const common::Instant now = s.deps().clock->Now();
  const common::Day day = s.deps().calendar->DayOf(now);
  auto bill = s.Database().Use([&](store::Connection& conn) {
    return postpaid::RateTenantDay(conn, *s.deps().book, *s.deps().calendar, c.who.tenant_id, day);
  });
  if (!bill) return ErrorResponse(bill.error());
  bill->closed = false;
  value out = BillToJson(*bill);
  out.as_object()["estimate"] = true;
  out.as_object()["as_of"] = common::FormatRfc3339(now);
  if (!WantsCsv(c.req)) return Json(200, out);
  return BillsCsv("rampart-estimate-" + common::FormatDay(day), array{std::move(out)});
}

// GET /v1/account
HttpResponse GetAccount(ApiService& s, Context& c) { return AccountJson(s, c.who.tenant_id); }

// PATCH /v1/account
HttpResponse PatchAccount(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto text = fields.String("low_balance_threshold", true);
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  auto threshold = common::Money::Parse(*text);
  if (!threshold)
    return ErrorResponse(common::Code::kInvalidOption, threshold.error().message,
                         "low_balance_threshold");
  auto r = s.Database().Transact([&](store::Connection& conn) {
    return account::SetLowBalanceThreshold(conn, c.who.tenant_id, *threshold);
  });
  if (!r) return ErrorResponse(r.error());
  return AccountJson(s, c.who.tenant_id);
}

// POST /v1/webhooks
HttpResponse PostWebhooks(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto url = fields.String("url", true);
  auto secret = fields.String("secret", false);
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto w = RAMPART_TRY(notify::CreateWebhook(conn, c.who.tenant_id, *url, secret.value_or(""),
                                               s.deps().secrets_key, s.deps().clock->Now(),
                                               s.deps().webhook_allow_private));
    return AnswerWithSecret(201, WebhookToJson(w).as_object(), "secret", w.secret);
  });
}

// DELETE /v1/webhooks/{id}
HttpResponse DeleteWebhooksOne(ApiService& s, Context& c) {
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    if (auto r = notify::DeleteWebhook(conn, c.who.tenant_id, c.params[0], s.deps().clock->Now());
        !r) {
      return std::unexpected(r.error());
    }
    return Json(200, object{{"id", c.params[0]}, {"deleted", true}});
  });
}

// GET /v1/webhooks/{id}/deliveries
HttpResponse GetWebhooksDeliveries(ApiService& s, Context& c) {
  auto page = ParsePage(c.req);
  if (!page) return ErrorResponse(page.error());
  auto items = s.Database().Use([&](store::Connection& conn) {
    return notify::ListDeliveries(conn, c.who.tenant_id, c.params[0], page->after, page->limit);
  });
  if (!items) return ErrorResponse(items.error());
  return Json(200, PageJson(*items, *page, DeliveryToJson));
}

// GET /v1/bills
HttpResponse GetBills(ApiService& s, Context& c) {
  auto param = [&](const char* k) {
    auto it = c.req.query.find(k);
    return it == c.req.query.end() ? std::string() : it->second;
  };
  const std::string from = param("from").empty() ? "0001-01-01" : param("from");
  const std::string to = param("to").empty() ? "9999-12-31" : param("to");
  for (const auto& [name, v] : {std::pair{"from", from}, {"to", to}}) {
    if (!common::ParseDay(v)) {
      return ErrorResponse(common::Code::kInvalidDay,
                           std::string(name) + " must be a day like 2026-11-26", name);
    }
  }
  auto bills = s.Database().Use([&](store::Connection& conn) {
    return postpaid::ListBills(conn, c.who.tenant_id, from, to);
  });
  if (!bills) return ErrorResponse(bills.error());
  array items;
  common::Money total;
  for (const auto& b : *bills) {
    items.push_back(BillToJson(b));
    total += b.total;
  }
  if (WantsCsv(c.req)) return BillsCsv("rampart-bills-" + from + "_" + to, items);
  // Prepaid payments of the same days beside the postpaid bills, so a month's
  // statement shows all that was spent.
  const auto& cal = *s.deps().calendar;
  auto prepaid = s.Database().Use([&](store::Connection& conn) {
    return account::PrepaidSpent(
        conn, c.who.tenant_id,
        from == "0001-01-01" ? common::Instant{} : cal.DayStart(*common::ParseDay(from)),
        to == "9999-12-31" ? common::Instant::max() : cal.DayEnd(*common::ParseDay(to)));
  });
  if (!prepaid) return ErrorResponse(prepaid.error());
  return Json(200, object{{"items", items},
                          {"total", total.ToString()},
                          {"prepaid_total", prepaid->ToString()},
                          {"spent_total", (*prepaid + total).ToString()},
                          {"currency", "CNY"},
                          {"next_cursor", nullptr}});
}

// GET /v1/bills/{id}
HttpResponse GetBillsOne(ApiService& s, Context& c) {
  if (c.params[0] == "estimate") return OpenDayEstimate(s, c);
  if (!common::ParseDay(c.params[0])) {
    return ErrorResponse(common::Code::kInvalidDay, "the day must be like 2026-11-26 (or estimate)",
                         "day");
  }
  auto bills = s.Database().Use([&](store::Connection& conn) {
    return postpaid::ListBills(conn, c.who.tenant_id, c.params[0], c.params[0]);
  });
  if (!bills) return ErrorResponse(bills.error());
  if (bills->empty())
    return ErrorResponse(common::Code::kNotFound, "no closed bill for " + c.params[0]);
  value bill = BillToJson(bills->front());
  if (!WantsCsv(c.req)) return Json(200, bill);
  return BillsCsv("rampart-bill-" + c.params[0], array{std::move(bill)});
}

}  // namespace

void AddAccountRoutes(EndpointMap& e) {
  e.insert({
      {"GET /v1/account", {kTenant, GetAccount}},
      {"PATCH /v1/account", {kTenant, PatchAccount}},
      {"GET /v1/account/ledger", {kTenant, ListHandler(account::ListLedger, LedgerEntryToJson)}},
      {"POST /v1/webhooks", {kTenant, PostWebhooks}},
      {"GET /v1/webhooks", {kTenant, ListHandler(notify::ListWebhooks, WebhookToJson)}},
      {"DELETE /v1/webhooks/{id}", {kTenant, DeleteWebhooksOne}},
      {"GET /v1/webhooks/{id}/deliveries", {kTenant, GetWebhooksDeliveries}},
      {"GET /v1/bills", {kTenant, GetBills}},
      {"GET /v1/bills/{id}", {kTenant, GetBillsOne}},
      {"GET /v1/notifications",
       {kTenant, ListHandler(notify::ListNotifications, NotificationToJson)}},
  });
}

}  // namespace rampart::api
