// Forwarding rules and protection policies at the API boundary (api.md "Forwarding rule";
// the policy shape is ours): strict reading with defaults filled in, every error naming its
// field ("origins[2].weight"), and a canonical JSON body to store.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "common/detection.h"
#include "common/error.h"
#include "lifecycle/protection.h"

namespace rampart::api {

// {"protocol": "tcp"|"udp", "frontend_port": 1-65535, "origins": [{"address": IPv4, IPv6 or
// domain, "port": 1-65535, "weight": 0-100}] (1-20, weights not all 0), "lb": "wrr"|
// "source_hash" (wrr), "session_persistence_s": 0-3600 (0), "health_check": {"enabled"
// (true), "interval_s" 1-300 (5), "timeout_s" 1-60 (3, below the interval),
// "unhealthy_after" 1-10 (3), "healthy_after" 1-10 (3)}, "proxy_protocol": "off"|"v2" (off: the
// PROXY protocol v2 header the forwarder sends the origins first, so they see the client)}.
//
// Origins are where the forwarder carries tenants' traffic: an address origin must pass the
// address policy (common/address_policy.h) unless `allow_private` (an operator whose origins
// live in its own network: --allow-private-origins), and is never one of `own_ips` (the
// resource's own addresses: a loop); a name made only of digits is refused as a name.
struct OriginPolicy {
  bool allow_private = false;
  std::vector<std::string> own_ips;  // canonical text
};
common::Result<lifecycle::StoredRule> ParseRule(const boost::json::value& body,
                                                const OriginPolicy& policy);
boost::json::value RuleToJson(const lifecycle::StoredRule& rule);

// {"per_source": {"max_connections", "max_new_connections_per_s", "max_pps", "max_bps"}
// (0 = no limit), "reflection_filter": {"udp_source_ports": [ports]} (at most 100),
// "blacklist": [CIDR], "whitelist": [CIDR] (at most 1,000 each, none in both),
// "detection": {"bps", "pps", "syn_pps", "udp_pps", "icmp_pps" (thresholds; 0 = not
// watched), "sustain_s" 1-60, "cooldown_s" 1-3600, "applies_to": "each_ip"|"total" (hdp: each
// protected IP on its own, or the packet's IPs together)} — defaults kDefaultDetection}.
common::Result<std::string> ParsePolicy(const boost::json::value& body);
boost::json::value PolicyToJson(const std::string& body);

// What `rampart collect` calls an attack when the policy says nothing (common/detection.h),
// and that as the policy's "detection" object.
inline constexpr common::Detection kDefaultDetection{};
boost::json::object DefaultDetection();

}  // namespace rampart::api
