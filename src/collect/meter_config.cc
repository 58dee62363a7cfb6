#include "collect/meter_config.h"

#include <boost/json.hpp>

namespace rampart::collect {
namespace {

int64_t IntOr(const boost::json::object& o, const char* key, int64_t fallback) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() && v->as_int64() >= 0 ? v->as_int64() : fallback;
}

}  // namespace

common::Result<std::vector<MeterUnit>> UnitsFromJson(const boost::json::value& doc) {
  const boost::json::array* resources = doc.if_array();
  if (const auto* o = doc.if_object()) {
    if (const auto* r = o->if_contains("resources")) resources = r->if_array();
  }
  if (!resources) {
    return common::Fail(common::Code::kInvalidConfig,
                        "expected an array of resources or {\"resources\": [...]}");
  }
  std::vector<MeterUnit> units;
  for (size_t i = 0; i < resources->size(); ++i) {
    const auto* r = (*resources)[i].if_object();
    const std::string at = "resources[" + std::to_string(i) + "]";
    if (!r) return common::Fail(common::Code::kInvalidConfig, at + " is not an object");
    const auto* id = r->if_contains("resource");
    if (!id) id = r->if_contains("id");
    const auto* ips = r->if_contains("ips");
    if (!id || !id->is_string() || !ips || !ips->is_array()) {
      return common::Fail(common::Code::kInvalidConfig,
                          at + " needs \"resource\" (or \"id\") and \"ips\"");
    }
    Detection d;
    bool total = false;
    if (const auto* policy = r->if_contains("policy"); policy && policy->is_object()) {
      if (const auto* det = policy->as_object().if_contains("detection"); det && det->is_object()) {
        const auto& o = det->as_object();
        d.bps = IntOr(o, "bps", d.bps);
        d.pps = IntOr(o, "pps", d.pps);
        d.syn_pps = IntOr(o, "syn_pps", d.syn_pps);
        d.udp_pps = IntOr(o, "udp_pps", d.udp_pps);
        d.icmp_pps = IntOr(o, "icmp_pps", d.icmp_pps);
        d.sustain_s = std::max<int64_t>(1, IntOr(o, "sustain_s", d.sustain_s));
        d.cooldown_s = std::max<int64_t>(1, IntOr(o, "cooldown_s", d.cooldown_s));
        const auto* applies = o.if_contains("applies_to");
        total = applies && applies->is_string() && applies->as_string() == "total";
      }
    }
    const auto* product = r->if_contains("product");
    total = total && product && product->is_string() && product->as_string() == "hdp";
    MeterUnit shared{std::string(id->as_string()), d, {}};
    for (size_t j = 0; j < ips->as_array().size(); ++j) {
      const auto* text = ips->as_array()[j].if_string();
      auto ip =
          text ? common::IpAddress::Parse(std::string_view(*text))
               : common::Result<common::IpAddress>(common::Fail(common::Code::kInvalidIp, "", ""));
      if (!ip) {
        return common::Fail(common::Code::kInvalidConfig,
                            at + ".ips[" + std::to_string(j) + "] is not an IP address");
      }
      if (total) {
        shared.ips.push_back(*ip);
      } else {
        units.push_back(MeterUnit{shared.name + "/" + ip->ToString(), d, {*ip}});
      }
    }
    if (total && !shared.ips.empty()) units.push_back(std::move(shared));
  }
  return units;
}

}  // namespace rampart::collect
