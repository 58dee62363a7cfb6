// Day close (product.md §4-§5, §7): 1 h after a billing day ends, every tenant's day is
// rated with the billing core — per-window base and ceiling from each resource's
// configuration history (states, arrears, elastic changes), the day's stored usage — into
// one bill per tenant, and the total is debited through the ledger (a negative balance is
// arrears). Exactly once per tenant and day: the bill's key and the debit commit together
// with the job that closes the day.
#pragma once

#include <string>
#include <vector>

#include "billing/bill.h"
#include "catalog/pricebook.h"
#include "common/calendar.h"
#include "common/error.h"
#include "store/sql.h"

namespace rampart::postpaid {

inline constexpr std::string_view kDayCloseJob = "day_close";
inline constexpr common::Seconds kGrace{3600};

// Schedules the close of `day` (its end + grace); idempotent.
common::Result<void> ScheduleDayClose(store::Connection& c, const common::BillingCalendar& calendar,
                                      common::Day day);

// Rates one tenant's day from the store (pure of side effects: no bill written).
common::Result<billing::DailyBill> RateTenantDay(store::Connection& c,
                                                 const catalog::PriceBook& book,
                                                 const common::BillingCalendar& calendar,
                                                 std::string_view tenant_id, common::Day day);

// The job: closes `subject` (a day, YYYY-MM-DD) for every tenant not closed yet, deletes
// usage older than `retention_days` (at least kMinRetentionDays, so late samples can still
// re-rate a closed day), then schedules the next day's close.
inline constexpr int kMinRetentionDays = 4;
common::Result<void> OnDayClose(store::Connection& c, const catalog::PriceBook& book,
                                const common::BillingCalendar& calendar, std::string_view subject,
                                common::Instant now, int retention_days);

}  // namespace rampart::postpaid
