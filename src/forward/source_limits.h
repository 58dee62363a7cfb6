// Per-source enforcement of a resource's policy (dataplane.md §3): connections open, new
// connections per second, packets per second and bits per second for each client address.
// Token buckets hold one second's worth (a burst of the rate), refilled by elapsed time.
//
// Bounded: at most `capacity` sources are tracked; idle ones are swept (Sweep, once a second);
// when the table is full, the sources not in it share one overflow entry, so a flood of new
// addresses is limited together rather than growing memory. Single-threaded (the forwarder's
// loop); allocation only when a new source is added, never per packet.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "common/ip_address.h"

namespace rampart::forward {

class TokenBucket {
 public:
  // Takes `amount` tokens at `now_us` when they are there. A rate of 0 never limits.
  bool Take(int64_t rate_per_s, int64_t amount, int64_t now_us);
  // Takes `amount` whatever is there: the bucket may go into debt (TCP: bytes already read
  // are paid for by pausing the next reads until the debt is paid).
  void Charge(int64_t rate_per_s, int64_t amount, int64_t now_us);
  // Microseconds until `amount` tokens are there (0: now).
  int64_t WaitUs(int64_t rate_per_s, int64_t amount, int64_t now_us);

 private:
  void Refill(int64_t rate_per_s, int64_t now_us);
  bool started_ = false;  // full at first use
  int64_t tokens_ = 0;    // below 0: in debt
  int64_t at_us_ = 0;
};

struct SourceState {
  int64_t connections = 0;  // TCP connections and UDP sessions open
  TokenBucket new_connections, packets, bits;
  int64_t last_seen_s = 0;
};

class SourceTable {
 public:
  explicit SourceTable(size_t capacity = 65'536);
  SourceState& Get(const common::IpAddress& source, int64_t now_s);
  // Forgets sources idle for `idle_s` with nothing open.
  void Sweep(int64_t now_s, int64_t idle_s = 10);
  size_t size() const { return table_.size(); }
  uint64_t overflowed() const { return overflowed_; }  // lookups that fell to the shared entry

 private:
  size_t capacity_;
  std::unordered_map<common::IpAddress, SourceState, common::IpAddressHash> table_;
  SourceState overflow_;
  uint64_t overflowed_ = 0;
};

}  // namespace rampart::forward
