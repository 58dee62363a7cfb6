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

void UsageMeter::Snapshot(std::vector<WindowBytes>& out) const {
  out.insert(out.end(), pending_.begin(), pending_.end());
  for (const auto& [ip, w] : open_) {
    if ((w.in | w.out) != 0) out.push_back({ip, w.window_start, w.in, w.out});
  }
}

void UsageMeter::Restore(const WindowBytes& w) {
  // The newest window of an address is its open one (Count moves it out when time passes it);
  // an older one waits in pending_, merged with one of the same start.
  Open& open = open_[w.ip];
  if (open.window_start < w.window_start) {
    if (open.window_start >= 0 && (open.in | open.out) != 0) {
      pending_.push_back({w.ip, open.window_start, open.in, open.out});
    }
    open = Open{w.window_start, 0, 0};
  }
  if (open.window_start == w.window_start) {
    open.in += w.in_bytes;
    open.out += w.out_bytes;
    return;
  }
  for (auto& p : pending_) {
    if (p.ip == w.ip && p.window_start == w.window_start) {
      p.in_bytes += w.in_bytes;
      p.out_bytes += w.out_bytes;
      return;
    }
  }
  pending_.push_back(w);
}

}  // namespace rampart::forward
