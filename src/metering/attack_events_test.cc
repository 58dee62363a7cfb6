#include "metering/attack_events.h"

#include <gtest/gtest.h>

namespace rampart::metering {
namespace {

common::Instant At(int64_t minute) {
  return common::Instant(common::Seconds(1'796'000'000 / 60 * 60 + minute * 60));
}

TEST(AttackEvents, RunsOfAttackedWindowsSummedOverIpsAreEvents) {
  std::vector<AttackWindow> w = {
      // Event 1: minutes 0-2, two IPs in minute 1 (summed: 700), a clean window between.
      {"203.0.113.1", At(0), 60, 100},
      {"203.0.113.1", At(1), 60, 300},
      {"203.0.113.2", At(1), 60, 400},
      {"203.0.113.2", At(2), 60, 50},
      {"203.0.113.1", At(3), 60, 0},
      // Event 2: minutes 5-6, above the ceiling of 1,000 at minute 6, still going at minute 8.
      {"203.0.113.1", At(6), 60, 1'500},
      {"203.0.113.1", At(5), 60, 200},
  };
  const auto events = AttackEvents(w, 1'000, At(8));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].start, At(0));
  EXPECT_EQ(events[0].end, At(3));
  EXPECT_EQ(events[0].peak_bps, 700);
  EXPECT_EQ(events[0].peak_at, At(1));
  EXPECT_EQ(events[0].ips, (std::vector<std::string>{"203.0.113.1", "203.0.113.2"}));
  EXPECT_FALSE(events[0].blackholed);
  EXPECT_EQ(events[1].start, At(5));
  EXPECT_FALSE(events[1].end.has_value());  // its last window ended 1 minute ago: ongoing
  EXPECT_EQ(events[1].peak_bps, 1'500);
  EXPECT_TRUE(events[1].blackholed);
  EXPECT_EQ(events[1].ips, (std::vector<std::string>{"203.0.113.1"}));
  // Two window lengths after its last window, it has ended.
  EXPECT_EQ(AttackEvents(w, 1'000, At(9))[1].end, At(7));
}

TEST(AttackEvents, NoAttackNoEvent) {
  EXPECT_TRUE(AttackEvents({{"203.0.113.1", At(0), 60, 0}}, 10, At(5)).empty());
  EXPECT_TRUE(AttackEvents({}, 10, At(5)).empty());
}

}  // namespace
}  // namespace rampart::metering
