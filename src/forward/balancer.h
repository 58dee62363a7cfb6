// Balancer: one rule's origins, their addresses and health, and the choice of an origin for
// each new TCP connection or UDP session (dataplane.md §3).
//
// An origin is eligible when its weight is above 0, it has an address (a domain resolves to
// one; an address the operator does not allow is refused) and, with health checks on, it is
// healthy: unhealthy after `unhealthy_after` failed checks in a row, healthy again after
// `healthy_after` good ones (origins start healthy). Choice: smooth weighted round-robin
// (nginx's: over many picks each origin gets its weight's share, interleaved) or source hash
// (weighted rendezvous hashing: a client keeps its origin while the set is unchanged, and
// only the clients of an origin that leaves move). With `session_persistence_s`, a client
// returns to its last origin while that is eligible and it came within the period (at most
// 65,536 clients remembered per rule).
//
// Single-threaded (the forwarder's loop).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/ip_address.h"
#include "forward/forward_config.h"

namespace rampart::forward {

struct OriginState {
  Origin origin;
  std::optional<common::IpAddress> address;  // resolved; none: unusable
  std::string problem;                       // why there is no address ("" when there is)
  bool healthy = true;
  int successes = 0, failures = 0;  // in a row
  int64_t current = 0;              // smooth WRR
  // Health checking (driven by the forwarder's loop).
  int64_t next_check_us = 0;
  int check_fd = -1;
  int64_t check_deadline_us = 0;
  uint64_t checks_failed = 0;
};

class Balancer {
 public:
  // Takes a rule's origins, keeping the state (health, address) of those unchanged.
  void SetOrigins(const Rule& rule);
  const Rule& rule() const { return rule_; }
  std::vector<OriginState>& origins() { return origins_; }
  const std::vector<OriginState>& origins() const { return origins_; }

  // The origin for a new connection from `client`, or -1 when none is eligible.
  int Pick(const common::IpAddress& client, int64_t now_s);
  // A health check's result.
  void Report(size_t origin, bool ok);
  void SetAddress(size_t origin, std::optional<common::IpAddress> address, std::string problem);
  bool Eligible(size_t i) const;

  // The socket address of origin `i` (which has an address).
  socklen_t SockAddr(size_t i, sockaddr_storage& out) const;

 private:
  Rule rule_;
  std::vector<OriginState> origins_;
  struct Sticky {
    size_t origin;
    int64_t until_s;
  };
  std::unordered_map<common::IpAddress, Sticky, common::IpAddressHash> sticky_;
};

}  // namespace rampart::forward
