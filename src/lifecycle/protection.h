// A delivered resource's protection configuration (product.md §8): hdip forwarding rules
// (at most 60, one per protocol and frontend port), hdp bindings (at most the IPs bought; an
// IP is protected by one packet across all tenants), and a protection policy per resource.
//
// The rule and policy bodies are validated and made canonical at the API boundary; here
// they are stored whole, with the columns the constraints need. Functions run inside the
// caller's transaction; another tenant's resource is `not_found`.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::lifecycle {

inline constexpr int64_t kMaxRules = 60;

struct StoredRule {
  std::string id;
  std::string protocol;
  int64_t frontend_port = 0;
  std::string body;  // canonical JSON of the rule without its id
};

common::Result<std::vector<StoredRule>> ListRules(store::Connection& c, std::string_view tenant_id,
                                                  std::string_view resource_id);
// `limit_exceeded` for a 61st rule, `conflict` for a protocol and port already forwarded,
// `invalid_state` unless the resource is a live hdip.
common::Result<StoredRule> AddRule(store::Connection& c, std::string_view tenant_id,
                                   std::string_view resource_id, StoredRule rule);
common::Result<StoredRule> ReplaceRule(store::Connection& c, std::string_view tenant_id,
                                       std::string_view resource_id, StoredRule rule);
common::Result<void> DeleteRule(store::Connection& c, std::string_view tenant_id,
                                std::string_view resource_id, std::string_view rule_id);

common::Result<std::vector<std::string>> ListBindings(store::Connection& c,
                                                      std::string_view tenant_id,
                                                      std::string_view resource_id);
// `ip` must be canonical. `limit_exceeded` beyond the packet's IP count, `conflict` when the
// IP is already protected (by any packet of any tenant: the message does not say whose).
// Both take effect at `now` in the IP's assignment history.
common::Result<void> AddBinding(store::Connection& c, std::string_view tenant_id,
                                std::string_view resource_id, std::string_view ip,
                                common::Instant now);
common::Result<void> DeleteBinding(store::Connection& c, std::string_view tenant_id,
                                   std::string_view resource_id, std::string_view ip,
                                   common::Instant now);

// The policy body, or "" when none was set.
common::Result<std::string> GetPolicy(store::Connection& c, std::string_view tenant_id,
                                      std::string_view resource_id);
common::Result<void> PutPolicy(store::Connection& c, std::string_view tenant_id,
                               std::string_view resource_id, std::string_view body,
                               common::Instant now);

// Deletes a resource's forwarding rules and policy (it leaves service: lifecycle/term.h).
common::Result<void> DeleteProtection(store::Connection& c, std::string_view resource_id);

}  // namespace rampart::lifecycle
