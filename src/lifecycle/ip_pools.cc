#include "lifecycle/ip_pools.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/ip_address.h"
#include "lifecycle/prefixes.h"
#include "store/locks.h"

namespace rampart::lifecycle {

using store::Int;
using store::Text;

common::Result<void> LockAddressSpace(store::Connection& c) {
  return store::LockTable(c, "ip_pools");
}

common::Result<std::optional<std::string>> OverlappingPool(store::Connection& c,
                                                           const common::Cidr& cidr) {
  auto rows = RAMPART_TRY(c.Query("SELECT cidr FROM ip_pools"));
  for (const auto& row : rows) {
    if (common::Cidr::Parse(Text(row[0]))->Overlaps(cidr)) return std::optional(Text(row[0]));
  }
  return std::optional<std::string>();
}

common::Result<IpPool> AddPool(store::Connection& c, std::string_view region, std::string_view line,
                               std::string_view cidr_text, common::Instant now) {
  auto cidr = common::Cidr::Parse(cidr_text);
  if (!cidr) return std::unexpected(cidr.error());
  RAMPART_TRY(LockAddressSpace(c));
  auto pool_overlap = RAMPART_TRY(OverlappingPool(c, *cidr));
  if (pool_overlap) {
    return common::Fail(common::Code::kConflict,
                        cidr->ToString() + " overlaps the pool " + *pool_overlap, "cidr");
  }
  auto prefix = OverlappingPrefix(c, cidr->ToString());
  if (!prefix) return std::unexpected(prefix.error());
  if (*prefix) {
    return common::Fail(common::Code::kConflict,
                        cidr->ToString() + " overlaps the customer prefix " + **prefix, "cidr");
  }
  IpPool pool{common::NewId("pool"), std::string(region), std::string(line), cidr->ToString(),
              cidr->size()};
  RAMPART_TRY(c.Query(
      "INSERT INTO ip_pools (id, region, line, cidr, size, created_at) VALUES ($1, $2, $3, $4, $5, "
      "$6)",
      {pool.id, pool.region, pool.line, pool.cidr, pool.size, now.time_since_epoch().count()}));
  return pool;
}

common::Result<std::vector<IpPool>> ListPools(store::Connection& c) {
  auto rows = RAMPART_TRY(
      c.Query("SELECT p.id, p.region, p.line, p.cidr, p.size, p.next_offset - "
              "(SELECT count(*) FROM ip_free f WHERE f.pool_id = p.id), p.enabled FROM ip_pools p "
              "ORDER BY p.seq"));
  std::vector<IpPool> pools;
  for (const auto& row : rows) {
    pools.push_back(IpPool{Text(row[0]), Text(row[1]), Text(row[2]), Text(row[3]), Int(row[4]),
                           Int(row[5]), Int(row[6]) != 0});
  }
  return pools;
}

namespace {

common::Result<IpPool> FindPool(store::Connection& c, std::string_view id) {
  auto pools = RAMPART_TRY(ListPools(c));
  for (auto& p : pools) {
    if (p.id == id) return std::move(p);
  }
  return common::Fail(common::Code::kNotFound, "no IP pool " + std::string(id));
}

}  // namespace

common::Result<IpPool> SetPoolEnabled(store::Connection& c, std::string_view id, bool enabled) {
  RAMPART_TRY(c.Query("UPDATE ip_pools SET enabled = $1 WHERE id = $2",
                      {int64_t{enabled ? 1 : 0}, std::string(id)}));
  return FindPool(c, id);
}

common::Result<void> DeletePool(store::Connection& c, std::string_view id) {
  if (auto l = LockAddressSpace(c); !l) return l;
  auto pool = FindPool(c, id);
  if (!pool) return std::unexpected(pool.error());
  if (pool->in_use > 0) {
    return common::Fail(common::Code::kInvalidState,
                        "pool " + pool->cidr + " has " + std::to_string(pool->in_use) +
                            " addresses in use; disable it and delete it once "
                            "they are released");
  }
  for (const char* sql :
       {"DELETE FROM ip_free WHERE pool_id = $1", "DELETE FROM ip_pools WHERE id = $1"}) {
    if (auto d = c.Query(sql, {std::string(id)}); !d) return std::unexpected(d.error());
  }
  return {};
}

namespace {

common::Result<std::optional<Allocation>> NextAddress(store::Connection& c, std::string_view region,
                                                      std::string_view line) {
  auto freed = RAMPART_TRY(
      c.Query("SELECT f.ip, f.pool_id FROM ip_free f JOIN ip_pools p ON p.id = f.pool_id "
              "WHERE p.region = $1 AND p.line = $2 AND p.enabled = 1 ORDER BY p.seq, f.ip LIMIT 1",
              {std::string(region), std::string(line)}));
  if (!freed.empty()) {
    Allocation a{Text(freed[0][0]), Text(freed[0][1])};
    RAMPART_TRY(c.Query("DELETE FROM ip_free WHERE ip = $1", {a.ip}));
    return a;
  }
  auto pools = RAMPART_TRY(c.Query(
      "UPDATE ip_pools SET next_offset = next_offset + 1 WHERE id = (SELECT id FROM ip_pools "
      "WHERE region = $1 AND line = $2 AND enabled = 1 AND next_offset < size ORDER BY seq "
      "LIMIT 1) "
      "RETURNING id, cidr, next_offset - 1",
      {std::string(region), std::string(line)}));
  if (pools.empty()) return std::optional<Allocation>{};
  const auto& p = pools[0];
  return Allocation{common::Cidr::Parse(Text(p[1]))->At(Int(p[2])).ToString(), Text(p[0])};
}

}  // namespace

common::Result<std::optional<Allocation>> AllocateIp(store::Connection& c, std::string_view region,
                                                     std::string_view line) {
  // An address someone protects already (bound before pools and prefixes were kept apart)
  // is passed over; each pass consumes one address, so this ends.
  while (true) {
    auto next = NextAddress(c, region, line);
    if (!next || !*next) return next;
    auto taken = RAMPART_TRY(c.Query("SELECT 1 FROM resource_ips WHERE ip = $1", {(*next)->ip}));
    if (taken.empty()) return next;
  }
}

common::Result<int64_t> FreeAddresses(store::Connection& c, std::string_view region,
                                      std::string_view line) {
  auto pools = RAMPART_TRY(ListPools(c));
  return FreeAddresses(pools, region, line);
}

int64_t FreeAddresses(const std::vector<IpPool>& pools, std::string_view region,
                      std::string_view line) {
  int64_t free = 0;
  for (const auto& p : pools) {
    if (p.enabled && p.region == region && p.line == line) {
      free += std::max<int64_t>(0, p.size - p.in_use);
    }
  }
  return free;
}

common::Result<void> ReleaseIp(store::Connection& c, std::string_view ip,
                               std::string_view pool_id) {
  RAMPART_TRY(
      c.Query("INSERT INTO ip_free (ip, pool_id) VALUES ($1, $2) ON CONFLICT (ip) DO NOTHING",
              {std::string(ip), std::string(pool_id)}));
  return {};
}

}  // namespace rampart::lifecycle
