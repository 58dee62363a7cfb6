// `rampart collect` (dataplane.md §2): flow exports in, usage windows out.
//
// Live (RunLive): NetFlow v5/v9/IPFIX datagrams on --netflow and sFlow v5 on --sflow
// (recvmmsg, batches of 64) are archived (--archive), decoded (templates per exporter and
// domain; each datagram by the decoder of its protocol, recognised by content) and metered
// (TrafficMeter: exact spreading, detection, 60-s windows). Once a second the windows past
// their grace become samples — source --source, the next revision of each window — batched
// into the outbox. The state (templates, windows and revisions, unsettled seconds, attack
// states, the outbox) is in --state-dir (StateJournal: a snapshot and a journal of each
// second's changes) before a batch may be sent, so a killed collector restarts where its
// state was and never re-sends a revision with other numbers. A poster thread sends batches
// to POST /v1/usage with an Idempotency-Key, retrying with backoff while the server is
// unreachable; a config thread polls the data-plane
// configuration (GET /v1/dataplane/config, If-None-Match, a 2-s long poll, so changes arrive
// within a second). /metrics on --metrics.
//
// Offline (RunReplay): the same decoder and meter over pcap files, the arrival times as the
// clock, and the windows' final totals written as `rampart rate`'s usage CSV, byte for byte
// the same for the same input.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/usage_outbox.h"
#include "common/ip_address.h"

namespace rampart::collect {

struct CollectOptions {
  // Live.
  std::string server;  // http(s)://host:port
  std::string key;     // an agent key
  std::string ca_file;
  std::string netflow = "0.0.0.0:2055";  // empty: no NetFlow/IPFIX socket
  std::string sflow;                     // sFlow v5; empty: none
  std::string source = "collect";
  std::string state_dir;    // empty: nothing survives a restart (a warning says so)
  std::string archive_dir;  // empty: no archive
  std::string metrics;      // ADDR:PORT; empty: none
  double max_seconds = 0;   // stop after this long (tests, benches); 0: until SIGTERM
  // Both.
  int64_t grace_s = 120;
  bool count_bytes = false;
  std::map<common::IpAddress, uint32_t> sampling;  // per exporter, overrides the exports'
  // Offline.
  std::vector<std::string> replay;  // pcap files, in order
  std::string resources_path;
  std::string usage_out;  // "-" = standard output
};

using agent::ValidSourceName;

// Exit codes as the other commands: 0, 1 bad input, 2 I/O.
int RunReplay(const CollectOptions& o);
int RunLive(const CollectOptions& o);

}  // namespace rampart::collect
