// Routes: the operator's views. A tenant's resources, orders, ledger, account and bills are
// the tenant's own routes run as that tenant (one implementation, so the operator sees exactly
// what the customer sees); revenue is the ledger summed per billing day.
#include <map>

#include "account/account.h"
#include "api/routes.h"

namespace rampart::api {
namespace {

// The tenant route `tenant_route`, for the operator, about the tenant named by the first {id}
// (`not_found` for an unknown tenant); the route's other ids follow.
ApiService::Endpoint AsTenant(const EndpointMap& e, const std::string& tenant_route) {
  auto handler = e.at(tenant_route).handler;
  return {kAdmin, [handler](ApiService& s, Context& c) -> HttpResponse {
            auto tenant = s.Database().Use(
                [&](store::Connection& conn) { return account::GetTenant(conn, c.params[0]); });
            if (!tenant) return ErrorResponse(tenant.error());
            Context scoped{c.req, c.who, {c.params.begin() + 1, c.params.end()}, c.route};
            scoped.who.tenant_id = tenant->id;
            return handler(s, scoped);
          }};
}

// GET /v1/admin/revenue?from=&to=: per billing day of [from, to] (at most 366 days), what
// came in and went out of all balances: prepaid (order payments, renewals, upgrades less
// refunds), postpaid (daily bills and their adjustments), top-ups; and the sums.
HttpResponse Revenue(ApiService& s, Context& c) {
  auto param = [&](const char* k) {
    auto it = c.req.query.find(k);
    return it == c.req.query.end() ? std::string() : it->second;
  };
  const auto& calendar = *s.deps().calendar;
  const common::Day today = calendar.DayOf(s.deps().clock->Now());
  using std::chrono::sys_days;
  common::Day from = common::Day(sys_days(today) - std::chrono::days(29));
  common::Day to = today;
  for (auto [name, day] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    if (param(name).empty()) continue;
    auto parsed = common::ParseDay(param(name));
    if (!parsed) {
      return ErrorResponse(common::Code::kInvalidDay,
                           std::string(name) + " must be a day like 2026-11-26", name);
    }
    *day = *parsed;
  }
  if (sys_days(to) < sys_days(from) || (sys_days(to) - sys_days(from)).count() > 365) {
    return ErrorResponse(common::Code::kInvalidOption,
                         "from must be before to, at most 366 days apart", "to");
  }
  auto moves = s.Database().Use([&](store::Connection& conn) {
    return account::MovementsBetween(conn, calendar.DayStart(from), calendar.DayEnd(to));
  });
  if (!moves) return ErrorResponse(moves.error());
  struct Day {
    int64_t prepaid = 0, postpaid = 0, topups = 0;
  };
  std::map<sys_days, Day> days;
  for (sys_days d = sys_days(from); d <= sys_days(to); d += std::chrono::days(1)) {
    days[common::Day(d)];
  }
  for (const auto& m : *moves) {
    Day& d = days[sys_days(calendar.DayOf(m.at))];
    const int64_t fen = m.amount.fen();
    if (m.kind == "topup") {
      d.topups += fen;
    } else if (m.kind == "daily_bill" || m.kind == "adjustment") {
      d.postpaid -= fen;
    } else {
      d.prepaid -= fen;  // order_payment, renewal, upgrade (debits), refund (a credit)
    }
  }
  auto money = [](int64_t fen) { return common::Money::FromFen(fen).ToString(); };
  array items;
  Day sum;
  for (const auto& [day, d] : days) {
    items.push_back(object{{"day", common::FormatDay(common::Day(day))},
                           {"prepaid", money(d.prepaid)},
                           {"postpaid", money(d.postpaid)},
                           {"revenue", money(d.prepaid + d.postpaid)},
                           {"topups", money(d.topups)}});
    sum.prepaid += d.prepaid;
    sum.postpaid += d.postpaid;
    sum.topups += d.topups;
  }
  return Json(200, object{{"from", common::FormatDay(from)},
                          {"to", common::FormatDay(to)},
                          {"currency", "CNY"},
                          {"items", std::move(items)},
                          {"prepaid", money(sum.prepaid)},
                          {"postpaid", money(sum.postpaid)},
                          {"revenue", money(sum.prepaid + sum.postpaid)},
                          {"topups", money(sum.topups)}});
}

}  // namespace

void AddOperatorViewRoutes(EndpointMap& e) {
  const std::pair<const char*, const char*> views[] = {
      {"GET /v1/admin/tenants/{id}/account", "GET /v1/account"},
      {"GET /v1/admin/tenants/{id}/resources", "GET /v1/resources"},
      {"GET /v1/admin/tenants/{id}/orders", "GET /v1/orders"},
      {"GET /v1/admin/tenants/{id}/ledger", "GET /v1/account/ledger"},
      {"GET /v1/admin/tenants/{id}/bills", "GET /v1/bills"},
  };
  for (const auto& [route, tenant_route] : views) e.emplace(route, AsTenant(e, tenant_route));
  e.emplace("GET /v1/admin/revenue", ApiService::Endpoint{kAdmin, Revenue});
}

}  // namespace rampart::api
