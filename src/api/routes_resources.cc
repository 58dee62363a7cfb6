// Routes: A resource after delivery: changes, renewal, upgrade, cancellation, rules, bindings,
#include <algorithm>
#include <tuple>

#include "api/objects_json.h"
#include "api/protection_json.h"
#include "api/routes.h"
#include "catalog/pricebook.h"
#include "common/calendar.h"
#include "common/ip_address.h"
#include "formats/json_fields.h"
#include "formats/purchase_json.h"
#include "lifecycle/protection.h"
#include "lifecycle/resources.h"
#include "lifecycle/term.h"
#include "metering/attack_events.h"
#include "ordering/orders.h"
#include "postpaid/usage.h"

namespace rampart::api {

using formats::FieldReader;
using formats::QuoteToJson;
namespace {

// Where the caller's rules for the route's resource may send traffic: its own IPs are
// never an origin; private ones only when the operator allows them.
Result<OriginPolicy> OriginPolicyFor(ApiService& s, Context& c) {
  auto r = s.Database().Use([&](store::Connection& conn) {
    return lifecycle::GetResource(conn, c.who.tenant_id, c.params[0]);
  });
  if (!r) return std::unexpected(r.error());
  return OriginPolicy{s.deps().allow_private_origins, r->ips};
}

// GET /v1/resources/{id}/rules
HttpResponse GetResourcesRules(ApiService& s, Context& c) {
  auto rules = s.Database().Use([&](store::Connection& conn) {
    return lifecycle::ListRules(conn, c.who.tenant_id, c.params[0]);
  });
  if (!rules) return ErrorResponse(rules.error());
  array items;
  for (const auto& r : *rules) items.push_back(RuleToJson(r));
  return Json(200, object{{"items", items}, {"next_cursor", nullptr}});
}

// GET /v1/resources/{id}/rules/{id}
HttpResponse GetResourcesRulesOne(ApiService& s, Context& c) {
  auto rules = s.Database().Use([&](store::Connection& conn) {
    return lifecycle::ListRules(conn, c.who.tenant_id, c.params[0]);
  });
  if (!rules) return ErrorResponse(rules.error());
  for (const auto& r : *rules) {
    if (r.id == c.params[1]) return Json(200, RuleToJson(r));
  }
  return ErrorResponse(common::Code::kNotFound, "no such rule");
}

// The forwarding rule in the request's body, its origins checked against the policy.
Result<lifecycle::StoredRule> RuleOfRequest(ApiService& s, Context& c) {
  auto body = RAMPART_TRY(ParseBody(c.req, true));
  return ParseRule(body, RAMPART_TRY(OriginPolicyFor(s, c)));
}

// POST /v1/resources/{id}/rules
HttpResponse PostResourcesRules(ApiService& s, Context& c) {
  auto rule = RuleOfRequest(s, c);
  if (!rule) return ErrorResponse(rule.error());
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto r = RAMPART_TRY(lifecycle::AddRule(conn, c.who.tenant_id, c.params[0], *rule));
    return Json(201, RuleToJson(r));
  });
}

// PUT /v1/resources/{id}/rules/{id}
HttpResponse PutResourcesRulesOne(ApiService& s, Context& c) {
  auto rule = RuleOfRequest(s, c);
  if (!rule) return ErrorResponse(rule.error());
  rule->id = c.params[1];
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto r = RAMPART_TRY(lifecycle::ReplaceRule(conn, c.who.tenant_id, c.params[0], *rule));
    return Json(200, RuleToJson(r));
  });
}

// DELETE /v1/resources/{id}/rules/{id}
HttpResponse DeleteResourcesRulesOne(ApiService& s, Context& c) {
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    RAMPART_TRY(lifecycle::DeleteRule(conn, c.who.tenant_id, c.params[0], c.params[1]));
    return Json(200, object{{"id", c.params[1]}, {"deleted", true}});
  });
}

// GET /v1/resources/{id}/bindings
HttpResponse GetResourcesBindings(ApiService& s, Context& c) {
  auto ips = s.Database().Use([&](store::Connection& conn) {
    return lifecycle::ListBindings(conn, c.who.tenant_id, c.params[0]);
  });
  if (!ips) return ErrorResponse(ips.error());
  array items;
  for (const auto& ip : *ips) items.push_back(object{{"ip", ip}});
  return Json(200, object{{"items", items}, {"next_cursor", nullptr}});
}

// POST /v1/resources/{id}/bindings
HttpResponse PostResourcesBindings(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto text = fields.String("ip", true);
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  auto ip = common::IpAddress::Parse(*text);
  if (!ip) return ErrorResponse(common::Code::kInvalidIp, ip.error().message, "ip");
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    RAMPART_TRY(lifecycle::AddBinding(conn, c.who.tenant_id, c.params[0], ip->ToString(),
                                      s.deps().clock->Now()));
    return Json(201, object{{"ip", ip->ToString()}});
  });
}

// DELETE /v1/resources/{id}/bindings/{id}
HttpResponse DeleteResourcesBindingsOne(ApiService& s, Context& c) {
  auto ip = common::IpAddress::Parse(c.params[1]);
  if (!ip) return ErrorResponse(common::Code::kInvalidIp, ip.error().message, "ip");
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    RAMPART_TRY(lifecycle::DeleteBinding(conn, c.who.tenant_id, c.params[0], ip->ToString(),
                                         s.deps().clock->Now()));
    return Json(200, object{{"ip", ip->ToString()}, {"deleted", true}});
  });
}

// GET /v1/resources/{id}/policy
HttpResponse GetResourcesPolicy(ApiService& s, Context& c) {
  auto body = s.Database().Use([&](store::Connection& conn) {
    return lifecycle::GetPolicy(conn, c.who.tenant_id, c.params[0]);
  });
  if (!body) return ErrorResponse(body.error());
  return Json(200, PolicyToJson(*body));
}

// PUT /v1/resources/{id}/policy
HttpResponse PutResourcesPolicy(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  auto policy = ParsePolicy(*body);
  if (!policy) return ErrorResponse(policy.error());
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    RAMPART_TRY(
        lifecycle::PutPolicy(conn, c.who.tenant_id, c.params[0], *policy, s.deps().clock->Now()));
    return Json(200, PolicyToJson(*policy));
  });
}

// GET /v1/attacks
HttpResponse GetAttacks(ApiService& s, Context& c) {
  int64_t days = 7;
  if (auto it = c.req.query.find("days"); it != c.req.query.end()) {
    const std::string& d = it->second;
    if (d.empty() || d.size() > 2 || d.find_first_not_of("0123456789") != d.npos ||
        std::stoi(d) < 1 || std::stoi(d) > 31) {
      return ErrorResponse(common::Code::kOutOfRange, "days must be 1 to 31", "days");
    }
    days = std::stoi(d);
  }
  auto page = ParsePage(c.req);
  if (!page) return ErrorResponse(page.error());
  const auto& calendar = *s.deps().calendar;
  const common::Instant now = s.deps().clock->Now();
  const auto today = std::chrono::sys_days(calendar.DayOf(now));
  auto answer = s.Database().Use([&](store::Connection& conn) -> Result<value> {
    auto resources = c.who.tenant_id.empty()
                         ? lifecycle::ListAllResources(conn)
                         : lifecycle::ListResources(conn, c.who.tenant_id, 0, INT64_MAX / 2);
    if (!resources) return std::unexpected(resources.error());
    struct Found {
      metering::AttackEvent event;
      const lifecycle::Resource* resource;
      int64_t ceiling_bps;
    };
    std::vector<Found> found;
    for (const auto& r : *resources) {
      if (!r.delivered_at) continue;
      std::vector<metering::AttackWindow> windows;
      for (int64_t d = days - 1; d >= 0; --d) {
        const std::string day = common::FormatDay(common::Day(today - std::chrono::days(d)));
        auto w = RAMPART_TRY(postpaid::WindowsOfDay(conn, calendar, r.tenant_id, r.id, day));
        for (const auto& x : w) {
          if (x.attack_bps > 0) {
            windows.push_back({x.ip, x.window_start, x.window_s, x.attack_bps});
          }
        }
      }
      // The ceiling now in force: the elastic peak, or the base while elastic is off.
      const int64_t ceiling =
          (r.spec.elastic_gbps > 0 ? r.spec.elastic_gbps : r.spec.base_gbps) * 1'000'000'000;
      for (auto& e : metering::AttackEvents(std::move(windows), ceiling, now)) {
        found.push_back({std::move(e), &r, ceiling});
      }
    }
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
      return std::tie(a.event.start, a.resource->id) > std::tie(b.event.start, b.resource->id);
    });
    array items;
    const auto first = static_cast<size_t>(std::min<int64_t>(page->after, found.size()));
    const size_t last = std::min(found.size(), first + static_cast<size_t>(page->limit));
    for (size_t i = first; i < last; ++i) {
      const auto& [e, r, ceiling] = found[i];
      array ips;
      for (const auto& ip : e.ips) ips.push_back(value(ip));
      items.push_back(object{{"resource", r->id},
                             {"tenant", r->tenant_id},
                             {"product", catalog::ToString(r->spec.product)},
                             {"ips", ips},
                             {"start", common::FormatRfc3339(e.start)},
                             {"end", e.end ? value(common::FormatRfc3339(*e.end)) : value(nullptr)},
                             {"ongoing", !e.end.has_value()},
                             {"peak_bps", e.peak_bps},
                             {"peak_at", common::FormatRfc3339(e.peak_at)},
                             {"ceiling_bps", ceiling},
                             {"blackholed", e.blackholed}});
    }
    value next = nullptr;
    if (last < found.size()) next = std::to_string(last);
    return value(object{{"items", items}, {"next_cursor", next}});
  });
  if (!answer) return ErrorResponse(answer.error());
  return Json(200, *answer);
}

// GET /v1/resources/{id}/usage
HttpResponse GetResourcesUsage(ApiService& s, Context& c) {
  auto it = c.req.query.find("day");
  if (it == c.req.query.end() || !common::ParseDay(it->second)) {
    return ErrorResponse(common::Code::kInvalidDay, "give ?day=YYYY-MM-DD", "day");
  }
  // ?by=source: each source's copy of each window (dataplane.md §1), with its
  // revision; otherwise windows summed over sources, as bills see them.
  auto by = c.req.query.find("by");
  const bool by_source = by != c.req.query.end() && by->second == "source";
  if (by != c.req.query.end() && !by_source) {
    return ErrorResponse(common::Code::kInvalidOption, "by may only be \"source\"", "by");
  }
  auto windows = s.Database().Use([&](store::Connection& conn) {
    return postpaid::WindowsOfDay(conn, *s.deps().calendar, c.who.tenant_id, c.params[0],
                                  it->second, by_source);
  });
  if (!windows) return ErrorResponse(windows.error());
  array items;
  for (const auto& w : *windows) {
    object item{{"ip", w.ip},
                {"window_start", common::FormatRfc3339(w.window_start)},
                {"window_s", w.window_s},
                {"attack_bps", w.attack_bps},
                {"in_bytes", w.in_bytes},
                {"out_bytes", w.out_bytes}};
    if (by_source) {
      item["source"] = w.source;
      item["revision"] = w.revision;
    }
    items.push_back(std::move(item));
  }
  return Json(200, object{{"resource", c.params[0]}, {"day", it->second}, {"windows", items}});
}

// PATCH /v1/resources/{id}
HttpResponse PatchResourcesOne(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  lifecycle::ResourcePatch patch;
  patch.elastic_gbps = fields.Int("elastic_gbps", false, 0, 100'000);
  patch.auto_renew = fields.Bool("auto_renew", false);
  if (auto m = fields.Choice("forwarding_mode", false, {"by_traffic", "by_bandwidth"})) {
    patch.forwarding_mode = billing::ParseForwardingMode(*m);
  }
  auto name = fields.String("name", false);
  std::optional<std::vector<std::string>> tags;
  if (const auto* list = fields.Array("tags", false)) {
    tags.emplace();
    for (const auto& t : *list) {
      if (!t.is_string()) {
        fields.Problem(common::Code::kInvalidOption, "tags: a list of strings", "tags");
        break;
      }
      tags->emplace_back(t.get_string());
    }
  }
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  if (!patch.elastic_gbps && !patch.auto_renew && !patch.forwarding_mode && !name && !tags) {
    return ErrorResponse(
        common::Code::kInvalidOption,
        "give at least one of elastic_gbps, auto_renew, forwarding_mode, name, tags");
  }
  if (auto ok = lifecycle::ValidateLabels(name, tags); !ok) return ErrorResponse(ok.error());
  const bool billing_change = patch.elastic_gbps || patch.auto_renew || patch.forwarding_mode;
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    if (name || tags) {
      auto labelled =
          RAMPART_TRY(lifecycle::SetLabels(conn, c.who.tenant_id, c.params[0], name, tags));
      if (!billing_change) return Json(200, ResourceToJson(labelled));
    }
    auto r = RAMPART_TRY(lifecycle::Patch(conn, *s.deps().book, *s.deps().calendar, c.who.tenant_id,
                                          c.params[0], patch, s.deps().clock->Now()));
    return Json(200, ResourceToJson(r));
  });
}

// POST /v1/resources/{id}/renew
HttpResponse PostResourcesRenew(ApiService& s, Context& c) {
  auto months = OneIntField(c.req, "months", 0, 1'000);
  if (!months) return ErrorResponse(months.error());
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto r = RAMPART_TRY(lifecycle::Renew(conn, *s.deps().book, *s.deps().calendar, c.who.tenant_id,
                                          c.params[0], *months, s.deps().clock->Now()));
    return Json(200, ResourceToJson(r));
  });
}

// POST /v1/resources/{id}/upgrade
HttpResponse PostResourcesUpgrade(ApiService& s, Context& c) {
  auto base = OneIntField(c.req, "base_gbps", 1, 100'000);
  if (!base) return ErrorResponse(base.error());
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto r = RAMPART_TRY(lifecycle::Upgrade(conn, *s.deps().book, c.who.tenant_id, c.params[0],
                                            *base, s.deps().clock->Now()));
    return Json(200, ResourceToJson(r));
  });
}

// POST /v1/resources/{id}/renew/quote
HttpResponse PostResourcesRenewQuote(ApiService& s, Context& c) {
  auto months = OneIntField(c.req, "months", 0, 1'000);
  if (!months) return ErrorResponse(months.error());
  auto q = s.deps().db->Use([&](store::Connection& conn) {
    return lifecycle::PriceRenewal(conn, *s.deps().book, c.who.tenant_id, c.params[0], *months);
  });
  if (!q) return ErrorResponse(q.error());
  return Json(200, QuoteToJson(*q));
}

// POST /v1/resources/{id}/upgrade/quote
HttpResponse PostResourcesUpgradeQuote(ApiService& s, Context& c) {
  auto base = OneIntField(c.req, "base_gbps", 1, 100'000);
  if (!base) return ErrorResponse(base.error());
  auto q = s.deps().db->Use([&](store::Connection& conn) {
    return lifecycle::PriceUpgrade(conn, *s.deps().book, c.who.tenant_id, c.params[0], *base,
                                   s.deps().clock->Now());
  });
  if (!q) return ErrorResponse(q.error());
  value v = QuoteToJson(q->quote);
  v.as_object()["elastic_switched_off"] = q->elastic_switched_off;
  return Json(200, v);
}

// POST /v1/resources/{id}/cancel/quote
HttpResponse PostResourcesCancelQuote(ApiService& s, Context& c) {
  if (auto e = NoFields(c.req)) return ErrorResponse(*e);
  auto refund = s.deps().db->Use([&](store::Connection& conn) {
    return lifecycle::PriceCancel(conn, c.who.tenant_id, c.params[0], s.deps().clock->Now());
  });
  if (!refund) return ErrorResponse(refund.error());
  return Json(200, object{{"refund", refund->ToString()}, {"currency", "CNY"}});
}

// POST /v1/resources/{id}/cancel
HttpResponse PostResourcesCancel(ApiService& s, Context& c) {
  if (auto e = NoFields(c.req)) return ErrorResponse(*e);
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto r = RAMPART_TRY(
        ordering::CancelResource(conn, c.who.tenant_id, c.params[0], s.deps().clock->Now()));
    value v = ResourceToJson(r.first);
    v.as_object()["refund"] = r.second.ToString();
    return Json(200, v);
  });
}

}  // namespace

void AddResourceRoutes(EndpointMap& e) {
  e.insert({
      {"GET /v1/resources", {kTenant, ListHandler(lifecycle::ListResources, ResourceToJson)}},
      {"GET /v1/resources/{id}", {kTenant, GetHandler(lifecycle::GetResource, ResourceToJson)}},
      {"GET /v1/resources/{id}/rules", {kTenant, GetResourcesRules}},
      {"GET /v1/resources/{id}/rules/{id}", {kTenant, GetResourcesRulesOne}},
      {"POST /v1/resources/{id}/rules", {kTenant, PostResourcesRules}},
      {"PUT /v1/resources/{id}/rules/{id}", {kTenant, PutResourcesRulesOne}},
      {"DELETE /v1/resources/{id}/rules/{id}", {kTenant, DeleteResourcesRulesOne}},
      {"GET /v1/resources/{id}/bindings", {kTenant, GetResourcesBindings}},
      {"POST /v1/resources/{id}/bindings", {kTenant, PostResourcesBindings}},
      {"DELETE /v1/resources/{id}/bindings/{id}", {kTenant, DeleteResourcesBindingsOne}},
      {"GET /v1/resources/{id}/policy", {kTenant, GetResourcesPolicy}},
      {"PUT /v1/resources/{id}/policy", {kTenant, PutResourcesPolicy}},
      // Attack events: the caller's resources (an operator's key: every tenant's) over the last
      // ?days= billing days (1-31, default 7), from the stored windows; newest first, ?limit=
      // and ?cursor= as the other lists (the cursor counts the events already given).
      {"GET /v1/attacks", {kTenantOrAdmin, GetAttacks}},
      {"GET /v1/resources/{id}/usage", {kTenant, GetResourcesUsage}},
      {"PATCH /v1/resources/{id}", {kTenant, PatchResourcesOne}},
      {"POST /v1/resources/{id}/renew", {kTenant, PostResourcesRenew}},
      {"POST /v1/resources/{id}/upgrade", {kTenant, PostResourcesUpgrade}},
      {"POST /v1/resources/{id}/renew/quote", {kTenant, PostResourcesRenewQuote}},
      {"POST /v1/resources/{id}/upgrade/quote", {kTenant, PostResourcesUpgradeQuote}},
      {"POST /v1/resources/{id}/cancel/quote", {kTenant, PostResourcesCancelQuote}},
      {"POST /v1/resources/{id}/cancel", {kTenant, PostResourcesCancel}},
  });
}

}  // namespace rampart::api
