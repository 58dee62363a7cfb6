#include "common/time.h"

#include <gtest/gtest.h>

namespace rampart::common {
namespace {

using namespace std::chrono;

TEST(Time, ParsesUtcAndOffsets) {
  const Instant t = sys_days(2026y / 11 / 26) + hours(1) + minutes(30);
  EXPECT_EQ(ParseRfc3339("2026-11-26T01:30:00Z").value(), t);
  EXPECT_EQ(ParseRfc3339("2026-11-26T09:30:00+08:00").value(), t);
  EXPECT_EQ(ParseRfc3339("2026-11-25T20:30:00-05:00").value(), t);
  EXPECT_EQ(ParseRfc3339("2026-11-26 01:30:00z").value(), t);
}

TEST(Time, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "2026-11-26", "2026-11-26T01:30:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-26T24:00:00Z", "2026-11-26T01:60:00Z", "2026-11-26T01:30:00.5Z",
        "2026-11-26T01:30:00+0800", "2026-11-26T01:30:00Zjunk", "26-11-26T01:30:00Z",
        "2026-11-26T01:30:00+24:00", "abcd-11-26T01:30:00Z"}) {
    auto r = ParseRfc3339(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, common::Code::kInvalidTime);
  }
}

TEST(Time, FormatsRoundTrip) {
  EXPECT_EQ(FormatRfc3339(ParseRfc3339("2026-11-26T09:30:05+08:00").value()),
            "2026-11-26T01:30:05Z");
  EXPECT_EQ(FormatRfc3339(Instant{}), "1970-01-01T00:00:00Z");
}

TEST(Time, ParsesDays) {
  EXPECT_EQ(ParseDay("2028-02-29").value(), 2028y / 2 / 29);
  EXPECT_EQ(FormatDay(2026y / 1 / 5), "2026-01-05");
  for (const char* bad : {"2027-02-29", "2026-1-05", "2026-01-05T", "", "20260105"}) {
    EXPECT_EQ(ParseDay(bad).error().code, common::Code::kInvalidDay) << bad;
  }
}

}  // namespace
}  // namespace rampart::common
