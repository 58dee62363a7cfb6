#include "formats/resource_json.h"

#include <boost/json.hpp>
#include <set>

#include "formats/json_fields.h"
#include "formats/spec_json.h"

namespace rampart::formats {

common::Result<std::vector<metering::RatedResource>> ParseRateResources(
    const boost::json::value& array, common::Instant day_start) {
  const auto* items = array.if_array();
  if (!items) {
    return common::Fail(common::Code::kInvalidType, "resources must be a JSON array of resources",
                        "resources");
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
        r.Problem(common::Code::kDuplicate, "resource id " + *id + " appears twice",
                  r.PathOf("id"));
    }
    if (auto t = r.String("tenant", false)) res.tenant = *t;
    const SpecFieldsGiven given = ReadProtectionSpec(r, &spec);
    if (auto s = r.Choice("state", false,
                          {"provisioning", "running", "expired", "released", "failed"})) {
      state = *billing::ParseResourceState(*s);
    }
    if (const auto* ips = r.Array("ips", true)) {
      for (size_t j = 0; j < ips->size(); ++j) {
        const std::string ip_path = r.PathOf("ips") + "[" + std::to_string(j) + "]";
        const auto* text = (*ips)[j].if_string();
        auto ip = text ? common::IpAddress::Parse(std::string_view(*text))
                       : common::Result<common::IpAddress>(
                             common::Fail(common::Code::kInvalidType, "", ""));
        if (!ip) {
          r.Problem(common::Code::kInvalidIp, ip_path + " must be an IPv4 or IPv6 address",
                    ip_path);
          break;
        }
        res.ips.push_back(*ip);
      }
    }
    // ip_count is the packet's size: by default the number of IPs listed.
    if (!given.ip_count) spec.ip_count = static_cast<int64_t>(std::max<size_t>(res.ips.size(), 1));
    if (r.ok() && spec.product == catalog::Product::kHdp &&
        static_cast<int64_t>(res.ips.size()) > spec.ip_count) {
      r.Problem(common::Code::kInvalidOption,
                r.PathOf("ips") + " lists " + std::to_string(res.ips.size()) +
                    " IPs, more than the packet's ip_count " + std::to_string(spec.ip_count),
                r.PathOf("ips"));
    }
    if (!given.scope && spec.ip_count > 1)
      spec.scope = billing::Scope::kMulti;  // implied by the IPs
    r.Ignore({"name", "tags", "order_id", "auto_renew", "expires_at", "created_at", "delivered_at",
              "policy", "pending_forwarding_mode"});
    if (auto e = r.Finish()) return std::unexpected(*e);
    res.timeline = {billing::SegmentFor(day_start, spec, state, false)};
    out.push_back(std::move(res));
  }
  return out;
}

}  // namespace rampart::formats
