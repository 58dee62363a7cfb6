// What the data-plane agents (`rampart collect`, `rampart forward`) need to know, read in one
// transaction (dataplane.md §4): every resource that protects or forwards now — `running`, or
// `expired` (forwarding goes on until release, product.md §6) — with its IPs (hdip addresses,
// hdp bindings), its stored policy body and, for hdips, its forwarding rules. Ordered by
// resource id, IPs and rules in a fixed order, so that the same state always gives the same
// document. Runs inside the caller's transaction; no tenant scope (agents are the operator's).
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "lifecycle/protection.h"
#include "store/sql.h"

namespace rampart::lifecycle {

struct DataplaneResource {
  std::string id;
  std::string tenant_id;
  std::string product;  // "hdip" | "hdp"
  std::string state;    // "running" | "expired"
  int64_t base_gbps = 0;
  int64_t elastic_gbps = 0;       // the ceiling
  std::vector<std::string> ips;   // canonical text, sorted
  std::string policy_body;        // "" when none was set
  std::vector<StoredRule> rules;  // hdip only, in creation order
};

common::Result<std::vector<DataplaneResource>> ReadDataplane(store::Connection& c);

}  // namespace rampart::lifecycle
