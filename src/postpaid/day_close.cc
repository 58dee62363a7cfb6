#include "postpaid/day_close.h"

#include <algorithm>
#include <map>

#include "billing/bill_document.h"
#include "jobs/jobs.h"
#include "lifecycle/balance.h"
#include "lifecycle/resources.h"
#include "metering/day_ingest.h"
#include "metering/day_usage.h"
#include "notify/notifications.h"
#include "postpaid/block_store.h"
#include "postpaid/usage.h"
#include "store/idempotency.h"

namespace rampart::postpaid {

using store::Int;
using store::Text;

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

common::Result<void> RecordRatedAmounts(store::Connection& c, const std::string& tenant,
                                        const std::string& day, const billing::DailyBill& bill) {
  for (const auto& [resource, fen] : AmountsByResource(bill)) {
    auto q = c.Query(
        "INSERT INTO rated_amounts (tenant_id, day, resource_id, amount_fen) VALUES ($1, $2, $3, "
        "$4) ON CONFLICT (tenant_id, day, resource_id) DO UPDATE SET amount_fen = "
        "excluded.amount_fen",
        {tenant, day, resource, fen});
    if (!q) return std::unexpected(q.error());
  }
  return {};
}

// Re-rates the closed days that late samples touched (up to 72 h back, product.md §7) and
// puts each resource's difference on `bill` as an adjustment line naming the day.
common::Result<void> AddAdjustments(store::Connection& c, const catalog::PriceBook& book,
                                    const common::BillingCalendar& calendar,
                                    const std::string& tenant, common::Day closing,
                                    billing::DailyBill* bill) {
  auto days = RAMPART_TRY(
      c.Query("SELECT day FROM late_days WHERE tenant_id = $1 AND day < $2 ORDER BY day",
              {tenant, common::FormatDay(closing)}));
  for (const auto& row : days) {
    const std::string day_text = Text(row[0]);
    const common::Day day = *common::ParseDay(day_text);
    auto rerated = RAMPART_TRY(RateTenantDay(c, book, calendar, tenant, day));
    auto before = RAMPART_TRY(c.Query(
        "SELECT resource_id, amount_fen FROM rated_amounts WHERE tenant_id = $1 AND day = $2",
        {tenant, day_text}));
    std::map<std::string, int64_t> previous;
    for (const auto& b : before) previous[Text(b[0])] = Int(b[1]);
    auto now_amounts = AmountsByResource(rerated);
    for (const auto& [resource, fen] : previous) now_amounts.try_emplace(resource, 0);
    for (const auto& [resource, fen] : now_amounts) {
      const int64_t old_fen = previous.count(resource) ? previous[resource] : 0;
      if (fen == old_fen) continue;
      bill->Add({resource, billing::LineKind::kAdjustment, common::Money::FromFen(fen - old_fen),
                 billing::AdjustmentMeasure{day, common::Money::FromFen(old_fen),
                                            common::Money::FromFen(fen)}});
    }
    if (auto r = RecordRatedAmounts(c, tenant, day_text, rerated); !r) return r;
    auto done =
        c.Query("DELETE FROM late_days WHERE tenant_id = $1 AND day = $2", {tenant, day_text});
    if (!done) return std::unexpected(done.error());
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
  if (auto r = RecordRatedAmounts(c, tenant, day_text, *bill); !r) return r;
  if (auto adj = AddAdjustments(c, book, calendar, tenant, day, &*bill); !adj) return adj;
  const std::string body = billing::EncodeBill(*bill);
  RAMPART_TRY(c.Query(
      "INSERT INTO bills (tenant_id, day, total_fen, body, closed_at) VALUES ($1, $2, $3, $4, "
      "$5)",
      {tenant, day_text, bill->total.fen(), body, now.time_since_epoch().count()}));
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
  auto tenants = RAMPART_TRY(c.Query(
      "SELECT t.id FROM tenants t WHERE NOT EXISTS (SELECT 1 FROM bills b WHERE b.tenant_id = "
      "t.id AND b.day = $1) AND EXISTS (SELECT 1 FROM resources r WHERE r.tenant_id = t.id) "
      "ORDER BY t.seq",
      {common::FormatDay(*day)}));
  for (const auto& row : tenants) {
    if (auto r = CloseTenantDay(c, book, calendar, Text(row[0]), *day, now); !r) return r;
  }
  if (auto r = PurgeExpired(c, calendar, *day, retention_days, now); !r) return r;
  if (auto p = EnsureUsagePartitions(c, *day, 3); !p) return p;
  return ScheduleDayClose(c, calendar,
                          common::Day(std::chrono::sys_days(*day) + std::chrono::days(1)));
}

common::Result<std::vector<billing::DailyBill>> ListBills(store::Connection& c,
                                                          std::string_view tenant_id,
                                                          std::string_view from,
                                                          std::string_view to) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT day, body, total_fen FROM bills WHERE tenant_id = $1 AND day >= $2 AND day <= $3 "
      "ORDER BY day",
      {std::string(tenant_id), std::string(from), std::string(to)}));
  std::vector<billing::DailyBill> out;
  for (const auto& r : rows) {
    auto bill = billing::DecodeBill(Text(r[1]));
    if (!bill) {
      return common::Fail(common::Code::kStorageError,
                          "the bill of " + Text(r[0]) + ": " + bill.error().message);
    }
    if (bill->total.fen() != Int(r[2])) {
      return common::Fail(common::Code::kStorageError,
                          "the bill of " + Text(r[0]) + " does not add up to its stored total");
    }
    out.push_back(std::move(*bill));
  }
  return out;
}

}  // namespace rampart::postpaid
