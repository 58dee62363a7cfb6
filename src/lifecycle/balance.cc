#include "lifecycle/balance.h"

#include "lifecycle/resources.h"
#include "notify/notifications.h"

namespace rampart::lifecycle {

using common::Instant;
using common::Money;
using common::Result;

common::Result<account::LedgerEntry> PostMovement(store::Connection& c, std::string_view tenant_id,
                                                  std::string_view kind, Money amount,
                                                  std::string_view reference, Instant now,
                                                  bool allow_negative) {
  auto entry = account::Post(c, tenant_id, kind, amount, reference, now, allow_negative);
  if (!entry) return entry;
  auto threshold = RAMPART_TRY(LowBalanceThreshold(c, tenant_id));
  const Money before = entry->balance_after - entry->amount;
  if (threshold > Money() && before >= threshold && entry->balance_after < threshold) {
    RAMPART_TRY(notify::Notify(c, tenant_id, "low_balance", "",
                               "the balance " + entry->balance_after.ToString() + " is below " +
                                   threshold.ToString() + " CNY",
                               now));
  }
  RAMPART_TRY(ApplyArrears(c, tenant_id, now));
  return entry;
}

Result<void> ApplyArrears(store::Connection& c, std::string_view tenant_id, Instant now) {
  auto rows = RAMPART_TRY(c.Query("SELECT balance_fen, in_arrears FROM tenants WHERE id = $1",
                                  {std::string(tenant_id)}));
  if (rows.empty()) return common::Fail(common::Code::kNotFound, "no such tenant");
  const bool negative = store::Int(rows[0][0]) < 0;
  if (negative == (store::Int(rows[0][1]) != 0)) return {};
  RAMPART_TRY(c.Query("UPDATE tenants SET in_arrears = $2 WHERE id = $1",
                      {std::string(tenant_id), int64_t{negative}}));
  // A history row per live resource, so rating sees the suspension from this instant.
  auto live = RAMPART_TRY(c.Query(
      "SELECT id FROM resources WHERE tenant_id = $1 AND state IN ('provisioning', 'running', "
      "'expired') ORDER BY seq",
      {std::string(tenant_id)}));
  for (const auto& row : live) {
    auto r = RAMPART_TRY(GetResource(c, tenant_id, store::Text(row[0])));
    if (auto u = UpdateResource(
            c, r, now, negative ? "arrears: elastic suspended" : "arrears left: elastic resumed");
        !u) {
      return u;
    }
  }
  return notify::Notify(c, tenant_id, negative ? "arrears_entered" : "arrears_left", "",
                        negative ? "the balance is negative: elastic protection is suspended"
                                 : "the balance is positive again: elastic protection resumed",
                        now);
}

common::Result<void> SetLowBalanceThreshold(store::Connection& c, std::string_view tenant_id,
                                            Money threshold) {
  if (threshold < Money()) {
    return common::Fail(common::Code::kInvalidOption, "low_balance_threshold must not be negative",
                        "low_balance_threshold");
  }
  RAMPART_TRY(c.Query("UPDATE tenants SET low_balance_threshold_fen = $2 WHERE id = $1",
                      {std::string(tenant_id), threshold.fen()}));
  return {};
}

common::Result<Money> LowBalanceThreshold(store::Connection& c, std::string_view tenant_id) {
  auto rows = RAMPART_TRY(c.Query("SELECT low_balance_threshold_fen FROM tenants WHERE id = $1",
                                  {std::string(tenant_id)}));
  if (rows.empty()) return common::Fail(common::Code::kNotFound, "no such tenant");
  return Money::FromFen(store::Int(rows[0][0]));
}

}  // namespace rampart::lifecycle
