#include "postpaid/day_close.h"

#include <algorithm>
#include <map>

#include "jobs/jobs.h"
#include "lifecycle/balance.h"
#include "lifecycle/resources.h"
#include "metering/day_ingest.h"
#include "metering/day_usage.h"
#include "notify/notifications.h"
#include "postpaid/bill_store.h"
#include "postpaid/block_store.h"
#include "postpaid/usage.h"
#include "store/idempotency.h"

namespace rampart::postpaid {

common::Result<void> ScheduleDayClose(store::Connection& c, const common::BillingCalendar& calendar,
                                      common::Day day) {
  return jobs::ScheduleJob(c, kDayCloseJob, common::FormatDay(day), calendar.DayEnd(day) + kGrace);
}

common::Result<billing::DailyBill> RateTenantDay(store::Connection& c,
                                                 const catalog::PriceBook& book,
                                                 const common::BillingCalendar& calendar,
                                                 std::string_view tenant_id, common::Day day) {
  const common::Instant start = calendar.DayStart(day);
  const common::Instant end = calendar.DayEnd(day);
  std::vector<metering::RatedResource> resources;
  std::vector<std::unique_ptr<metering::DayUsage>> usage;
  for (const auto& r : RAMPART_TRY(lifecycle::ResourcesCreatedBefore(c, tenant_id, end))) {
    auto history = RAMPART_TRY(lifecycle::History(c, r.id));
    metering::RatedResource rated;
    rated.id = r.id;
    rated.tenant = std::string(tenant_id);
    rated.spec = r.spec;
    rated.timeline = lifecycle::Timeline(history, start, end);
    if (rated.timeline.empty()) continue;  // did not exist that day
    // The forwarding mode changes only at a day's start: the one in force then (or at the
    // resource's first row, if it was created during the day) holds all day.
    rated.spec.forwarding_mode = history.front().forwarding_mode;
    for (const auto& h : history) {
      if (h.effective_at <= start) rated.spec.forwarding_mode = h.forwarding_mode;
    }
    std::unique_ptr<metering::DayUsage> u;
    auto read = ForEachWindow(c, calendar, r.id, day, [&](const metering::UsageSample& sample) {
      if (!u) u = std::make_unique<metering::DayUsage>(start, end);
      u->Add(sample);
    });
    if (!read) return std::unexpected(read.error());
    resources.push_back(std::move(rated));
    usage.push_back(std::move(u));
  }
  auto bills = metering::RateDay(
      book, day, resources, [&](size_t i) { return usage[i].get(); },
      /*closed=*/true);
  if (!bills) return std::unexpected(bills.error());
  if (bills->empty()) {
    billing::DailyBill empty;
    empty.day = day;
    empty.tenant = std::string(tenant_id);
    empty.closed = true;
    return empty;
  }
  return std::move(bills->front());
}

namespace {

// Per resource, the sum of its lines on `bill` (adjustments excluded).
std::map<std::string, int64_t> AmountsByResource(const billing::DailyBill& bill) {
  std::map<std::string, int64_t> out;
  for (const auto& l : bill.lines) {
    if (l.kind != billing::LineKind::kAdjustment) out[l.resource] += l.amount.fen();
  }
  return out;
}

// Re-rates the closed days that late samples touched (up to 72 h back, product.md §7) and
// puts each resource's difference on `bill` as an adjustment line naming the day.
common::Result<void> AddAdjustments(store::Connection& c, const catalog::PriceBook& book,
                                    const common::BillingCalendar& calendar,
                                    const std::string& tenant, common::Day closing,
                                    billing::DailyBill* bill) {
  for (const common::Day day : RAMPART_TRY(LateDaysBefore(c, tenant, closing))) {
    auto rerated = RAMPART_TRY(RateTenantDay(c, book, calendar, tenant, day));
    const auto previous = RAMPART_TRY(RatedAmounts(c, tenant, day));
    auto now_amounts = AmountsByResource(rerated);
    for (const auto& [resource, fen] : previous) now_amounts.try_emplace(resource, 0);
    for (const auto& [resource, fen] : now_amounts) {
      const auto was = previous.find(resource);
      const int64_t old_fen = was == previous.end() ? 0 : was->second;
      if (fen == old_fen) continue;
      bill->Add({resource, billing::LineKind::kAdjustment, common::Money::FromFen(fen - old_fen),
                 billing::AdjustmentMeasure{day, common::Money::FromFen(old_fen),
                                            common::Money::FromFen(fen)}});
    }
    RAMPART_TRY(SaveRatedAmounts(c, tenant, day, AmountsByResource(rerated)));
    RAMPART_TRY(ClearLateDay(c, tenant, day));
  }
  return {};
}

// One tenant's bill of `day`: rated, its amounts recorded, late corrections of closed days
// added as adjustment lines, stored, debited, and each elastic charge notified.
common::Result<void> CloseTenantDay(store::Connection& c, const catalog::PriceBook& book,
                                    const common::BillingCalendar& calendar,
                                    const std::string& tenant, common::Day day,
                                    common::Instant now) {
  const std::string day_text = common::FormatDay(day);
  auto bill = RateTenantDay(c, book, calendar, tenant, day);
  if (!bill) return std::unexpected(bill.error());
  RAMPART_TRY(SaveRatedAmounts(c, tenant, day, AmountsByResource(*bill)));
  if (auto adj = AddAdjustments(c, book, calendar, tenant, day, &*bill); !adj) return adj;
  RAMPART_TRY(InsertBill(c, tenant, *bill, now));
  if (bill->total != common::Money()) {  // negative when adjustments credit more than is due
    auto debit = lifecycle::PostMovement(c, tenant, "daily_bill", -bill->total, "bill " + day_text,
                                         now, /*allow_negative=*/true);
    if (!debit) return std::unexpected(debit.error());
  }
  for (const auto& line : bill->lines) {
    if (line.kind == billing::LineKind::kElastic && line.amount > common::Money()) {
      RAMPART_TRY(notify::Notify(
          c, tenant, "elastic_charge", line.resource,
          "elastic protection charged " + line.amount.ToString() + " CNY for " + day_text, now));
    }
  }
  return {};
}

// What is kept for `retention_days` (at least kMinRetentionDays) before `day` goes: stored
// usage (on PostgreSQL its old partitions too), assignment history nobody can own a sample
// by any more, and idempotency records past their 24 hours.
common::Result<void> PurgeExpired(store::Connection& c, const common::BillingCalendar& calendar,
                                  common::Day day, int retention_days, common::Instant now) {
  const common::Day oldest_kept(std::chrono::sys_days(day) -
                                std::chrono::days(std::max(retention_days, kMinRetentionDays)));
  RAMPART_TRY(DeleteBlocksBefore(c, oldest_kept));
  // Who protected an IP before the oldest day kept can no longer own any sample.
  RAMPART_TRY(lifecycle::PurgeAssignmentsEndedBefore(c, calendar.DayStart(oldest_kept)));
  // Idempotency records outlive their 24 hours (expired ones are already ignored) by at most
  // a day: the daily close clears them.
  RAMPART_TRY(store::PurgeExpiredAnswers(c, now));
  return {};
}

}  // namespace

common::Result<void> OnDayClose(store::Connection& c, const catalog::PriceBook& book,
                                const common::BillingCalendar& calendar, std::string_view subject,
                                common::Instant now, int retention_days) {
  auto day = common::ParseDay(subject);
  if (!day) return {};  // not a day: nothing to close
  // Each tenant with a resource and no bill of the day yet (a retried close skips the billed).
  for (const auto& tenant : RAMPART_TRY(TenantsToBill(c, *day))) {
    RAMPART_TRY(CloseTenantDay(c, book, calendar, tenant, *day, now));
  }
  if (auto r = PurgeExpired(c, calendar, *day, retention_days, now); !r) return r;
  if (auto p = EnsureUsagePartitions(c, *day, 3); !p) return p;
  return ScheduleDayClose(c, calendar,
                          common::Day(std::chrono::sys_days(*day) + std::chrono::days(1)));
}

}  // namespace rampart::postpaid
