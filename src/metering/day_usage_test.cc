#include "metering/day_usage.h"

#include <gtest/gtest.h>

namespace rampart::metering {
namespace {

const common::Instant kStart = common::ParseRfc3339("2026-11-25T16:00:00Z").value();

UsageSample At(int64_t offset_s, int64_t window_s, int64_t attack, int64_t in, int64_t out) {
  UsageSample s;
  s.window_start = kStart + std::chrono::seconds(offset_s);
  s.window_s = window_s;
  s.attack_bps = attack;
  s.in_bytes = in;
  s.out_bytes = out;
  return s;
}

TEST(DayUsage, SumsWindowsWithTheSameStartAndBucketsBytes) {
  DayUsage u(kStart, kStart + std::chrono::days(1));
  u.Add(At(600, 60, 15, 1, 2));
  u.Add(At(600, 300, 12, 10, 20));  // a 300 s window of another IP at the same start
  u.Add(At(660, 60, 7, 100, 200));  // same 5-minute bucket, next minute
  u.Add(At(86340, 60, 3, 5, 5));    // the day's last minute
  const auto a = u.attack();
  ASSERT_EQ(a.attack_bps.size(), 1440u);
  EXPECT_EQ(a.attack_bps[10], 27);
  EXPECT_EQ(a.attack_bps[11], 7);
  EXPECT_EQ(a.attack_bps[1439], 3);
  const auto t = u.traffic();
  ASSERT_EQ(t.in_bytes.size(), 288u);
  EXPECT_EQ(t.in_bytes[2], 111);
  EXPECT_EQ(t.out_bytes[2], 222);
  EXPECT_EQ(t.out_bytes[287], 5);
}

TEST(DayUsage, KnowsItsDay) {
  DayUsage u(kStart, kStart + std::chrono::days(1));
  EXPECT_TRUE(u.Contains(kStart));
  EXPECT_FALSE(u.Contains(kStart - std::chrono::seconds(60)));
  EXPECT_FALSE(u.Contains(kStart + std::chrono::days(1)));
}

}  // namespace
}  // namespace rampart::metering
