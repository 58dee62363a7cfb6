#include "metering/attack_events.h"

#include <algorithm>
#include <map>
#include <set>

namespace rampart::metering {

std::vector<AttackEvent> AttackEvents(std::vector<AttackWindow> windows, int64_t ceiling_bps,
                                      common::Instant now) {
  // The attack summed over the IPs per window start (and the IPs attacked in it).
  struct Slot {
    int64_t window_s = 60;
    int64_t bps = 0;
    std::set<std::string> ips;
  };
  std::map<common::Instant, Slot> slots;
  for (auto& w : windows) {
    if (w.attack_bps <= 0) continue;
    Slot& s = slots[w.start];
    s.window_s = std::max(s.window_s, w.window_s);
    s.bps += w.attack_bps;
    s.ips.insert(std::move(w.ip));
  }
  std::vector<AttackEvent> events;
  std::vector<common::Seconds> last_length;  // per event: its last window's length
  std::set<std::string> ips;
  for (const auto& [start, slot] : slots) {
    const common::Instant end = start + common::Seconds(slot.window_s);
    if (events.empty() || start > events.back().last_window_end) {
      if (!events.empty()) events.back().ips.assign(ips.begin(), ips.end());
      ips.clear();
      events.push_back(AttackEvent{start, std::nullopt, end, {}, slot.bps, start, false});
      last_length.emplace_back(slot.window_s);
    }
    AttackEvent& e = events.back();
    if (end >= e.last_window_end) {
      e.last_window_end = end;
      last_length.back() = common::Seconds(slot.window_s);
    }
    if (slot.bps > e.peak_bps) {
      e.peak_bps = slot.bps;
      e.peak_at = start;
    }
    ips.insert(slot.ips.begin(), slot.ips.end());
  }
  if (!events.empty()) events.back().ips.assign(ips.begin(), ips.end());
  for (size_t i = 0; i < events.size(); ++i) {
    AttackEvent& e = events[i];
    e.blackholed = e.peak_bps > ceiling_bps;
    if (now - e.last_window_end >= 2 * last_length[i]) e.end = e.last_window_end;
  }
  return events;
}

}  // namespace rampart::metering
