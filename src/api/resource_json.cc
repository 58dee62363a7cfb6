#include "api/resource_json.h"

#include <boost/json.hpp>
#include <set>

#include "api/json_fields.h"

namespace rampart::api {

common::Result<std::vector<metering::RatedResource>> ParseRateResources(
    const boost::json::value& array, common::Instant day_start) {
  const auto* items = array.if_array();
  if (!items) {
    return common::Fail("invalid_type", "resources must be a JSON array of resources", "resources");
  }
  std::vector<metering::RatedResource> out;
  std::set<std::string> ids;
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string path = "resources[" + std::to_string(i) + "]";
    FieldReader r((*items)[i], path);
    metering::RatedResource res;
    auto& spec = res.spec;
    billing::ResourceState state = billing::ResourceState::kRunning;
    if (auto id = r.String("id", true)) {
      res.id = *id;
      if (!ids.insert(*id).second)
        r.Problem("duplicate", "resource id " + *id + " appears twice", r.PathOf("id"));
    }
    if (auto t = r.String("tenant", false)) res.tenant = *t;
    if (auto p = r.String("product", true)) {
      if (auto product = catalog::ParseProduct(*p)) {
        spec.product = *product;
      } else {
        r.Problem("invalid_option", r.PathOf("product") + " \"" + *p + "\" must be hdip or hdp",
                  r.PathOf("product"));
      }
    }
    if (auto region = r.String("region", true)) spec.region = *region;
    if (auto line = r.String("line", spec.product == catalog::Product::kHdip && r.ok())) {
      spec.line = *line;
    }
    const auto scope = r.String("scope", false);
    if (scope) {
      if (auto s = billing::ParseScope(*scope)) {
        spec.scope = *s;
      } else {
        r.Problem("invalid_option", r.PathOf("scope") + " must be \"single\" or \"multi\"",
                  r.PathOf("scope"));
      }
    }
    if (auto n = r.Int("base_gbps", true, 1, 100'000)) spec.base_gbps = *n;
    if (auto n = r.Int("elastic_gbps", false, 0, 100'000)) spec.elastic_gbps = *n;
    if (auto mode = r.String("forwarding_mode", false)) {
      if (auto m = billing::ParseForwardingMode(*mode)) {
        spec.forwarding_mode = *m;
      } else {
        r.Problem("invalid_option",
                  r.PathOf("forwarding_mode") + " must be \"by_traffic\" or \"by_bandwidth\"",
                  r.PathOf("forwarding_mode"));
      }
    }
    if (auto s = r.String("state", false)) {
      if (auto st = billing::ParseResourceState(*s)) {
        state = *st;
      } else {
        r.Problem("invalid_option",
                  r.PathOf("state") + " \"" + *s +
                      "\" must be provisioning, running, expired, released or failed",
                  r.PathOf("state"));
      }
    }
    if (const auto* ips = r.Array("ips", true)) {
      for (size_t j = 0; j < ips->size(); ++j) {
        const std::string ip_path = r.PathOf("ips") + "[" + std::to_string(j) + "]";
        const auto* text = (*ips)[j].if_string();
        auto ip = text ? common::IpAddress::Parse(std::string_view(*text))
                       : common::Result<common::IpAddress>(common::Fail("invalid_type", "", ""));
        if (!ip) {
          r.Problem("invalid_ip", ip_path + " must be an IPv4 or IPv6 address", ip_path);
          break;
        }
        res.ips.push_back(*ip);
      }
    }
    // ip_count is the packet's size: by default the number of IPs listed.
    spec.ip_count = static_cast<int64_t>(std::max<size_t>(res.ips.size(), 1));
    if (auto n = r.Int("ip_count", false, 1, 100'000)) spec.ip_count = *n;
    if (r.ok() && spec.product == catalog::Product::kHdp &&
        static_cast<int64_t>(res.ips.size()) > spec.ip_count) {
      r.Problem("invalid_option",
                r.PathOf("ips") + " lists " + std::to_string(res.ips.size()) +
                    " IPs, more than the packet's ip_count " + std::to_string(spec.ip_count),
                r.PathOf("ips"));
    }
    if (!scope && spec.ip_count > 1) spec.scope = billing::Scope::kMulti;  // implied by the IPs
    r.Ignore({"order_id", "auto_renew", "expires_at"});
    if (auto e = r.Finish()) return std::unexpected(*e);
    res.timeline = {billing::SegmentFor(day_start, spec, state, false)};
    out.push_back(std::move(res));
  }
  return out;
}

}  // namespace rampart::api
