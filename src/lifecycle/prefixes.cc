#include "lifecycle/prefixes.h"

#include <optional>

#include "account/account.h"
#include "common/crypto.h"
#include "common/ip_address.h"
#include "lifecycle/ip_pools.h"

namespace rampart::lifecycle {
namespace {

using store::Int;
using store::Text;

Prefix FromRow(const store::Row& r) {
  return Prefix{Int(r[0]), Text(r[1]), Text(r[2]), Text(r[3]),
                common::Instant(common::Seconds(Int(r[4])))};
}

}  // namespace

common::Result<std::optional<std::string>> OverlappingPrefix(store::Connection& c,
                                                             std::string_view cidr_text) {
  auto cidr = common::Cidr::Parse(cidr_text);
  if (!cidr) return std::unexpected(cidr.error());
  auto rows = RAMPART_TRY(c.Query("SELECT cidr FROM tenant_prefixes"));
  for (const auto& r : rows) {
    if (common::Cidr::Parse(Text(r[0]))->Overlaps(*cidr)) return std::optional(Text(r[0]));
  }
  return std::optional<std::string>();
}

common::Result<Prefix> AddPrefix(store::Connection& c, std::string_view tenant_id,
                                 std::string_view cidr_text, common::Instant now) {
  auto cidr = common::Cidr::Parse(cidr_text);
  if (!cidr) return std::unexpected(cidr.error());
  RAMPART_TRY(account::GetTenant(c, tenant_id));  // not_found without it
  RAMPART_TRY(LockAddressSpace(c));
  auto pool = OverlappingPool(c, *cidr);
  if (!pool) return std::unexpected(pool.error());
  if (*pool) {
    return common::Fail(common::Code::kConflict,
                        cidr->ToString() + " overlaps the IP pool " + **pool, "cidr");
  }
  auto taken = RAMPART_TRY(OverlappingPrefix(c, cidr->ToString()));
  if (taken) {
    return common::Fail(common::Code::kConflict, cidr->ToString() + " overlaps an assigned prefix",
                        "cidr");
  }
  Prefix p{0, common::NewId("pfx"), std::string(tenant_id), cidr->ToString(), now};
  auto q = RAMPART_TRY(c.Query(
      "INSERT INTO tenant_prefixes (id, tenant_id, cidr, created_at) VALUES ($1, $2, $3, $4) "
      "RETURNING seq",
      {p.id, p.tenant_id, p.cidr, now.time_since_epoch().count()}));
  p.seq = Int(q[0][0]);
  return p;
}

common::Result<std::vector<Prefix>> ListPrefixes(store::Connection& c, std::string_view tenant_id) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT seq, id, tenant_id, cidr, created_at FROM tenant_prefixes WHERE tenant_id = $1 "
      "ORDER BY seq",
      {std::string(tenant_id)}));
  std::vector<Prefix> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

common::Result<void> DeletePrefix(store::Connection& c, std::string_view tenant_id,
                                  std::string_view id) {
  auto rows =
      RAMPART_TRY(c.Query("SELECT cidr FROM tenant_prefixes WHERE id = $1 AND tenant_id = $2",
                          {std::string(id), std::string(tenant_id)}));
  if (rows.empty()) return common::Fail(common::Code::kNotFound, "no such prefix");
  const auto cidr = common::Cidr::Parse(Text(rows[0][0]));
  auto bound = c.Query(
      "SELECT i.ip FROM resource_ips i JOIN resources r ON r.id = i.resource_id "
      "WHERE r.tenant_id = $1 AND i.pool_id IS NULL",
      {std::string(tenant_id)});
  if (!bound) return std::unexpected(bound.error());
  for (const auto& b : *bound) {
    auto ip = common::IpAddress::Parse(Text(b[0]));
    if (ip && cidr->Contains(*ip)) {
      return common::Fail(common::Code::kInvalidState,
                          Text(b[0]) + " is bound inside " + cidr->ToString() +
                              ": unbind it before removing the prefix");
    }
  }
  RAMPART_TRY(c.Query("DELETE FROM tenant_prefixes WHERE id = $1", {std::string(id)}));
  return {};
}

common::Result<void> CheckBindable(store::Connection& c, std::string_view tenant_id,
                                   std::string_view ip_text) {
  auto ip = common::IpAddress::Parse(ip_text);
  if (!ip) return std::unexpected(ip.error());
  const auto refused = [&] {
    return common::Fail(common::Code::kPrefixNotAssigned,
                        ip->ToString() +
                            " is not in a prefix assigned to this account; the operator assigns "
                            "prefixes once their ownership is verified",
                        "ip");
  };
  auto pool =
      OverlappingPool(c, *common::Cidr::Parse(ip->ToString() + (ip->is_v4() ? "/32" : "/128")));
  if (!pool) return std::unexpected(pool.error());
  if (*pool) return refused();
  auto mine = RAMPART_TRY(ListPrefixes(c, tenant_id));
  for (const auto& p : mine) {
    if (common::Cidr::Parse(p.cidr)->Contains(*ip)) return {};
  }
  return refused();
}

}  // namespace rampart::lifecycle
