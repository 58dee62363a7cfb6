#include "api/service.h"

#include <boost/json.hpp>
#include <functional>
#include <set>

#include "account/account.h"
#include "api/bill_json.h"
#include "api/errors.h"
#include "api/json_fields.h"
#include "api/objects_json.h"
#include "api/protection_json.h"
#include "api/purchase_json.h"
#include "api/usage_json.h"
#include "common/crypto.h"
#include "common/gzip.h"
#include "common/ip_address.h"
#include "lifecycle/balance.h"
#include "lifecycle/ip_pools.h"
#include "lifecycle/notifications.h"
#include "lifecycle/protection.h"
#include "lifecycle/resources.h"
#include "lifecycle/term.h"
#include "lifecycle/webhooks.h"
#include "postpaid/day_close.h"
#include "postpaid/usage.h"

namespace rampart::api {

using account::Principal;
using account::Role;
using common::Result;

struct ApiService::Context {
  const HttpRequest& req;
  Principal who;
  std::vector<std::string> params;  // the {id}s of the route, in order
};

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

constexpr int64_t kDefaultLimit = 50;
constexpr int64_t kMaxLimit = 200;

HttpResponse Json(int status, const value& v) {
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(v);
  return r;
}

Result<value> ParseBody(const HttpRequest& req, bool required) {
  if (!req.content_encoding.empty() && req.content_encoding != "identity") {
    return common::Fail("unsupported_media_type",
                        "Content-Encoding " + req.content_encoding + " is not accepted here");
  }
  if (!req.content_type.empty() && req.content_type.rfind("application/json", 0) != 0) {
    return common::Fail("unsupported_media_type", "send the body as application/json");
  }
  if (req.body.empty()) {
    if (required) return common::Fail("invalid_json", "the body must be a JSON object");
    return value(object{});
  }
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 32;
  value v = boost::json::parse(req.body, ec, {}, opts);
  if (ec) return common::Fail("invalid_json", "the body is not valid JSON: " + ec.message());
  return v;
}

struct Page {
  int64_t after = 0;
  int64_t limit = kDefaultLimit;
};

Result<Page> ParsePage(const HttpRequest& req) {
  Page p;
  auto number = [](const std::string& s, int64_t min, int64_t max) -> std::optional<int64_t> {
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    const int64_t v = std::stoll(s);
    if (v < min || v > max) return std::nullopt;
    return v;
  };
  if (auto it = req.query.find("limit"); it != req.query.end()) {
    auto v = number(it->second, 1, kMaxLimit);
    if (!v) return common::Fail("out_of_range", "limit must be 1 to 200", "limit");
    p.limit = *v;
  }
  if (auto it = req.query.find("cursor"); it != req.query.end()) {
    auto v = number(it->second, 0, INT64_MAX / 2);
    if (!v) return common::Fail("invalid_cursor", "cursor is not one this API gave", "cursor");
    p.after = *v;
  }
  return p;
}

template <typename T, typename ToJson>
value PageJson(const std::vector<T>& items, const Page& page, ToJson&& to_json) {
  array out;
  for (const auto& i : items) out.push_back(to_json(i));
  value next = nullptr;
  if (static_cast<int64_t>(items.size()) == page.limit && !items.empty()) {
    next = std::to_string(items.back().seq);
  }
  return object{{"items", out}, {"next_cursor", next}};
}

std::string Pattern(const std::string& path, std::vector<std::string>* params) {
  // "/v1/orders/ord_1/pay" -> "/v1/orders/{id}/pay"; ids are the segments after a
  // collection name.
  static const std::set<std::string> kCollections = {"orders",   "resources", "tenants",
                                                     "keys",     "ip-pools",  "rules",
                                                     "bindings", "webhooks",  "bills"};
  std::string pattern;
  std::string prev;
  size_t pos = 1;
  while (pos <= path.size()) {
    const size_t next = path.find('/', pos);
    const std::string seg =
        path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    if (kCollections.count(prev) && !seg.empty() && prev != "v1") {
      params->push_back(seg);
      pattern += "/{id}";
    } else {
      pattern += "/" + seg;
    }
    prev = seg;
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return pattern;
}

// A bill as CSV: one row per line, the measures as a JSON cell (RFC 4180 quoting).
HttpResponse BillCsv(const std::string& day, const value& bill) {
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"rampart-bill-" + day + ".csv\"");
  r.body = "day,resource,kind,amount,measure\n";
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
  return r;
}

// The tenant's account: balance, arrears, low-balance threshold.
HttpResponse AccountJson(ApiService& s, const std::string& tenant_id) {
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
                  {"low_balance_threshold", threshold->ToString()}};
  });
  if (!t) return ErrorResponse(t.error());
  return Json(200, *t);
}

// A paginated list of the caller's tenant: `list(conn, tenant, after, limit)`.
template <typename List, typename ToJson>
auto ListHandler(List list, ToJson to_json) {
  return [list, to_json](ApiService& s, ApiService::Context& c) -> HttpResponse {
    auto page = ParsePage(c.req);
    if (!page) return ErrorResponse(page.error());
    auto items = s.Database().Use([&](store::Connection& conn) {
      return list(conn, c.who.tenant_id, page->after, page->limit);
    });
    if (!items) return ErrorResponse(items.error());
    return Json(200, PageJson(*items, *page, to_json));
  };
}

// One object of the caller's tenant by the route's id: `get(conn, tenant, id)`.
template <typename Get, typename ToJson>
auto GetHandler(Get get, ToJson to_json) {
  return [get, to_json](ApiService& s, ApiService::Context& c) -> HttpResponse {
    auto item = s.Database().Use(
        [&](store::Connection& conn) { return get(conn, c.who.tenant_id, c.params[0]); });
    if (!item) return ErrorResponse(item.error());
    return Json(200, to_json(*item));
  };
}

}  // namespace

ApiService::ApiService(ServiceDeps deps) : d_(deps), endpoints_(Endpoints()) {}

std::map<std::string, ApiService::Endpoint> ApiService::Endpoints() {
  auto tx = [](ApiService& s, Context& c, auto&& work) -> HttpResponse {
    // Runs `work` in a transaction, honouring Idempotency-Key on POSTs: a repeat with the
    // same key and body returns the first answer, with another body 409. Only successful
    // answers are kept, so a request refused for a fixable reason can be retried.
    const bool idempotent = c.req.method == "POST" && !c.req.idempotency_key.empty();
    if (idempotent && (c.req.idempotency_key.size() > 200)) {
      return ErrorResponse("invalid_option", "Idempotency-Key is longer than 200 characters");
    }
    const std::string scope = c.who.key_id + " " + c.req.method + " " + c.req.path;
    const std::string hash = common::Sha256Hex(c.req.body);
    auto result = s.d_.db->Transact([&](store::Connection& conn) -> Result<HttpResponse> {
      if (idempotent) {
        auto seen = conn.Query(
            "SELECT request_hash, status, body FROM idempotency WHERE scope = $1 AND key = $2",
            {scope, c.req.idempotency_key});
        if (!seen) return std::unexpected(seen.error());
        if (!seen->empty()) {
          const auto& row = (*seen)[0];
          if (store::Text(row[0]) != hash) {
            return common::Fail("idempotency_mismatch",
                                "this Idempotency-Key was used with a different body");
          }
          HttpResponse r;
          r.status = static_cast<int>(store::Int(row[1]));
          r.body = store::Text(row[2]);
          r.headers.emplace_back("Idempotent-Replayed", "true");
          return r;
        }
      }
      Result<HttpResponse> r = work(conn);
      if (r && idempotent && r->status < 300) {
        auto saved = conn.Query(
            "INSERT INTO idempotency (scope, key, request_hash, status, body, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            {scope, c.req.idempotency_key, hash, int64_t{r->status}, r->body,
             s.d_.clock->Now().time_since_epoch().count()});
        if (!saved) return std::unexpected(saved.error());
      }
      return r;
    });
    if (!result) return ErrorResponse(result.error());
    return *result;
  };
  auto body_or_error = [](Context& c, bool required) { return ParseBody(c.req, required); };

  static const std::vector<Role> kTenant = {Role::kTenant};
  static const std::vector<Role> kAdmin = {Role::kAdmin};
  static const std::vector<Role> kTenantOrAdmin = {Role::kTenant, Role::kAdmin};

  return {
      {"GET /v1/catalog",
       {kTenantOrAdmin,
        [](ApiService& s, Context&) { return Json(200, CatalogToJson(*s.d_.book)); }}},
      {"POST /v1/quotes",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          auto options = ParsePurchaseOptions(*body);
          if (!options) return ErrorResponse(options.error());
          auto quote = s.d_.db->Use([&](store::Connection& conn) -> Result<billing::Quote> {
            auto prior = conn.Query(
                "SELECT count(*) FROM orders WHERE tenant_id = $1 AND product = 'hdp' AND "
                "paid_at IS NOT NULL AND status NOT IN ('failed', 'refunded')",
                {c.who.tenant_id});
            if (!prior) return std::unexpected(prior.error());
            return billing::QuotePurchase(*s.d_.book, *options, store::Int((*prior)[0][0]) == 0);
          });
          if (!quote) return ErrorResponse(quote.error());
          return Json(200, QuoteToJson(*quote));
        }}},
      {"POST /v1/orders",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          auto options = ParsePurchaseOptions(*body);
          if (!options) return ErrorResponse(options.error());
          HttpResponse r = tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto o = ordering::CreateOrder(conn, *s.d_.book, c.who.tenant_id, *options,
                                           s.d_.clock->Now());
            if (!o) return std::unexpected(o.error());
            return Json(201, OrderToJson(*o));
          });
          if (r.status == 201 && s.d_.metrics)
            s.d_.metrics->Count("rampart_orders_total", "event", "created");
          return r;
        }}},
      {"GET /v1/orders", {kTenant, ListHandler(ordering::ListOrders, OrderToJson)}},
      {"GET /v1/orders/{id}", {kTenant, GetHandler(ordering::GetOrder, OrderToJson)}},
      {"POST /v1/orders/{id}/pay",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, false);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          HttpResponse r = tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto o = ordering::PayOrder(conn, c.who.tenant_id, c.params[0], s.d_.delivery,
                                        s.d_.clock->Now());
            if (!o) return std::unexpected(o.error());
            return Json(200, OrderToJson(*o));
          });
          if (r.status == 200 && s.d_.metrics) {
            s.d_.metrics->Count("rampart_orders_total", "event", "paid");
            s.d_.metrics->Count("rampart_ledger_movements_total", "kind", "order_payment");
          }
          return r;
        }}},
      {"GET /v1/resources", {kTenant, ListHandler(lifecycle::ListResources, ResourceToJson)}},
      {"GET /v1/resources/{id}", {kTenant, GetHandler(lifecycle::GetResource, ResourceToJson)}},
      {"GET /v1/account",
       {kTenant, [=](ApiService& s, Context& c) { return AccountJson(s, c.who.tenant_id); }}},
      {"PATCH /v1/account",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
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
      {"GET /v1/resources/{id}/rules",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto rules = s.Database().Use([&](store::Connection& conn) {
            return lifecycle::ListRules(conn, c.who.tenant_id, c.params[0]);
          });
          if (!rules) return ErrorResponse(rules.error());
          array items;
          for (const auto& r : *rules) items.push_back(RuleToJson(r));
          return Json(200, object{{"items", items}, {"next_cursor", nullptr}});
        }}},
      {"GET /v1/resources/{id}/rules/{id}",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto rules = s.Database().Use([&](store::Connection& conn) {
            return lifecycle::ListRules(conn, c.who.tenant_id, c.params[0]);
          });
          if (!rules) return ErrorResponse(rules.error());
          for (const auto& r : *rules) {
            if (r.id == c.params[1]) return Json(200, RuleToJson(r));
          }
          return ErrorResponse("not_found", "no such rule");
        }}},
      {"POST /v1/resources/{id}/rules",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          auto rule = ParseRule(*body);
          if (!rule) return ErrorResponse(rule.error());
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto r = lifecycle::AddRule(conn, c.who.tenant_id, c.params[0], *rule);
            if (!r) return std::unexpected(r.error());
            return Json(201, RuleToJson(*r));
          });
        }}},
      {"PUT /v1/resources/{id}/rules/{id}",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          auto rule = ParseRule(*body);
          if (!rule) return ErrorResponse(rule.error());
          rule->id = c.params[1];
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto r = lifecycle::ReplaceRule(conn, c.who.tenant_id, c.params[0], *rule);
            if (!r) return std::unexpected(r.error());
            return Json(200, RuleToJson(*r));
          });
        }}},
      {"DELETE /v1/resources/{id}/rules/{id}",
       {kTenant,
        [=](ApiService& s, Context& c) {
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            if (auto r = lifecycle::DeleteRule(conn, c.who.tenant_id, c.params[0], c.params[1]);
                !r) {
              return std::unexpected(r.error());
            }
            return Json(200, object{{"id", c.params[1]}, {"deleted", true}});
          });
        }}},
      {"GET /v1/resources/{id}/bindings",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto ips = s.Database().Use([&](store::Connection& conn) {
            return lifecycle::ListBindings(conn, c.who.tenant_id, c.params[0]);
          });
          if (!ips) return ErrorResponse(ips.error());
          array items;
          for (const auto& ip : *ips) items.push_back(object{{"ip", ip}});
          return Json(200, object{{"items", items}, {"next_cursor", nullptr}});
        }}},
      {"POST /v1/resources/{id}/bindings",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto text = fields.String("ip", true);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          auto ip = common::IpAddress::Parse(*text);
          if (!ip) return ErrorResponse("invalid_ip", ip.error().message, "ip");
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            if (auto r = lifecycle::AddBinding(conn, c.who.tenant_id, c.params[0], ip->ToString());
                !r) {
              return std::unexpected(r.error());
            }
            return Json(201, object{{"ip", ip->ToString()}});
          });
        }}},
      {"DELETE /v1/resources/{id}/bindings/{id}",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto ip = common::IpAddress::Parse(c.params[1]);
          if (!ip) return ErrorResponse("invalid_ip", ip.error().message, "ip");
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            if (auto r =
                    lifecycle::DeleteBinding(conn, c.who.tenant_id, c.params[0], ip->ToString());
                !r) {
              return std::unexpected(r.error());
            }
            return Json(200, object{{"ip", ip->ToString()}, {"deleted", true}});
          });
        }}},
      {"GET /v1/resources/{id}/policy",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = s.Database().Use([&](store::Connection& conn) {
            return lifecycle::GetPolicy(conn, c.who.tenant_id, c.params[0]);
          });
          if (!body) return ErrorResponse(body.error());
          return Json(200, PolicyToJson(*body));
        }}},
      {"PUT /v1/resources/{id}/policy",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          auto policy = ParsePolicy(*body);
          if (!policy) return ErrorResponse(policy.error());
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            if (auto r = lifecycle::PutPolicy(conn, c.who.tenant_id, c.params[0], *policy,
                                              s.d_.clock->Now());
                !r) {
              return std::unexpected(r.error());
            }
            return Json(200, PolicyToJson(*policy));
          });
        }}},
      {"POST /v1/webhooks",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto url = fields.String("url", true);
          auto secret = fields.String("secret", false);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto w = lifecycle::CreateWebhook(conn, c.who.tenant_id, *url, secret.value_or(""),
                                              s.d_.clock->Now());
            if (!w) return std::unexpected(w.error());
            value v = WebhookToJson(*w);
            v.as_object()["secret"] = w->secret;  // shown once
            return Json(201, v);
          });
        }}},
      {"GET /v1/webhooks", {kTenant, ListHandler(lifecycle::ListWebhooks, WebhookToJson)}},
      {"DELETE /v1/webhooks/{id}",
       {kTenant,
        [=](ApiService& s, Context& c) {
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            if (auto r =
                    lifecycle::DeleteWebhook(conn, c.who.tenant_id, c.params[0], s.d_.clock->Now());
                !r) {
              return std::unexpected(r.error());
            }
            return Json(200, object{{"id", c.params[0]}, {"deleted", true}});
          });
        }}},
      {"GET /v1/webhooks/{id}/deliveries",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto page = ParsePage(c.req);
          if (!page) return ErrorResponse(page.error());
          auto items = s.Database().Use([&](store::Connection& conn) {
            return lifecycle::ListDeliveries(conn, c.who.tenant_id, c.params[0], page->after,
                                             page->limit);
          });
          if (!items) return ErrorResponse(items.error());
          return Json(200, PageJson(*items, *page, DeliveryToJson));
        }}},
      {"POST /v1/usage",
       {{Role::kMeter, Role::kAdmin},
        [=](ApiService& s, Context& c) {
          std::string inflated;
          const std::string* raw = &c.req.body;
          if (c.req.content_encoding == "gzip") {
            auto body = common::Gunzip(c.req.body, 256 << 20);
            if (!body) return ErrorResponse(body.error());
            inflated = std::move(*body);
            raw = &inflated;
          } else if (!c.req.content_encoding.empty() && c.req.content_encoding != "identity") {
            return ErrorResponse(
                "unsupported_media_type",
                "Content-Encoding " + c.req.content_encoding + " is not accepted (gzip or none)");
          }
          const bool ndjson = c.req.content_type.rfind("application/x-ndjson", 0) == 0;
          if (!ndjson && !c.req.content_type.empty() &&
              c.req.content_type.rfind("application/json", 0) != 0) {
            return ErrorResponse("unsupported_media_type",
                                 "send samples as application/json or application/x-ndjson");
          }
          auto samples = ParseUsageBody(*raw, ndjson);
          if (!samples) return ErrorResponse(samples.error());
          const std::string scope = c.who.role == Role::kAdmin ? "" : c.who.tenant_id;
          auto report = s.Database().Transact([&](store::Connection& conn) {
            return postpaid::IngestSamples(conn, *s.d_.calendar, scope, *samples,
                                           s.d_.clock->Now());
          });
          if (!report) return ErrorResponse(report.error());
          array rejected;
          for (const auto& r : report->rejected) {
            rejected.push_back(
                object{{"index", r.index}, {"code", r.reason.code}, {"message", r.reason.message}});
          }
          return Json(200, object{{"accepted", report->accepted},
                                  {"duplicates", report->duplicates},
                                  {"rejected", rejected}});
        }}},
      {"GET /v1/bills",
       {kTenant,
        [=](ApiService& s, Context& c) {
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
          return Json(200, object{{"items", items},
                                  {"total", common::Money::FromFen(total).ToString()},
                                  {"currency", "CNY"},
                                  {"next_cursor", nullptr}});
        }}},
      {"GET /v1/bills/{id}",
       {kTenant,
        [=](ApiService& s, Context& c) {
          if (!common::ParseDay(c.params[0])) {
            return ErrorResponse("invalid_day", "the day must be like 2026-11-26", "day");
          }
          auto bills = s.Database().Use([&](store::Connection& conn) {
            return postpaid::ListBills(conn, c.who.tenant_id, c.params[0], c.params[0]);
          });
          if (!bills) return ErrorResponse(bills.error());
          if (bills->empty())
            return ErrorResponse("not_found", "no closed bill for " + c.params[0]);
          const value bill = boost::json::parse(bills->front().body);
          auto fmt = c.req.query.find("format");
          const bool csv = (fmt != c.req.query.end() && fmt->second == "csv") ||
                           c.req.accept.rfind("text/csv", 0) == 0;
          if (!csv) return Json(200, bill);
          return BillCsv(c.params[0], bill);
        }}},
      {"GET /v1/resources/{id}/usage",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto it = c.req.query.find("day");
          if (it == c.req.query.end() || !common::ParseDay(it->second)) {
            return ErrorResponse("invalid_day", "give ?day=YYYY-MM-DD", "day");
          }
          auto windows = s.Database().Use([&](store::Connection& conn) {
            return postpaid::WindowsOfDay(conn, c.who.tenant_id, c.params[0], it->second);
          });
          if (!windows) return ErrorResponse(windows.error());
          array items;
          for (const auto& w : *windows) {
            items.push_back(object{{"ip", w.ip},
                                   {"window_start", common::FormatRfc3339(w.window_start)},
                                   {"window_s", w.window_s},
                                   {"attack_bps", w.attack_bps},
                                   {"in_bytes", w.in_bytes},
                                   {"out_bytes", w.out_bytes}});
          }
          return Json(200,
                      object{{"resource", c.params[0]}, {"day", it->second}, {"windows", items}});
        }}},
      {"GET /v1/notifications",
       {kTenant, ListHandler(lifecycle::ListNotifications, NotificationToJson)}},
      {"PATCH /v1/resources/{id}",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          lifecycle::ResourcePatch patch;
          patch.elastic_gbps = fields.Int("elastic_gbps", false, 0, 100'000);
          patch.auto_renew = fields.Bool("auto_renew", false);
          if (auto m = fields.Choice("forwarding_mode", false, {"by_traffic", "by_bandwidth"})) {
            patch.forwarding_mode = billing::ParseForwardingMode(*m);
          }
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          if (!patch.elastic_gbps && !patch.auto_renew && !patch.forwarding_mode) {
            return ErrorResponse("invalid_option",
                                 "give at least one of elastic_gbps, auto_renew, forwarding_mode");
          }
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto r = lifecycle::Patch(conn, *s.d_.book, *s.d_.calendar, c.who.tenant_id,
                                      c.params[0], patch, s.d_.clock->Now());
            if (!r) return std::unexpected(r.error());
            return Json(200, ResourceToJson(*r));
          });
        }}},
      {"POST /v1/resources/{id}/renew",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto months = fields.Int("months", true, 0, 1'000);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto r = lifecycle::Renew(conn, *s.d_.book, *s.d_.calendar, c.who.tenant_id,
                                      c.params[0], *months, s.d_.clock->Now());
            if (!r) return std::unexpected(r.error());
            return Json(200, ResourceToJson(*r));
          });
        }}},
      {"POST /v1/resources/{id}/upgrade",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto base = fields.Int("base_gbps", true, 1, 100'000);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto r = lifecycle::Upgrade(conn, *s.d_.book, c.who.tenant_id, c.params[0], *base,
                                        s.d_.clock->Now());
            if (!r) return std::unexpected(r.error());
            return Json(200, ResourceToJson(*r));
          });
        }}},
      {"POST /v1/resources/{id}/cancel",
       {kTenant,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, false);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto r = lifecycle::Cancel(conn, c.who.tenant_id, c.params[0], s.d_.clock->Now());
            if (!r) return std::unexpected(r.error());
            value v = ResourceToJson(r->first);
            v.as_object()["refund"] = r->second.ToString();
            return Json(200, v);
          });
        }}},
      {"POST /v1/admin/tenants",
       {kAdmin,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto name = fields.String("name", true);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto t = account::CreateTenant(conn, *name, s.d_.clock->Now());
            if (!t) return std::unexpected(t.error());
            return Json(201, TenantToJson(*t));
          });
        }}},
      {"GET /v1/admin/tenants",
       {kAdmin,
        [=](ApiService& s, Context& c) {
          auto page = ParsePage(c.req);
          if (!page) return ErrorResponse(page.error());
          auto ts = s.d_.db->Use([&](store::Connection& conn) {
            return account::ListTenants(conn, page->after, page->limit);
          });
          if (!ts) return ErrorResponse(ts.error());
          array items;
          for (const auto& t : *ts) items.push_back(TenantToJson(t));
          // Tenants page by creation order; the cursor is the count seen so far.
          value next = static_cast<int64_t>(ts->size()) == page->limit
                           ? value(std::to_string(page->after + page->limit))
                           : value(nullptr);
          return Json(200, object{{"items", items}, {"next_cursor", next}});
        }}},
      {"POST /v1/admin/tenants/{id}/keys",
       {kAdmin,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto role = fields.Choice("role", true, {"tenant", "meter"});
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto k =
                account::IssueKey(conn, *account::ParseRole(*role), c.params[0], s.d_.clock->Now());
            if (!k) return std::unexpected(k.error());
            return Json(201, object{{"id", k->id},
                                    {"role", account::ToString(k->role)},
                                    {"tenant", k->tenant_id},
                                    {"key", k->secret}});
          });
        }}},
      {"DELETE /v1/admin/tenants/{id}/keys/{id}",
       {kAdmin,
        [=](ApiService& s, Context& c) {
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            if (auto r = account::RevokeKey(conn, c.params[0], c.params[1], s.d_.clock->Now());
                !r) {
              return std::unexpected(r.error());
            }
            return Json(200, object{{"id", c.params[1]}, {"revoked", true}});
          });
        }}},
      {"POST /v1/admin/tenants/{id}/topup",
       {kAdmin,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto amount_text = fields.String("amount", true);
          auto reference = fields.String("reference", false);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          auto amount = common::Money::Parse(*amount_text);
          if (!amount || *amount <= common::Money() ||
              *amount > common::Money::FromYuan(1'000'000'000'000)) {
            return ErrorResponse("invalid_option",
                                 "amount must be a positive amount like \"100000.00\"", "amount");
          }
          HttpResponse r = tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto e = lifecycle::PostMovement(conn, c.params[0], "topup", *amount,
                                             reference.value_or("topup by " + c.who.key_id),
                                             s.d_.clock->Now());
            if (!e) return std::unexpected(e.error());
            return Json(200,
                        object{{"tenant", c.params[0]}, {"balance", e->balance_after.ToString()}});
          });
          if (r.status == 200 && s.d_.metrics)
            s.d_.metrics->Count("rampart_ledger_movements_total", "kind", "topup");
          return r;
        }}},
      {"POST /v1/admin/ip-pools",
       {kAdmin,
        [=](ApiService& s, Context& c) {
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto region = fields.String("region", true);
          auto line = fields.String("line", true);
          auto cidr = fields.String("cidr", true);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          if (!s.d_.book->FindHdipNetwork(*region, *line)) {
            return ErrorResponse("invalid_option",
                                 *region + "/" + *line + " is not an hdip network; networks: " +
                                     s.d_.book->AllowedHdipNetworks(),
                                 "region");
          }
          return tx(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto p = lifecycle::AddPool(conn, *region, *line, *cidr, s.d_.clock->Now());
            if (!p) return std::unexpected(p.error());
            return Json(201, PoolToJson(*p));
          });
        }}},
      {"POST /v1/admin/clock",
       {kAdmin,
        [=](ApiService& s, Context& c) {
          if (!s.d_.simulated) {
            return ErrorResponse("not_simulated", "the server runs on the real clock");
          }
          auto body = body_or_error(c, true);
          if (!body) return ErrorResponse(body.error());
          FieldReader fields(*body);
          auto advance = fields.Int("advance_s", false, 0, 10LL * 366 * 86400);
          auto to = fields.String("now", false);
          if (auto e = fields.Finish()) return ErrorResponse(*e);
          if (advance.has_value() == to.has_value()) {
            return ErrorResponse("invalid_option", "give exactly one of advance_s and now",
                                 "advance_s");
          }
          std::lock_guard lock(s.clock_mutex_);
          common::Instant target = s.d_.simulated->Now() + common::Seconds(advance.value_or(0));
          if (to) {
            auto t = common::ParseRfc3339(*to);
            if (!t) return ErrorResponse("invalid_time", t.error().message, "now");
            if (*t < s.d_.simulated->Now()) {
              return ErrorResponse("invalid_option", "the clock never goes backward", "now");
            }
            target = *t;
          }
          auto ran = s.d_.jobs->RunDue(target, s.d_.simulated);
          if (!ran) return ErrorResponse(ran.error());
          s.d_.simulated->AdvanceTo(target);
          auto saved = s.d_.db->Use([&](store::Connection& conn) {
            return conn.Query(
                "INSERT INTO meta (key, value) VALUES ('simulated_now', $1) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                {std::to_string(target.time_since_epoch().count())});
          });
          if (!saved) return ErrorResponse(saved.error());
          return Json(200, object{{"now", common::FormatRfc3339(target)}, {"jobs_run", *ran}});
        }}},
  };
}

HttpResponse ApiService::Handle(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  std::string route = "unmatched";
  HttpResponse response = Route(request, &route);
  if (d_.metrics) {
    d_.metrics->ObserveRequest(
        route, request.method, response.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return response;
}

HttpResponse ApiService::Route(const HttpRequest& req, std::string* route) {
  std::vector<std::string> params;
  const std::string pattern = Pattern(req.path, &params);
  const std::string key = req.method + " " + pattern;
  *route = pattern;

  if (key == "GET /healthz") return Json(200, object{{"status", "ok"}});
  if (key == "GET /metrics") {
    std::string extra;
    auto stats = d_.db->Use([](store::Connection& c) { return lifecycle::QueueStatistics(c); });
    if (stats) {
      const int64_t lag = stats->oldest_due && *stats->oldest_due < d_.clock->Now()
                              ? (d_.clock->Now() - *stats->oldest_due).count()
                              : 0;
      extra = "# TYPE rampart_job_queue_depth gauge\nrampart_job_queue_depth " +
              std::to_string(stats->pending) +
              "\n# TYPE rampart_job_queue_lag_seconds gauge\nrampart_job_queue_lag_seconds " +
              std::to_string(lag) + "\n";
    }
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = d_.metrics ? d_.metrics->Render(extra) : extra;
    return r;
  }

  // Everything under /v1 is authenticated.
  if (req.path.rfind("/v1/", 0) != 0) return ErrorResponse("not_found", "no such endpoint");
  constexpr std::string_view kBearer = "Bearer ";
  if (req.authorization.rfind(kBearer, 0) != 0 || req.authorization.size() <= kBearer.size()) {
    return ErrorResponse("unauthenticated", "send Authorization: Bearer <api key>");
  }
  const std::string secret = req.authorization.substr(kBearer.size());
  auto who = d_.db->Use([&](store::Connection& c) { return account::Authenticate(c, secret); });
  if (!who) return ErrorResponse(who.error());
  Context ctx{req, *who, params};

  auto it = endpoints_.find(key);
  if (it == endpoints_.end()) {
    for (const auto& [k, _] : endpoints_) {
      if (k.substr(k.find(' ') + 1) == pattern) {
        return ErrorResponse("method_not_allowed", req.method + " is not allowed on " + req.path);
      }
    }
    return ErrorResponse("not_found", "no such endpoint");
  }
  const auto& roles = it->second.roles;
  if (std::find(roles.begin(), roles.end(), ctx.who.role) == roles.end()) {
    return ErrorResponse("forbidden", "a " + std::string(account::ToString(ctx.who.role)) +
                                          " key may not use " + pattern);
  }
  return it->second.handler(*this, ctx);
}

}  // namespace rampart::api
