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
  const Money threshold = RAMPART_TRY(account::GetTenant(c, tenant_id)).low_balance_threshold;
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
  const auto tenant = RAMPART_TRY(account::GetTenant(c, tenant_id));
  const bool negative = tenant.balance < Money();
  if (negative == tenant.in_arrears) return {};
  RAMPART_TRY(account::SetInArrears(c, tenant_id, negative));
  // A history row per live resource, so rating sees the suspension from this instant.
  for (const auto& r : RAMPART_TRY(LiveResources(c, tenant_id))) {
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

}  // namespace rampart::lifecycle
