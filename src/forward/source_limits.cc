#include "forward/source_limits.h"

#include <algorithm>

namespace rampart::forward {

void TokenBucket::Refill(int64_t rate, int64_t now_us) {
  if (!started_) {
    started_ = true;
    tokens_ = rate;
    at_us_ = now_us;
    return;
  }
  if (now_us <= at_us_) return;
  // Whole tokens earned since at_us_; the remainder of time carries over (exact rates).
  const __int128 earned = static_cast<__int128>(now_us - at_us_) * rate / 1'000'000;
  if (earned <= 0) return;
  if (earned >= rate - tokens_) {
    tokens_ = rate;
    at_us_ = now_us;
  } else {
    tokens_ += static_cast<int64_t>(earned);
    at_us_ += static_cast<int64_t>(earned * 1'000'000 / rate);
  }
}

bool TokenBucket::Take(int64_t rate, int64_t amount, int64_t now_us) {
  if (rate <= 0) return true;
  Refill(rate, now_us);
  if (tokens_ < std::min(amount, rate)) return false;
  tokens_ -= std::min(amount, tokens_);
  return true;
}

void TokenBucket::Charge(int64_t rate, int64_t amount, int64_t now_us) {
  if (rate <= 0) return;
  Refill(rate, now_us);
  tokens_ -= amount;
}

int64_t TokenBucket::WaitUs(int64_t rate, int64_t amount, int64_t now_us) {
  if (rate <= 0) return 0;
  Refill(rate, now_us);
  const int64_t need = std::min(amount, rate) - tokens_;
  if (need <= 0) return 0;
  return static_cast<int64_t>(static_cast<__int128>(need) * 1'000'000 / rate) + 1;
}

SourceTable::SourceTable(size_t capacity) : capacity_(capacity) { table_.reserve(capacity); }

SourceState& SourceTable::Get(const common::IpAddress& source, int64_t now_s) {
  auto it = table_.find(source);
  if (it == table_.end()) {
    if (table_.size() >= capacity_) {
      ++overflowed_;
      overflow_.last_seen_s = now_s;
      return overflow_;
    }
    it = table_.emplace(source, SourceState{}).first;
  }
  it->second.last_seen_s = now_s;
  return it->second;
}

void SourceTable::Sweep(int64_t now_s, int64_t idle_s) {
  std::erase_if(table_, [&](const auto& entry) {
    return entry.second.connections == 0 && now_s - entry.second.last_seen_s >= idle_s;
  });
}

}  // namespace rampart::forward
