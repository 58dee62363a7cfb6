#include "forward/usage_meter.h"

namespace rampart::forward {

void UsageMeter::Count(const common::IpAddress& ip, int64_t now_s, uint64_t in_bytes,
                       uint64_t out_bytes) {
  const int64_t start = now_s - ((now_s % kWindowS) + kWindowS) % kWindowS;
  Open& w = open_[ip];
  if (w.window_start != start) {
    // A window that ended without Advance seeing it yet is kept for Advance.
    if (w.window_start >= 0 && (w.in | w.out) != 0) {
      pending_.push_back({ip, w.window_start, w.in, w.out});
    }
    w = Open{start, 0, 0};
  }
  w.in += in_bytes;
  w.out += out_bytes;
  in_total_ += in_bytes;
  out_total_ += out_bytes;
}

void UsageMeter::Advance(int64_t now_s, std::vector<WindowBytes>& out) {
  for (auto& p : pending_) out.push_back(p);
  pending_.clear();
  for (auto it = open_.begin(); it != open_.end();) {
    Open& w = it->second;
    if (w.window_start + kWindowS <= now_s) {
      if ((w.in | w.out) != 0) out.push_back({it->first, w.window_start, w.in, w.out});
      it = open_.erase(it);  // idle until it carries again
    } else {
      ++it;
    }
  }
}

void UsageMeter::Flush(std::vector<WindowBytes>& out) {
  for (auto& p : pending_) out.push_back(p);
  pending_.clear();
  for (const auto& [ip, w] : open_) {
    if ((w.in | w.out) != 0) out.push_back({ip, w.window_start, w.in, w.out});
  }
  open_.clear();
}

}  // namespace rampart::forward
