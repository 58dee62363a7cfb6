#include "common/calendar.h"

#include <date/tz.h>

#include <exception>

namespace rampart::common {

Result<BillingCalendar> BillingCalendar::Create(std::string_view zone_name) {
  try {
    const date::time_zone* zone = date::locate_zone(zone_name);
    return BillingCalendar(std::string(zone_name), zone);
  } catch (const std::exception&) {
    // locate_zone throws std::runtime_error for unknown names; a missing tz database too.
    return Fail(common::Code::kInvalidTimeZone,
                "time zone \"" + std::string(zone_name) +
                    "\" is not in the tz database (e.g. Asia/Shanghai, UTC)");
  }
}

Day BillingCalendar::DayOf(Instant t) const {
  const auto local = zone_->to_local(t);
  return Day(std::chrono::sys_days(date::floor<date::days>(local).time_since_epoch()));
}

Instant BillingCalendar::DayStart(Day day) const {
  const date::local_seconds midnight{std::chrono::sys_days(day).time_since_epoch()};
  return zone_->to_sys(midnight, date::choose::earliest);
}

Instant BillingCalendar::DayEnd(Day day) const {
  return DayStart(Day(std::chrono::sys_days(day) + std::chrono::days(1)));
}

Instant BillingCalendar::AddMonths(Instant t, int months) const {
  const auto local = zone_->to_local(t);
  const auto local_day = date::floor<date::days>(local);
  const auto time_of_day = local - local_day;
  Day ymd(std::chrono::sys_days(local_day.time_since_epoch()));
  Day moved = ymd.year() / ymd.month() / std::chrono::day(1) + std::chrono::months(months);
  const Day last = moved.year() / moved.month() / std::chrono::last;
  moved = moved.year() / moved.month() / std::min(ymd.day(), last.day());
  const date::local_seconds target{(std::chrono::sys_days(moved) + time_of_day).time_since_epoch()};
  return zone_->to_sys(target, date::choose::earliest);
}

}  // namespace rampart::common
