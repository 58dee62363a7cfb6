#include "lifecycle/dataplane.h"

#include <algorithm>
#include <map>

namespace rampart::lifecycle {

using store::Int;
using store::Text;

common::Result<std::vector<DataplaneResource>> ReadDataplane(store::Connection& c) {
  auto resources = c.Query(
      "SELECT r.id, r.tenant_id, r.product, r.state, r.base_gbps, r.elastic_gbps, "
      "COALESCE(p.body, '') FROM resources r LEFT JOIN policies p ON p.resource_id = r.id "
      "WHERE r.state IN ('running', 'expired') ORDER BY r.id");
  if (!resources) return std::unexpected(resources.error());
  std::vector<DataplaneResource> out;
  std::map<std::string, size_t> at;
  for (const auto& r : *resources) {
    at[Text(r[0])] = out.size();
    out.push_back(DataplaneResource{
        Text(r[0]), Text(r[1]), Text(r[2]), Text(r[3]), Int(r[4]), Int(r[5]), {}, Text(r[6]), {}});
  }
  auto ips = RAMPART_TRY(c.Query(
      "SELECT i.resource_id, i.ip FROM resource_ips i JOIN resources r ON r.id = i.resource_id "
      "WHERE r.state IN ('running', 'expired')"));
  for (const auto& r : ips) {
    if (auto it = at.find(Text(r[0])); it != at.end()) out[it->second].ips.push_back(Text(r[1]));
  }
  auto rules = RAMPART_TRY(c.Query(
      "SELECT f.resource_id, f.id, f.protocol, f.frontend_port, f.body FROM forwarding_rules f "
      "JOIN resources r ON r.id = f.resource_id WHERE r.state IN ('running', 'expired') "
      "ORDER BY f.seq"));
  for (const auto& r : rules) {
    if (auto it = at.find(Text(r[0])); it != at.end()) {
      out[it->second].rules.push_back(StoredRule{Text(r[1]), Text(r[2]), Int(r[3]), Text(r[4])});
    }
  }
  for (auto& r : out) std::sort(r.ips.begin(), r.ips.end());
  return out;
}

}  // namespace rampart::lifecycle
