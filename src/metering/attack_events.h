// Attack events (console issue #14): a resource's attack windows grouped into events. Pure;
// thread-safe.
//
// An event is a run of windows in which the resource was attacked (the attack summed over its
// IPs in windows with the same start, as elastic billing sums them: product.md §4), each window
// starting by the time the previous one ended. It is ongoing while its last window ended less
// than two window lengths before `now` (a meter posts a window after it ends); otherwise it
// ended with its last window. Above the ceiling the attack was blackholed (product.md §4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"

namespace rampart::metering {

struct AttackWindow {
  std::string ip;
  common::Instant start;
  int64_t window_s = 60;
  int64_t attack_bps = 0;
};

struct AttackEvent {
  common::Instant start;
  std::optional<common::Instant> end;  // none: ongoing
  common::Instant last_window_end;
  std::vector<std::string> ips;  // attacked during the event, sorted
  int64_t peak_bps = 0;          // the largest summed window
  common::Instant peak_at;       // that window's start (the first, on a tie)
  bool blackholed = false;       // the peak was above the ceiling
};

// `windows` in any order; `ceiling_bps` the protection ceiling (base, or the elastic peak).
// Events in start order.
std::vector<AttackEvent> AttackEvents(std::vector<AttackWindow> windows, int64_t ceiling_bps,
                                      common::Instant now);

}  // namespace rampart::metering
