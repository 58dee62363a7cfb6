// UsageMeter: the forwarded payload bytes per hdip address and 60-s window (dataplane.md §3),
// `in` from clients and `out` to them, counted where the forwarder delivers them. A window is
// handed out once, whole, when the clock passes its end (Advance) or on shutdown (Flush);
// bytes are always counted into the window of the moment they are carried, so a handed-out
// window never changes and each is posted once, as revision 0 of this process's source.
//
// Single-threaded (the forwarder's loop). Count() allocates only for an address not yet seen;
// addresses idle for a whole window are forgotten.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "common/ip_address.h"

namespace rampart::forward {

struct WindowBytes {
  common::IpAddress ip;
  int64_t window_start = 0;  // Unix seconds, a multiple of 60
  uint64_t in_bytes = 0, out_bytes = 0;
};

class UsageMeter {
 public:
  static constexpr int64_t kWindowS = 60;

  void Count(const common::IpAddress& ip, int64_t now_s, uint64_t in_bytes, uint64_t out_bytes);
  // Appends every window that ended by `now_s` (with bytes in it) to `out`.
  void Advance(int64_t now_s, std::vector<WindowBytes>& out);
  // Appends every window with bytes, ended or not (shutdown).
  void Flush(std::vector<WindowBytes>& out);
  // Appends every window with bytes, ended or not, and keeps them (saving the state).
  void Snapshot(std::vector<WindowBytes>& out) const;
  // Takes back a window a saved state held (a restart): its bytes count again as not yet handed
  // out, and are handed out once with this process's windows. Not added to the totals.
  void Restore(const WindowBytes& w);
  uint64_t in_total() const { return in_total_; }
  uint64_t out_total() const { return out_total_; }

 private:
  struct Open {
    int64_t window_start = -1;
    uint64_t in = 0, out = 0;
  };
  std::unordered_map<common::IpAddress, Open, common::IpAddressHash> open_;
  std::vector<WindowBytes> pending_;  // ended windows found by Count before Advance
  uint64_t in_total_ = 0, out_total_ = 0;
};

}  // namespace rampart::forward
