// What `rampart forward` serves, read from the data-plane configuration document (README "The
// data-plane configuration"): one Frontend per hdip address, protocol and frontend port, each
// with its rule and its resource's policy. Pure: parsing only, no I/O; thread-safe.
//
// The document is checked again here (the server validated it, but an agent trusts nothing it
// reads): a document with a malformed hdip is refused whole, so the forwarder keeps the last
// good configuration rather than forwarding a half.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/ip_address.h"
#include "forward/address_set.h"

namespace rampart::forward {

struct Origin {
  std::string host;  // an IP address (canonical) or a domain name
  uint16_t port = 0;
  int weight = 100;  // 0-100
  bool operator==(const Origin&) const = default;
};

struct HealthCheck {
  bool enabled = true;
  int interval_s = 5, timeout_s = 3, unhealthy_after = 3, healthy_after = 3;
  bool operator==(const HealthCheck&) const = default;
};

struct Rule {
  std::string id;
  std::string resource;
  bool udp = false;
  uint16_t frontend_port = 0;
  std::vector<Origin> origins;
  bool source_hash = false;  // else smooth weighted round-robin
  int session_persistence_s = 0;
  HealthCheck health;
  bool proxy_v2 = false;
  bool operator==(const Rule&) const = default;
};

// A resource's protection policy as the forwarder enforces it (0 = no limit).
struct Policy {
  int64_t max_connections = 0;
  int64_t max_new_connections_per_s = 0;
  int64_t max_pps = 0;
  int64_t max_bps = 0;
  std::vector<uint16_t> reflection_ports;  // sorted, unique
  AddressSet blacklist, whitelist;
  bool operator==(const Policy&) const = default;
};

struct Frontend {
  common::IpAddress ip;
  std::shared_ptr<const Rule> rule;
  std::shared_ptr<const Policy> policy;  // shared by the resource's frontends
};

struct ForwardConfig {
  std::string version;
  bool private_origins_allowed = false;
  std::vector<Frontend> frontends;  // sorted by (ip, udp, port); no two alike
};

// `invalid_config` with the path of the first problem.
common::Result<ForwardConfig> ParseForwardConfig(const boost::json::value& doc);

}  // namespace rampart::forward
