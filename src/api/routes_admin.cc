// Routes: The operator: tenants, keys, top-ups, IP pools, the simulated clock.
#include <charconv>

#include "account/account.h"
#include "account/audit.h"
#include "api/objects_json.h"
#include "api/routes.h"
#include "formats/json_fields.h"
#include "jobs/jobs.h"
#include "lifecycle/balance.h"
#include "lifecycle/ip_pools.h"
#include "lifecycle/prefixes.h"
#include "store/meta.h"

namespace rampart::api {

using formats::FieldReader;

namespace {

// A key as the operator lists it: never its secret.
value KeyInfoToJson(const account::KeyInfo& k) {
  object o{
      {"id", k.id},
      {"role", account::ToString(k.role)},
      {"created_at", common::FormatRfc3339(k.created_at)},
      {"revoked_at", k.revoked_at ? value(common::FormatRfc3339(*k.revoked_at)) : value(nullptr)}};
  if (!k.name.empty()) o["name"] = k.name;
  return o;
}

// GET /v1/admin/tenants/{id}/ledger/verify
HttpResponse GetAdminTenantsLedgerVerify(ApiService& s, Context& c) {
  // The balance is derivable from the ledger: check that it is.
  auto tenant = s.Database().Use(
      [&](store::Connection& conn) { return account::GetTenant(conn, c.params[0]); });
  if (!tenant) return ErrorResponse(tenant.error());
  auto ok = s.Database().Use(
      [&](store::Connection& conn) { return account::VerifyLedger(conn, c.params[0]); });
  return Json(200, object{{"tenant", c.params[0]},
                          {"balance", tenant->balance.ToString()},
                          {"ok", ok.has_value()},
                          {"problem", ok ? value(nullptr) : value(ok.error().message)}});
}

// POST /v1/admin/tenants
HttpResponse PostAdminTenants(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto name = fields.String("name", true);
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto t = RAMPART_TRY(account::CreateTenant(conn, *name, s.deps().clock->Now()));
    return Json(201, TenantToJson(t));
  });
}

// GET /v1/admin/tenants
HttpResponse GetAdminTenants(ApiService& s, Context& c) {
  auto page = ParsePage(c.req);
  if (!page) return ErrorResponse(page.error());
  auto ts = s.deps().db->Use([&](store::Connection& conn) {
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
}

// POST /v1/admin/tenants/{id}/keys
HttpResponse PostAdminTenantsKeys(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto role = fields.Choice("role", true, {"tenant", "meter"});
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto k =
        account::IssueKey(conn, *account::ParseRole(*role), c.params[0], s.deps().clock->Now());
    if (!k) return std::unexpected(k.error());
    return AnswerWithSecret(
        201, object{{"id", k->id}, {"role", account::ToString(k->role)}, {"tenant", k->tenant_id}},
        "key", k->secret);
  });
}

// GET /v1/admin/audit
HttpResponse GetAdminAudit(ApiService& s, Context& c) {
  auto page = ParsePage(c.req);
  if (!page) return ErrorResponse(page.error());
  const auto param = [&](const char* name) {
    auto it = c.req.query.find(name);
    return it == c.req.query.end() ? std::string() : it->second;
  };
  const std::string kind = param("kind");
  if (!kind.empty() && kind != "action" && kind != "money") {
    return ErrorResponse(common::Code::kInvalidOption, "kind must be action or money", "kind");
  }
  auto entries = s.Database().Use([&](store::Connection& conn) {
    return account::ListAudit(conn, param("tenant"), kind, page->after, page->limit);
  });
  if (!entries) return ErrorResponse(entries.error());
  return Json(200, PageJson(*entries, *page, [](const account::AuditEntry& e) {
                boost::system::error_code ec;
                value detail = boost::json::parse(e.detail, ec);
                return object{
                    {"id", e.seq},
                    {"at", common::FormatRfc3339(e.at)},
                    {"key_id", e.actor.key_id.empty() ? value(nullptr) : value(e.actor.key_id)},
                    {"role", e.actor.role},
                    {"address", e.actor.address.empty() ? value(nullptr) : value(e.actor.address)},
                    {"kind", e.kind},
                    {"action", e.action},
                    {"tenant", e.tenant_id.empty() ? value(nullptr) : value(e.tenant_id)},
                    {"detail", ec ? value(nullptr) : detail}};
              }));
}

// POST /v1/admin/keys
HttpResponse PostAdminKeys(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto role = fields.Choice("role", true, {"admin", "agent"});
  auto name = fields.String("name", true);
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto k =
        account::IssueOperatorKey(conn, *account::ParseRole(*role), *name, s.deps().clock->Now());
    if (!k) return std::unexpected(k.error());
    return AnswerWithSecret(
        201, object{{"id", k->id}, {"role", account::ToString(k->role)}, {"name", k->name}}, "key",
        k->secret);
  });
}

// DELETE /v1/admin/keys/{id}
HttpResponse DeleteAdminKeysOne(ApiService& s, Context& c) {
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    RAMPART_TRY(account::RevokeOperatorKey(conn, c.params[0], s.deps().clock->Now()));
    return Json(200, object{{"id", c.params[0]}, {"revoked", true}});
  });
}

// GET /v1/admin/tenants/{id}/keys
HttpResponse GetAdminTenantsKeys(ApiService& s, Context& c) {
  auto keys = s.deps().db->Use([&](store::Connection& conn) -> Result<array> {
    RAMPART_TRY(account::GetTenant(conn, c.params[0]));
    auto ks = RAMPART_TRY(account::ListKeys(conn, c.params[0]));
    array items;
    for (const auto& k : ks) items.push_back(KeyInfoToJson(k));
    return items;
  });
  if (!keys) return ErrorResponse(keys.error());
  return Json(200, object{{"items", *keys}, {"next_cursor", nullptr}});
}

// DELETE /v1/admin/tenants/{id}/keys/{id}
HttpResponse DeleteAdminTenantsKeysOne(ApiService& s, Context& c) {
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    RAMPART_TRY(account::RevokeKey(conn, c.params[0], c.params[1], s.deps().clock->Now()));
    return Json(200, object{{"id", c.params[1]}, {"revoked", true}});
  });
}

// POST /v1/admin/tenants/{id}/topup
HttpResponse PostAdminTenantsTopup(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto amount_text = fields.String("amount", true);
  auto reference = fields.String("reference", false);
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  auto amount = common::Money::Parse(*amount_text);
  if (!amount || *amount <= common::Money() ||
      *amount > common::Money::FromYuan(1'000'000'000'000)) {
    return ErrorResponse(common::Code::kInvalidOption,
                         "amount must be a positive amount like \"100000.00\"", "amount");
  }
  HttpResponse r = Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto e = RAMPART_TRY(lifecycle::PostMovement(conn, c.params[0], "topup", *amount,
                                                 reference.value_or("topup by " + c.who.key_id),
                                                 s.deps().clock->Now()));
    return Json(200, object{{"tenant", c.params[0]}, {"balance", e.balance_after.ToString()}});
  });
  if (r.status == 200 && s.deps().metrics)
    s.deps().metrics->Count("rampart_ledger_movements_total", "kind", "topup");
  return r;
}

// POST /v1/admin/tenants/{id}/prefixes
HttpResponse PostAdminTenantsPrefixes(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto cidr = fields.String("cidr", true);
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto p = RAMPART_TRY(lifecycle::AddPrefix(conn, c.params[0], *cidr, s.deps().clock->Now()));
    return Json(201, PrefixToJson(p));
  });
}

// GET /v1/admin/tenants/{id}/prefixes
HttpResponse GetAdminTenantsPrefixes(ApiService& s, Context& c) {
  auto ps = s.Database().Use([&](store::Connection& conn) -> Result<array> {
    RAMPART_TRY(account::GetTenant(conn, c.params[0]));
    auto list = RAMPART_TRY(lifecycle::ListPrefixes(conn, c.params[0]));
    array items;
    for (const auto& p : list) items.push_back(PrefixToJson(p));
    return items;
  });
  if (!ps) return ErrorResponse(ps.error());
  return Json(200, object{{"items", *ps}, {"next_cursor", nullptr}});
}

// DELETE /v1/admin/tenants/{id}/prefixes/{id}
HttpResponse DeleteAdminTenantsPrefixesOne(ApiService& s, Context& c) {
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    RAMPART_TRY(lifecycle::DeletePrefix(conn, c.params[0], c.params[1]));
    return Json(200, object{{"id", c.params[1]}, {"deleted", true}});
  });
}

// POST /v1/admin/ip-pools
HttpResponse PostAdminIpPools(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto region = fields.String("region", true);
  auto line = fields.String("line", true);
  auto cidr = fields.String("cidr", true);
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  if (!s.deps().book->FindHdipNetwork(*region, *line)) {
    return ErrorResponse(common::Code::kInvalidOption,
                         *region + "/" + *line + " is not an hdip network; networks: " +
                             s.deps().book->AllowedHdipNetworks(),
                         "region");
  }
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto p = RAMPART_TRY(lifecycle::AddPool(conn, *region, *line, *cidr, s.deps().clock->Now()));
    return Json(201, PoolToJson(p));
  });
}

// PATCH /v1/admin/ip-pools/{id}
HttpResponse PatchAdminIpPoolsOne(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto enabled = fields.Bool("enabled", true);
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto p = RAMPART_TRY(lifecycle::SetPoolEnabled(conn, c.params[0], *enabled));
    return Json(200, PoolToJson(p));
  });
}

// DELETE /v1/admin/ip-pools/{id}
HttpResponse DeleteAdminIpPoolsOne(ApiService& s, Context& c) {
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    RAMPART_TRY(lifecycle::DeletePool(conn, c.params[0]));
    return Json(200, object{{"id", c.params[0]}, {"deleted", true}});
  });
}

// GET /v1/admin/jobs
HttpResponse GetAdminJobs(ApiService& s, Context& c) {
  auto page = ParsePage(c.req);
  if (!page) return ErrorResponse(page.error());
  auto state = c.req.query.find("state");
  auto jobs = s.Database().Use([&](store::Connection& conn) {
    return jobs::ListJobs(conn, state == c.req.query.end() ? "dead" : state->second, page->after,
                          page->limit);
  });
  if (!jobs) return ErrorResponse(jobs.error());
  return Json(200, PageJson(*jobs, *page, JobToJson));
}

// POST /v1/admin/jobs/{id}/retry
HttpResponse PostAdminJobsRetry(ApiService& s, Context& c) {
  int64_t seq = 0;
  const std::string& id = c.params[0];
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), seq);
  if (ec != std::errc() || end != id.data() + id.size()) {
    return ErrorResponse(common::Code::kNotFound, "no such job");
  }
  return Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    auto job = RAMPART_TRY(jobs::RetryDeadJob(conn, seq, s.deps().clock->Now()));
    return Json(200, JobToJson(job));
  });
}

// POST /v1/admin/clock
HttpResponse PostAdminClock(ApiService& s, Context& c) {
  if (!s.deps().simulated) {
    return ErrorResponse(common::Code::kNotSimulated, "the server runs on the real clock");
  }
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  FieldReader fields(*body);
  auto advance = fields.Int("advance_s", false, 0, 10LL * 366 * 86400);
  auto to = fields.String("now", false);
  if (auto e = fields.Finish()) return ErrorResponse(*e);
  if (advance.has_value() == to.has_value()) {
    return ErrorResponse(common::Code::kInvalidOption, "give exactly one of advance_s and now",
                         "advance_s");
  }
  std::lock_guard lock(s.clock_mutex());
  common::Instant target = s.deps().simulated->Now() + common::Seconds(advance.value_or(0));
  if (to) {
    auto t = common::ParseRfc3339(*to);
    if (!t) return ErrorResponse(common::Code::kInvalidTime, t.error().message, "now");
    if (*t < s.deps().simulated->Now()) {
      return ErrorResponse(common::Code::kInvalidOption, "the clock never goes backward", "now");
    }
    target = *t;
  }
  auto ran = s.deps().jobs->RunDue(target, s.deps().simulated);
  if (!ran) return ErrorResponse(ran.error());
  s.deps().simulated->AdvanceTo(target);
  auto saved = s.deps().db->Use(
      [&](store::Connection& conn) { return store::WriteSimulatedNow(conn, target); });
  if (!saved) return ErrorResponse(saved.error());
  return Json(200, object{{"now", common::FormatRfc3339(target)}, {"jobs_run", *ran}});
}

// GET /v1/admin/keys
HttpResponse GetAdminKeys(ApiService& s, Context&) {
  auto keys =
      s.deps().db->Use([&](store::Connection& conn) { return account::ListOperatorKeys(conn); });
  if (!keys) return ErrorResponse(keys.error());
  array items;
  for (const auto& k : *keys) items.push_back(KeyInfoToJson(k));
  return Json(200, object{{"items", items}, {"next_cursor", nullptr}});
}

// GET /v1/admin/ip-pools
HttpResponse GetAdminIpPools(ApiService& s, Context&) {
  auto pools = s.deps().db->Use([](store::Connection& conn) { return lifecycle::ListPools(conn); });
  if (!pools) return ErrorResponse(pools.error());
  array items;
  for (const auto& p : *pools) items.push_back(PoolToJson(p));
  return Json(200, object{{"items", items}, {"next_cursor", nullptr}});
}

}  // namespace

void AddAdminRoutes(EndpointMap& e) {
  e.insert({
      {"GET /v1/admin/tenants/{id}/ledger/verify", {kAdmin, GetAdminTenantsLedgerVerify}},
      {"POST /v1/admin/tenants", {kAdmin, PostAdminTenants}},
      {"GET /v1/admin/tenants", {kAdmin, GetAdminTenants}},
      {"POST /v1/admin/tenants/{id}/keys", {kAdmin, PostAdminTenantsKeys}},
      {"GET /v1/admin/audit", {kAdmin, GetAdminAudit}},
      {"POST /v1/admin/keys", {kAdmin, PostAdminKeys}},
      {"GET /v1/admin/keys", {kAdmin, GetAdminKeys}},
      {"DELETE /v1/admin/keys/{id}", {kAdmin, DeleteAdminKeysOne}},
      {"GET /v1/admin/tenants/{id}/keys", {kAdmin, GetAdminTenantsKeys}},
      {"DELETE /v1/admin/tenants/{id}/keys/{id}", {kAdmin, DeleteAdminTenantsKeysOne}},
      {"POST /v1/admin/tenants/{id}/topup", {kAdmin, PostAdminTenantsTopup}},
      {"POST /v1/admin/tenants/{id}/prefixes", {kAdmin, PostAdminTenantsPrefixes}},
      {"GET /v1/admin/tenants/{id}/prefixes", {kAdmin, GetAdminTenantsPrefixes}},
      {"DELETE /v1/admin/tenants/{id}/prefixes/{id}", {kAdmin, DeleteAdminTenantsPrefixesOne}},
      {"POST /v1/admin/ip-pools", {kAdmin, PostAdminIpPools}},
      {"GET /v1/admin/ip-pools", {kAdmin, GetAdminIpPools}},
      {"PATCH /v1/admin/ip-pools/{id}", {kAdmin, PatchAdminIpPoolsOne}},
      {"DELETE /v1/admin/ip-pools/{id}", {kAdmin, DeleteAdminIpPoolsOne}},
      {"GET /v1/admin/jobs", {kAdmin, GetAdminJobs}},
      {"POST /v1/admin/jobs/{id}/retry", {kAdmin, PostAdminJobsRetry}},
      {"POST /v1/admin/clock", {kAdmin, PostAdminClock}},
  });
}

}  // namespace rampart::api
