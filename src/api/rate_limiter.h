// RateLimiter: token buckets by name ("key:<id>" for an authenticated key, "addr:<ip>" for
// requests without a valid key), each refilled at `per_second` and holding at most
// 2 x per_second (a burst). Time is the steady clock's: limits are about real load, also on
// a simulated clock. The table is bounded (`max_buckets`): when full, buckets that are full
// again (idle clients) are forgotten first, and a client never seen before is let through
// rather than evict one in use. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace rampart::api {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(double per_second, size_t max_buckets = 100'000)
      : rate_(per_second), burst_(2 * per_second), max_buckets_(max_buckets) {}

  // Takes one token from `name`'s bucket: nullopt when there was one, else the whole seconds
  // until there will be (for Retry-After, at least 1).
  std::optional<int> Take(const std::string& name, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  void ForgetIdle(Clock::time_point now);

  const double rate_;
  const double burst_;
  const size_t max_buckets_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace rampart::api
