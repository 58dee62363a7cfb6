#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace rampart::api {

std::optional<int> RateLimiter::Take(const std::string& name, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_buckets_) ForgetIdle(now);
    if (buckets_.size() >= max_buckets_) return std::nullopt;  // see the header
    it = buckets_.emplace(name, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.at).count();
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / rate_)));
}

void RateLimiter::ForgetIdle(Clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) {
    const auto& b = entry.second;
    return b.tokens + std::chrono::duration<double>(now - b.at).count() * rate_ >= burst_;
  });
}

}  // namespace rampart::api
