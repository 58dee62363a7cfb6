// Customer prefixes: the address blocks the operator has verified a tenant owns (as in
// Magic-Transit-style onboarding). An hdp binding must fall inside one of its tenant's
// prefixes and outside every IP pool, so a tenant can protect only its own addresses, never
// the operator's pool addresses nor anyone else's. Prefixes never overlap each other nor an
// IP pool. Functions run inside the caller's transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::lifecycle {

struct Prefix {
  int64_t seq = 0;
  std::string id;
  std::string tenant_id;
  std::string cidr;  // canonical
  common::Instant created_at;
};

// `invalid_cidr` for bad text; `conflict` when it overlaps an IP pool or another prefix
// (whose owner is not named); `not_found` for an unknown tenant.
common::Result<Prefix> AddPrefix(store::Connection& c, std::string_view tenant_id,
                                 std::string_view cidr, common::Instant now);
common::Result<std::vector<Prefix>> ListPrefixes(store::Connection& c, std::string_view tenant_id);
// `not_found` unless the tenant has it; `invalid_state` while a binding of the tenant lies
// inside it (unbind first).
common::Result<void> DeletePrefix(store::Connection& c, std::string_view tenant_id,
                                  std::string_view id);

// Whether the tenant may bind `ip`: inside one of its prefixes and outside every pool.
// Errors: `prefix_not_assigned` otherwise — the same answer whether or not another tenant
// protects the address, so the refusal tells nothing about others.
common::Result<void> CheckBindable(store::Connection& c, std::string_view tenant_id,
                                   std::string_view ip);

// Whether any pool or prefix overlaps `cidr` (for new pools); the overlapping block's text.
common::Result<std::optional<std::string>> OverlappingPrefix(store::Connection& c,
                                                             std::string_view cidr);

}  // namespace rampart::lifecycle
