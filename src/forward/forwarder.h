// `rampart forward` (dataplane.md §3): the hdip's L4 forwarder.
//
// One event loop thread (epoll, edge-triggered) carries every frontend — each hdip address,
// protocol and frontend port of the configuration (ConfigWatcher, long-polled; applied in
// place: listeners, connections and sessions of unchanged rules untouched, a deleted rule's
// closed at once). TCP: accept, enforce the policy, pick an origin (Balancer), connect with a
// timeout, optional PROXY v2 header, then relay both ways — copying until a direction fills a
// buffer, then with splice(2) through a pipe (pipes pooled) — half-close passed on, idle
// timeout. UDP: recvmmsg on the
// frontend, a session per client address with its own connected upstream socket, replies
// batched back with sendmmsg from the frontend address, idle timeout. Payload bytes are
// metered per hdip address and 60-s window (UsageMeter) and posted as source
// `forward:<name>:<start>` (UsageOutbox) as each window ends; SIGTERM stops accepting,
// drains up to --drain-s, then flushes the open windows. With --state-dir the last
// configuration and the unposted usage are kept there: a forwarder restarted while the server
// is unreachable forwards on that configuration and posts the usage when the server is back.
//
// Health checks (TCP connect) run in the loop; DNS on the Resolver's thread; /metrics renders
// a snapshot the loop refreshes every second.
#pragma once

#include <cstdint>
#include <string>

namespace rampart::forward {

struct ForwardOptions {
  std::string server;  // http(s)://host:port
  std::string key;     // an agent key
  std::string ca_file;
  std::string name;     // the forwarder's name in its usage source; default: the host name
  std::string metrics;  // ADDR:PORT; empty: none
  // The configuration last read and the usage not yet accepted (UsageSpool); empty: a stop
  // while the server is unreachable loses the unposted usage (a warning says so).
  std::string state_dir;
  int connect_timeout_s = 5;
  int idle_timeout_s = 300;     // TCP
  int udp_idle_timeout_s = 60;  // UDP sessions
  int drain_s = 10;
  int64_t max_connections = 100'000;        // TCP connections and UDP sessions in all
  int64_t max_sessions_per_rule = 50'000;   // per frontend rule
  int64_t max_sessions_per_source = 1'000;  // per client address (white list exempt)
  double max_seconds = 0;                   // stop after this long (tests, benches)
};

// The default name: the host name in a-z 0-9 . _ -.
std::string DefaultForwarderName();

// Exit codes as the other commands: 0, 1 bad options, 2 I/O.
int RunForward(const ForwardOptions& o);

}  // namespace rampart::forward
