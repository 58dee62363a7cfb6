// TrafficMeter: flow records into per-IP 60-second usage windows with attack detection, the
// second stage of `rampart collect` (dataplane.md §2, "Time", "Attack traffic", "Windows").
//
// - A record's bytes and packets (times its sampling rate) are spread over its [start, end]
//   in proportion to time, into 1-second slots, with parts that add up exactly to the record
//   (each within 3 of its exact share); the 60-second windows are sums of their seconds, so
//   they add up too. A record costs the same whatever its length (a few runs of seconds).
// - Inbound traffic of a protected IP (destination = the IP): a record marked dropped by the
//   exporter is attack, one marked forwarded is clean; a record without a status is attack
//   when the IP is under attack in that second. Outbound bytes (source = the IP) are counted.
// - Detection runs per detection unit (one IP, or an hdp packet's IPs together when its
//   policy says `total`) on each settled second: bps, pps and TCP SYN / UDP / ICMP pps against
//   the unit's thresholds (0 = not watched). An attack starts at the second where thresholds
//   have been exceeded for `sustain_s` seconds in a row and ends after `cooldown_s` seconds
//   below all of them; those seconds are attack seconds.
// - Time is the caller's: Advance(now) settles every second older than now - grace and emits
//   every window that ended more than `grace` ago and whose report changed since it was last
//   emitted, with the next revision and its full totals (windows with nothing to report are
//   not emitted). A record for a second already settled (late) is
//   judged by the unit's attack history and makes its window change again (up to 72 h).
//
// Bounded: at most kMaxIps protected IPs, kMaxPendingSeconds unsettled slots, kMaxWindows
// windows kept; what does not fit is counted and dropped, never grown. Deterministic: the
// same records and the same Advance times give the same windows. Not thread-safe.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "collect/flow_decoder.h"
#include "collect/second_ring.h"
#include "common/detection.h"
#include "common/ip_address.h"

namespace rampart::collect {

using common::Detection;  // the thresholds, with their defaults

// What the meter watches: each protected IP and the unit whose thresholds judge it.
struct MeterUnit {
  std::string name;  // the resource id (for logs and metrics)
  Detection detection;
  std::vector<common::IpAddress> ips;  // one IP, or an hdp packet's IPs judged together
};

// One emitted window: a usage sample's numbers. attack_bps = attack bytes x 8 / 60 (floored).
struct WindowSample {
  common::IpAddress ip;
  int64_t window_start = 0;  // Unix seconds, a multiple of 60
  int64_t attack_bytes = 0;
  int64_t clean_in_bytes = 0;
  int64_t out_bytes = 0;
  int64_t revision = 0;
  int64_t attack_bps() const { return attack_bytes * 8 / 60; }
};

class TrafficMeter {
 public:
  static constexpr int64_t kWindowS = 60;
  static constexpr int64_t kMaxAgeS = 72 * 3600;
  static constexpr int64_t kMaxFlowS = 3600;
  static constexpr int64_t kLatestMs = 10'000'000'000'000;  // 2286: later times are corrupt
  static constexpr size_t kMaxIps = 1 << 20;
  static constexpr size_t kMaxPendingSeconds = 8 << 20;
  static constexpr size_t kMaxWindows = 8 << 20;

  struct Stats {
    uint64_t records = 0;  // records of protected IPs
    // Records skipped: no protected destination (nor, with count_bytes, a protected source).
    uint64_t unprotected = 0;
    uint64_t late = 0;      // records for seconds already settled
    uint64_t too_old = 0;   // records older than 72 h (dropped)
    uint64_t bad_time = 0;  // records with times before 1970 or after 2286 (dropped)
    uint64_t overflow = 0;  // records dropped: the pending seconds or windows are full
    uint64_t attacks_started = 0;
    uint64_t attacks_open = 0;
  };

  // `count_bytes`: windows report clean inbound and outbound bytes too (--count-bytes);
  // otherwise only attack traffic.
  TrafficMeter(int64_t grace_s, bool count_bytes) : grace_s_(grace_s), count_bytes_(count_bytes) {}

  // Replaces what is watched (the configuration moved). State of IPs that stay is kept.
  void Configure(const std::vector<MeterUnit>& units);

  // Meters records (`sampling_override` replaces each one's sampling rate unless 0). The span
  // form is the fast one: it overlaps the work of up to kBatch records.
  void Add(std::span<const FlowRecord> records, uint32_t sampling_override);
  void Add(const FlowRecord& record, uint32_t sampling_override);

  // Settles seconds before now_s - grace and appends the windows to post to `out`.
  void Advance(int64_t now_s, std::vector<WindowSample>& out);
  // Settles everything and emits every changed window (end of a replay, shutdown).
  void Flush(std::vector<WindowSample>& out);

  // The windows' totals and emitted revisions, and the units' attack states, as text (one
  // line per window / unit), for --state-dir; Restore takes them back after Configure.
  // SaveState: everything. SaveChanges: the same but only the windows and unsettled seconds
  // changed since the last SaveState or SaveChanges (the units are small and given whole), for
  // a journal. RestoreState takes a SaveState and then any SaveChanges after it, in order;
  // each settles what its clock settled and replaces the seconds, units and windows it names.
  std::string SaveState();
  std::string SaveChanges();
  bool RestoreState(std::string_view text);

  const Stats& stats() const { return stats_; }

 private:
  using Slot = SecondSlot;
  struct Interval {
    int64_t from = 0, to = 0;  // attack seconds [from, to)
  };
  struct Unit {
    MeterUnit config;
    bool in_attack = false;
    int64_t run = 0;                // consecutive seconds above a threshold
    int64_t last_second = 0;        // the last second judged
    int64_t last_exceeded = 0;      // the last second above a threshold
    std::vector<Interval> history;  // closed and open attack intervals, oldest first
  };
  struct IpState {
    size_t unit = 0;
    SecondRing pending;  // unsettled seconds
    // The seconds changed since the last save, [changed_from, changed_to); empty if equal.
    int64_t changed_from = 0, changed_to = 0;
  };
  struct Window {
    int64_t attack_bytes = 0;
    int64_t clean_in_bytes = 0;
    int64_t out_bytes = 0;
    int64_t revision = -1;            // the last emitted; -1: never
    int64_t reported[3] = {0, 0, 0};  // what that revision reported
    bool dirty = false;               // changed since last emitted (then listed in dirty_)
    bool changed = false;             // since the last SaveState/SaveChanges (then in changed_)
  };
  using WindowKey = std::pair<int64_t, common::IpAddress>;  // (window start, ip)

  static constexpr size_t kBatch = 16;
  struct Span;      // a record's seconds
  struct Parts;     // its bytes or packets over them
  struct Prepared;  // a record with its IPs' states, seconds and parts

  // The ring fields a record adds to: its byte class and its packets' kind; its packets are
  // masked to 0 where the record counts none (outbound).
  struct Fields {
    SecondField bytes;
    SecondField kind;
    int64_t packets_mask;
  };
  // Add's first pass: false (counted) when the record is not metered.
  bool Prepare(const FlowRecord& r, uint32_t sampling_override, Prepared& out);
  void Spread(const Prepared& rec);  // Add's second pass: to its IPs
  // True when a part of the record went to a second already settled (late).
  bool Spread(const Prepared& rec, IpState& ip, bool inbound);
  // The record's seconds before `before` (settled already) to their windows, one by one;
  // true when one had traffic. Out of line: the hot path has none.
  [[gnu::noinline]] bool SpreadLate(const common::IpAddress& addr, const Prepared& rec,
                                    const Fields& fields, IpState& ip, int64_t before);
  // A part for a second already settled: straight into its window (false: it was empty).
  bool AddLate(IpState& ip, const common::IpAddress& addr, int64_t second, const Slot& part);
  void Settle(int64_t up_to);
  bool Exceeds(const Detection& d, const Slot& s) const;
  bool AttackAt(const Unit& u, int64_t second) const;
  Window* WindowOf(const common::IpAddress& ip, int64_t second);  // marks it changed and dirty
  void MarkChanged(const WindowKey& key, Window& w);
  // The lines of SaveState/SaveChanges: the clock, the unsettled seconds, the units; then
  // windows, all or the changed ones.
  std::string Save(bool all);
  void Emit(int64_t before, std::vector<WindowSample>& out);
  void SetOldest();  // oldest_ms_ from newest_: kMaxAgeS before it

  int64_t grace_s_;
  bool count_bytes_;
  int64_t settled_ = INT64_MIN;    // every second before it is settled
  int64_t newest_ = INT64_MIN;     // the latest Advance time
  int64_t oldest_ms_ = INT64_MIN;  // records ending before it are too old (SetOldest)
  std::vector<Unit> units_;
  // Every protected IP's state. Open addressing (std::unordered_map's lookups were once the
  // hot path's largest cost); the hot path finds IPv4 addresses through v4_, IPv6 ones here.
  using IpMap = boost::unordered_flat_map<common::IpAddress, IpState, common::IpAddressHash>;
  IpMap ips_;
  // The hot path's index of the protected IPv4 addresses (most records'): open addressing
  // over their 32-bit values, at most half full, so a lookup is a multiply and usually one
  // probe of a table small enough to stay in the L1 cache for thousands of IPs. Rebuilt by
  // Configure, whose map never moves its elements afterwards (nothing else inserts or
  // erases), so the pointers stay valid until the next Configure.
  struct V4Entry {
    uint32_t ip = 0;           // as in the address's bytes
    IpState* state = nullptr;  // null: an empty entry
  };
  std::vector<V4Entry> v4_ = std::vector<V4Entry>(2);  // two empty entries until Configure
  int v4_shift_ = 63;                                  // 64 - log2(v4_.size())
  IpState* Find(const common::IpAddress& ip);
  std::map<WindowKey, Window> windows_;
  std::vector<WindowKey> changed_;  // windows changed since the last save, each once
  std::vector<WindowKey> dirty_;    // windows to emit when due (Window::dirty), each once
  size_t pending_seconds_ = 0;  // slots the rings hold (their capacity), kMaxPendingSeconds at most
  Stats stats_;
};

}  // namespace rampart::collect
