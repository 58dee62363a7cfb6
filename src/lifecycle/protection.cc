#include "lifecycle/protection.h"

#include "common/crypto.h"
#include "lifecycle/prefixes.h"
#include "lifecycle/resources.h"

namespace rampart::lifecycle {
namespace {

using billing::ResourceState;
using store::Int;
using store::Text;

// The tenant's live resource of `product` (protection can be configured until release).
common::Result<Resource> Live(store::Connection& c, std::string_view tenant_id,
                              std::string_view resource_id, catalog::Product product) {
  auto r = GetResourceForUpdate(c, tenant_id, resource_id);
  if (!r) return r;
  if (r->spec.product != product) {
    return common::Fail(common::Code::kInvalidState,
                        product == catalog::Product::kHdip
                            ? "forwarding rules belong to hdip resources"
                            : "bindings belong to hdp packets");
  }
  if (r->state == ResourceState::kReleased || r->state == ResourceState::kFailed) {
    return common::Fail(common::Code::kInvalidState,
                        "resource " + r->id + " is " + std::string(billing::ToString(r->state)));
  }
  return r;
}

common::Error PortTaken(const StoredRule& rule) {
  return common::Error{common::Code::kConflict,
                       rule.protocol + " port " + std::to_string(rule.frontend_port) +
                           " is already forwarded by another rule",
                       "frontend_port"};
}

}  // namespace

common::Result<std::vector<StoredRule>> ListRules(store::Connection& c, std::string_view tenant_id,
                                                  std::string_view resource_id) {
  RAMPART_TRY(GetResource(c, tenant_id, resource_id));
  auto rows = RAMPART_TRY(c.Query(
      "SELECT id, protocol, frontend_port, body FROM forwarding_rules WHERE resource_id = $1 "
      "ORDER BY seq",
      {std::string(resource_id)}));
  std::vector<StoredRule> out;
  for (const auto& row : rows)
    out.push_back({Text(row[0]), Text(row[1]), Int(row[2]), Text(row[3])});
  return out;
}

common::Result<StoredRule> AddRule(store::Connection& c, std::string_view tenant_id,
                                   std::string_view resource_id, StoredRule rule) {
  RAMPART_TRY(Live(c, tenant_id, resource_id, catalog::Product::kHdip));
  auto count = RAMPART_TRY(c.Query("SELECT count(*) FROM forwarding_rules WHERE resource_id = $1",
                                   {std::string(resource_id)}));
  if (Int(count[0][0]) >= kMaxRules) {
    return common::Fail(common::Code::kLimitExceeded, "an hdip has at most 60 forwarding rules",
                        "rules");
  }
  rule.id = common::NewId("rule");
  auto q = c.Query(
      "INSERT INTO forwarding_rules (id, resource_id, protocol, frontend_port, body) "
      "VALUES ($1, $2, $3, $4, $5)",
      {rule.id, std::string(resource_id), rule.protocol, rule.frontend_port, rule.body});
  if (!q) {
    if (q.error().code == common::Code::kConflict) return std::unexpected(PortTaken(rule));
    return std::unexpected(q.error());
  }
  return rule;
}

common::Result<StoredRule> ReplaceRule(store::Connection& c, std::string_view tenant_id,
                                       std::string_view resource_id, StoredRule rule) {
  RAMPART_TRY(Live(c, tenant_id, resource_id, catalog::Product::kHdip));
  auto q = c.Query(
      "UPDATE forwarding_rules SET protocol = $3, frontend_port = $4, body = $5 "
      "WHERE id = $1 AND resource_id = $2 RETURNING id",
      {rule.id, std::string(resource_id), rule.protocol, rule.frontend_port, rule.body});
  if (!q) {
    if (q.error().code == common::Code::kConflict) return std::unexpected(PortTaken(rule));
    return std::unexpected(q.error());
  }
  if (q->empty()) return common::Fail(common::Code::kNotFound, "no such rule");
  return rule;
}

common::Result<void> DeleteRule(store::Connection& c, std::string_view tenant_id,
                                std::string_view resource_id, std::string_view rule_id) {
  RAMPART_TRY(GetResource(c, tenant_id, resource_id));
  auto q = RAMPART_TRY(
      c.Query("DELETE FROM forwarding_rules WHERE id = $1 AND resource_id = $2 RETURNING id",
              {std::string(rule_id), std::string(resource_id)}));
  if (q.empty()) return common::Fail(common::Code::kNotFound, "no such rule");
  return {};
}

common::Result<std::vector<std::string>> ListBindings(store::Connection& c,
                                                      std::string_view tenant_id,
                                                      std::string_view resource_id) {
  auto r = RAMPART_TRY(GetResource(c, tenant_id, resource_id));
  if (r.spec.product != catalog::Product::kHdp) {
    return common::Fail(common::Code::kInvalidState, "bindings belong to hdp packets");
  }
  return r.ips;
}

common::Result<void> AddBinding(store::Connection& c, std::string_view tenant_id,
                                std::string_view resource_id, std::string_view ip,
                                common::Instant now) {
  auto r = RAMPART_TRY(Live(c, tenant_id, resource_id, catalog::Product::kHdp));
  if (auto b = CheckBindable(c, r.tenant_id, ip); !b) return b;
  if (static_cast<int64_t>(r.ips.size()) >= r.spec.ip_count) {
    return common::Fail(common::Code::kLimitExceeded,
                        "the packet protects at most " + std::to_string(r.spec.ip_count) +
                            (r.spec.ip_count == 1 ? " IP" : " IPs"),
                        "ip");
  }
  auto q = AssignIp(c, resource_id, ip, "", now);
  if (!q) {
    if (q.error().code == common::Code::kConflict) {
      return common::Fail(common::Code::kConflict, std::string(ip) + " is already protected", "ip");
    }
    return q;
  }
  return {};
}

common::Result<void> DeleteBinding(store::Connection& c, std::string_view tenant_id,
                                   std::string_view resource_id, std::string_view ip,
                                   common::Instant now) {
  RAMPART_TRY(Live(c, tenant_id, resource_id, catalog::Product::kHdp));
  auto q = RAMPART_TRY(UnassignIps(c, resource_id, ip, now));
  if (q.empty()) return common::Fail(common::Code::kNotFound, "no such binding");
  return {};
}

common::Result<std::string> GetPolicy(store::Connection& c, std::string_view tenant_id,
                                      std::string_view resource_id) {
  RAMPART_TRY(GetResource(c, tenant_id, resource_id));
  auto rows =
      c.Query("SELECT body FROM policies WHERE resource_id = $1", {std::string(resource_id)});
  if (!rows) return std::unexpected(rows.error());
  return rows->empty() ? std::string() : Text((*rows)[0][0]);
}

common::Result<void> PutPolicy(store::Connection& c, std::string_view tenant_id,
                               std::string_view resource_id, std::string_view body,
                               common::Instant now) {
  auto r = RAMPART_TRY(GetResource(c, tenant_id, resource_id));
  if (r.state == ResourceState::kReleased || r.state == ResourceState::kFailed) {
    return common::Fail(common::Code::kInvalidState,
                        "resource " + r.id + " is " + std::string(billing::ToString(r.state)));
  }
  RAMPART_TRY(
      c.Query("INSERT INTO policies (resource_id, body, updated_at) VALUES ($1, $2, $3) "
              "ON CONFLICT (resource_id) DO UPDATE SET body = excluded.body, updated_at = "
              "excluded.updated_at",
              {std::string(resource_id), std::string(body), now.time_since_epoch().count()}));
  return {};
}

common::Result<void> DeleteProtection(store::Connection& c, std::string_view resource_id) {
  for (const char* sql : {"DELETE FROM forwarding_rules WHERE resource_id = $1",
                          "DELETE FROM policies WHERE resource_id = $1"}) {
    RAMPART_TRY(c.Query(sql, {std::string(resource_id)}));
  }
  return {};
}

}  // namespace rampart::lifecycle
