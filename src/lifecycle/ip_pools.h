// The operator's IP pools per region and line (api.md "IP pool"), and allocation from them.
// Addresses are handed out in order through each pool; released ones go to a free list and
// are reused first. Functions run inside the caller's transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/ip_address.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::lifecycle {

struct IpPool {
  std::string id;
  std::string region;
  std::string line;
  std::string cidr;
  int64_t size = 0;
  int64_t in_use = 0;   // addresses handed out and not returned
  bool enabled = true;  // false: hands out no new address
};

// Pools and customer prefixes share the address space and never overlap: on PostgreSQL,
// additions of either take this lock first so two nodes cannot both pass the overlap check
// (a rare operator action); SQLite has one writer. Within the caller's transaction.
common::Result<void> LockAddressSpace(store::Connection& c);
// The pool overlapping `cidr`, if any (its block's text).
common::Result<std::optional<std::string>> OverlappingPool(store::Connection& c,
                                                           const common::Cidr& cidr);

// `invalid_cidr` for a bad block, `conflict` when it overlaps an existing pool or a customer
// prefix.
common::Result<IpPool> AddPool(store::Connection& c, std::string_view region, std::string_view line,
                               std::string_view cidr, common::Instant now);

// Every pool, oldest first, with how many of its addresses are in use.
common::Result<std::vector<IpPool>> ListPools(store::Connection& c);
// Enables or disables a pool (a disabled pool hands out no new address; those in use stay,
// and a released one returns to it). `not_found` for an unknown id.
common::Result<IpPool> SetPoolEnabled(store::Connection& c, std::string_view id, bool enabled);
// Deletes a pool with no address in use (`invalid_state` otherwise, naming how many are).
common::Result<void> DeletePool(store::Connection& c, std::string_view id);

struct Allocation {
  std::string ip;
  std::string pool_id;
};
// An address from a pool of (region, line), or nullopt when every pool there is exhausted.
common::Result<std::optional<Allocation>> AllocateIp(store::Connection& c, std::string_view region,
                                                     std::string_view line);
// Addresses free in the enabled pools of (region, line): what an hdip order there can still be
// given.
common::Result<int64_t> FreeAddresses(store::Connection& c, std::string_view region,
                                      std::string_view line);
// The same, counted in pools already listed (the catalogue judges every network from one list).
int64_t FreeAddresses(const std::vector<IpPool>& pools, std::string_view region,
                      std::string_view line);
// Returns an address to its pool's free list.
common::Result<void> ReleaseIp(store::Connection& c, std::string_view ip, std::string_view pool_id);

}  // namespace rampart::lifecycle
