#include "common/calendar.h"

#include <gtest/gtest.h>

namespace rampart::common {
namespace {

using namespace std::chrono;

Instant At(const char* text) { return ParseRfc3339(text).value(); }

BillingCalendar Shanghai() { return BillingCalendar::Create("Asia/Shanghai").value(); }

// product.md §10 example 11.
TEST(BillingCalendar, WorkedExample11WindowAfterUtcEveningBelongsToNextDay) {
  EXPECT_EQ(Shanghai().DayOf(At("2026-11-25T17:30:00Z")), 2026y / 11 / 26);
}

TEST(BillingCalendar, DayEdgesInShanghai) {
  const auto cal = Shanghai();
  EXPECT_EQ(cal.DayOf(At("2026-11-25T15:59:59Z")), 2026y / 11 / 25);  // 23:59:59 local
  EXPECT_EQ(cal.DayOf(At("2026-11-25T16:00:00Z")), 2026y / 11 / 26);  // 00:00:00 local
  EXPECT_EQ(cal.DayStart(2026y / 11 / 26), At("2026-11-25T16:00:00Z"));
  EXPECT_EQ(cal.DayEnd(2026y / 11 / 26), At("2026-11-26T16:00:00Z"));
}

TEST(BillingCalendar, DaylightSavingDaysHaveTheirRealLength) {
  const auto cal = BillingCalendar::Create("Europe/Berlin").value();
  EXPECT_EQ(cal.DayEnd(2026y / 3 / 29) - cal.DayStart(2026y / 3 / 29), hours(23));
  EXPECT_EQ(cal.DayEnd(2026y / 10 / 25) - cal.DayStart(2026y / 10 / 25), hours(25));
}

TEST(BillingCalendar, AddsCalendarMonthsClampingTheDay) {
  const auto cal = Shanghai();
  // Jan 31 10:00 local + 1 month = Feb 28 10:00 local (2027 is not a leap year).
  EXPECT_EQ(cal.AddMonths(At("2027-01-31T10:00:00+08:00"), 1), At("2027-02-28T10:00:00+08:00"));
  EXPECT_EQ(cal.AddMonths(At("2028-01-31T10:00:00+08:00"), 1), At("2028-02-29T10:00:00+08:00"));
  EXPECT_EQ(cal.AddMonths(At("2026-11-26T09:00:00+08:00"), 3), At("2027-02-26T09:00:00+08:00"));
  EXPECT_EQ(cal.AddMonths(At("2026-08-31T23:30:00+08:00"), 36), At("2029-08-31T23:30:00+08:00"));
  // 2026-01-31 00:30 local is still Jan 30 in UTC: the month is counted in local time.
  EXPECT_EQ(cal.AddMonths(At("2026-01-31T00:30:00+08:00"), 1), At("2026-02-28T00:30:00+08:00"));
}

TEST(BillingCalendar, RejectsUnknownZones) {
  auto r = BillingCalendar::Create("Mars/Olympus_Mons");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, common::Code::kInvalidTimeZone);
  EXPECT_NE(r.error().message.find("Mars/Olympus_Mons"), std::string::npos);
}

}  // namespace
}  // namespace rampart::common
