// A delivered resource's life (product.md §3, §6): configuration changes, renewal, upgrade,
// cancellation, and the clock's work — expiry reminders 7, 3 and 1 days before, expiry (or
// auto-renewal when the balance suffices), release at 00:00 of the 8th day after the day of
// expiry, the forwarding mode switching at the next billing day — and arrears, which
// suspend elastic protection for all of a tenant's resources while its balance is negative.
//
// Every change appends to the configuration history (effective when it takes effect) and to
// the tenant's notifications, inside the caller's transaction. Operations scoped by tenant
// answer `not_found` for another tenant's resource.
#pragma once

#include <optional>
#include <string>

#include "billing/prepaid.h"
#include "catalog/pricebook.h"
#include "common/calendar.h"
#include "common/error.h"
#include "lifecycle/resources.h"
#include "store/sql.h"

namespace rampart::lifecycle {

// Job kinds; subjects are "<resource id>|<the expiry they belong to>[|...]", so jobs of a
// term that a renewal replaced find their subject stale and do nothing.
inline constexpr std::string_view kReminderJob = "expiry_reminder";
inline constexpr std::string_view kExpireJob = "expire";
inline constexpr std::string_view kReleaseJob = "release";
inline constexpr std::string_view kForwardingJob = "forwarding_mode";
inline constexpr int kReminderDays[] = {7, 3, 1};
inline constexpr int kGraceDays = 7;  // renewable while expired; released on the 8th day

// What the clock needs to know about a resource's term: schedules its reminders and expiry.
Result<void> ScheduleTerm(store::Connection& c, const Resource& r);

struct ResourcePatch {
  std::optional<int64_t> elastic_gbps;
  std::optional<bool> auto_renew;
  std::optional<billing::ForwardingMode> forwarding_mode;
};
// Elastic peak at once and free; auto-renew at once; forwarding mode from the next billing
// day. `invalid_option` for a ceiling not on sale or a forwarding mode on an hdp;
// `invalid_state` unless the resource is provisioning, running or expired.
Result<Resource> Patch(store::Connection& c, const catalog::PriceBook& book,
                       const common::BillingCalendar& calendar, std::string_view tenant_id,
                       std::string_view resource_id, const ResourcePatch& patch, Instant now);

// Renews for `months` (an allowed duration, its discount applied), charged at once. A
// running resource's expiry moves by calendar months; an expired one starts a new term now
// and runs again. `insufficient_balance` changes nothing; `invalid_state` once released.
Result<Resource> Renew(store::Connection& c, const catalog::PriceBook& book,
                       const common::BillingCalendar& calendar, std::string_view tenant_id,
                       std::string_view resource_id, int64_t months, Instant now);

// The price Renew would charge now, with the same checks; nothing changes.
Result<billing::Quote> PriceRenewal(store::Connection& c, const catalog::PriceBook& book,
                                    std::string_view tenant_id, std::string_view resource_id,
                                    int64_t months);

// Raises the base, prorated to the second over the time left (product.md §3); elastic is
// switched off when the new base reaches it. Only a running resource.
Result<Resource> Upgrade(store::Connection& c, const catalog::PriceBook& book,
                         std::string_view tenant_id, std::string_view resource_id,
                         int64_t new_base_gbps, Instant now);

// The fee Upgrade would charge at `now`, with the same checks; nothing changes.
Result<billing::UpgradeQuote> PriceUpgrade(store::Connection& c, const catalog::PriceBook& book,
                                           std::string_view tenant_id, std::string_view resource_id,
                                           int64_t new_base_gbps, Instant now);

// The resource's side of a cancellation within 5 days of purchase: refund = everything paid
// for the prepaid terms (the order's share, renewals, upgrades) - value used, each payment pro
// rata to the second; the resource is released and its IPs return to the pool.
// `cancel_window_passed` after. The order is ordering's: call ordering::CancelResource, which
// also marks the order refunded once all its resources are released.
Result<std::pair<Resource, common::Money>> CancelTerm(store::Connection& c,
                                                      std::string_view tenant_id,
                                                      std::string_view resource_id, Instant now);

// What CancelTerm would refund at `now`, with the same checks; nothing changes.
Result<common::Money> PriceCancel(store::Connection& c, std::string_view tenant_id,
                                  std::string_view resource_id, Instant now);

// Job handlers.
Result<void> OnReminder(store::Connection& c, std::string_view subject, Instant now);
Result<void> OnExpire(store::Connection& c, const catalog::PriceBook& book,
                      const common::BillingCalendar& calendar, std::string_view subject,
                      Instant now);
Result<void> OnRelease(store::Connection& c, std::string_view subject, Instant now);
Result<void> OnForwardingMode(store::Connection& c, std::string_view subject, Instant now);

}  // namespace rampart::lifecycle
