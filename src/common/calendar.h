// BillingCalendar: billing days and calendar months in the price book's time zone
// (product.md §4, §6). A window belongs to the billing day containing its start; renewals
// add calendar months in local time with the day of month clamped (Jan 31 + 1 = Feb 28/29).
//
// Built once from a zone name of the system tz database; immutable afterwards and safe to
// share between threads. Holds a pointer into the process-wide tz database (never freed).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/time.h"

namespace date {
class time_zone;
}

namespace rampart::common {

using Day = std::chrono::year_month_day;

class BillingCalendar {
 public:
  // `invalid_time_zone` when `zone_name` is not in the tz database ("Asia/Shanghai", "UTC").
  static Result<BillingCalendar> Create(std::string_view zone_name);

  const std::string& zone_name() const { return zone_name_; }
  // The billing day containing instant `t`.
  Day DayOf(Instant t) const;
  // The instant local midnight begins `day` (the first instant of a local-midnight gap).
  Instant DayStart(Day day) const;
  // The instant the next day begins; DayEnd(d) - DayStart(d) is 86400 s except on DST days.
  Instant DayEnd(Day day) const;
  // `t` plus `months` calendar months in local time, day clamped to the month's length.
  Instant AddMonths(Instant t, int months) const;

 private:
  BillingCalendar(std::string name, const date::time_zone* zone)
      : zone_name_(std::move(name)), zone_(zone) {}
  std::string zone_name_;
  const date::time_zone* zone_;
};

}  // namespace rampart::common
