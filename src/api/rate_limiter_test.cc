#include "api/rate_limiter.h"

#include <gtest/gtest.h>

namespace rampart::api {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, ABurstOfTwiceTheRateThenTheRate) {
  RateLimiter limiter(10);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(limiter.Take("key:a", t0).has_value()) << i;
  const auto refused = limiter.Take("key:a", t0);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(*refused, 1);
  EXPECT_FALSE(limiter.Take("key:b", t0).has_value());  // buckets are per name
  // A tenth of a second later: one more token, no more.
  EXPECT_FALSE(limiter.Take("key:a", t0 + 100ms).has_value());
  EXPECT_TRUE(limiter.Take("key:a", t0 + 100ms).has_value());
  // After two seconds the bucket is full again, never fuller than the burst.
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(limiter.Take("key:a", t0 + 10s).has_value()) << i;
  EXPECT_TRUE(limiter.Take("key:a", t0 + 10s).has_value());
}

TEST(RateLimiter, RetryAfterCoversTheWaitForOneToken) {
  RateLimiter limiter(0.25);  // one every 4 s, burst 0.5: never a whole token at first
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  const auto wait = limiter.Take("addr:192.0.2.1", t0);
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 2);  // (1 - 0.5) / 0.25
}

TEST(RateLimiter, TheTableIsBoundedAndForgetsIdleClientsFirst) {
  RateLimiter limiter(10, 100);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 100; ++i)
    EXPECT_FALSE(limiter.Take("addr:" + std::to_string(i), t0).has_value());
  // Full, every bucket in use: a newcomer is let through untracked (never refused).
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(limiter.Take("addr:new", t0).has_value()) << i;
  // A second later the others are idle (full again): forgotten to make room, so the
  // newcomer is tracked and limited like everyone.
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(limiter.Take("addr:new", t0 + 1s).has_value()) << i;
  EXPECT_TRUE(limiter.Take("addr:new", t0 + 1s).has_value());
}

}  // namespace
}  // namespace rampart::api
