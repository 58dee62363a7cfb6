#include "lifecycle/term.h"

#include <vector>

#include "account/account.h"
#include "jobs/jobs.h"
#include "lifecycle/balance.h"
#include "lifecycle/ip_pools.h"
#include "lifecycle/protection.h"
#include "notify/notifications.h"

namespace rampart::lifecycle {

using common::EpochSeconds;
namespace {

using billing::ResourceState;
using common::Money;

std::vector<std::string> Split(std::string_view subject) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t bar = subject.find('|', start);
    parts.emplace_back(subject.substr(start, bar - start));
    if (bar == std::string_view::npos) return parts;
    start = bar + 1;
  }
}

std::string Subject(const Resource& r) {
  return r.id + "|" + std::to_string(EpochSeconds(*r.expires_at));
}

// The resource named by a job subject, if the subject still describes its current term.
Result<std::optional<Resource>> CurrentTerm(store::Connection& c, std::string_view subject) {
  const auto parts = Split(subject);
  auto r = GetResourceForUpdate(c, "", parts[0]);
  if (!r) {
    if (r.error().code == common::Code::kNotFound) return std::optional<Resource>{};
    return std::unexpected(r.error());
  }
  if (parts.size() < 2 || !r->expires_at ||
      std::to_string(EpochSeconds(*r->expires_at)) != parts[1]) {
    return std::optional<Resource>{};  // renewed or cancelled since: the job is stale
  }
  return std::optional<Resource>{std::move(*r)};
}

Result<void> Event(store::Connection& c, const Resource& r, std::string_view kind,
                   const std::string& message, Instant at) {
  return notify::Notify(c, r.tenant_id, kind, r.id, message, at);
}

Result<void> ReleaseIps(store::Connection& c, const Resource& r, Instant now);

// Deletes the configuration of a resource leaving service: forwarding rules, policy, and
// its IPs (pool addresses go back to their pool; hdp bindings are simply dropped).
Result<void> DeleteConfiguration(store::Connection& c, const Resource& r, Instant now) {
  RAMPART_TRY(DeleteProtection(c, r.id));
  return ReleaseIps(c, r, now);
}

Result<void> ReleaseIps(store::Connection& c, const Resource& r, Instant now) {
  auto removed = RAMPART_TRY(UnassignIps(c, r.id, "", now));
  for (const auto& [ip, pool] : removed) {
    if (pool.empty()) continue;  // an hdp binding: the customer's own address
    if (auto rel = ReleaseIp(c, ip, pool); !rel) return rel;
  }
  return {};
}

// Charges a renewal and moves the term; shared by Renew and auto-renewal.
Result<Resource> DoRenew(store::Connection& c, const catalog::PriceBook& book,
                         const common::BillingCalendar& calendar, Resource r, int64_t months,
                         Instant now, std::string_view reason) {
  auto quote = RAMPART_TRY(billing::QuoteRenewal(book, r.spec, months));
  RAMPART_TRY(PostMovement(c, r.tenant_id, "renewal", -quote.amount, r.id, now));
  const bool was_expired = r.state == ResourceState::kExpired;
  const Instant from = was_expired ? now : *r.expires_at;
  r.expires_at = calendar.AddMonths(from, static_cast<int>(months));
  RAMPART_TRY(RecordPaidPeriod(c, r.id, "renewal", {quote.amount, from, *r.expires_at}, now));
  r.state = ResourceState::kRunning;
  RAMPART_TRY(UpdateResource(c, r, now, reason));
  RAMPART_TRY(ScheduleTerm(c, r));
  if (auto e = Event(c, r, "renewed",
                     std::string(reason) + " for " + std::to_string(months) + " months, " +
                         quote.amount.ToString() + " CNY; expires " +
                         common::FormatRfc3339(*r.expires_at),
                     now);
      !e) {
    return std::unexpected(e.error());
  }
  return r;
}

Result<Resource> Owned(store::Connection& c, std::string_view tenant_id, std::string_view id) {
  return GetResourceForUpdate(c, tenant_id, id);
}

// The resource, if it may be cancelled at `now`.
Result<Resource> Cancellable(store::Connection& c, std::string_view tenant_id,
                             std::string_view resource_id, Instant now) {
  auto r = Owned(c, tenant_id, resource_id);
  if (!r) return r;
  if (r->state != ResourceState::kRunning && r->state != ResourceState::kProvisioning) {
    return common::Fail(common::Code::kInvalidState,
                        "only a provisioning or running resource can be cancelled");
  }
  if (now - r->created_at > billing::kCancelWindow) {
    return common::Fail(common::Code::kCancelWindowPassed,
                        "a resource can be cancelled only within 5 days of purchase; " + r->id +
                            " was bought " + common::FormatRfc3339(r->created_at));
  }
  return r;
}

// What cancelling `r` at `now` refunds: everything paid for its prepaid terms less the value
// used (product.md §6). Before delivery nothing is used: the order's share comes back whole.
Result<Money> CancelValue(store::Connection& c, const Resource& r, Instant now) {
  if (r.state == ResourceState::kProvisioning) return r.paid;
  auto periods = RAMPART_TRY(PaidPeriods(c, r.id));
  return billing::UnusedValue(periods, now);
}

}  // namespace

Result<void> ScheduleTerm(store::Connection& c, const Resource& r) {
  if (!r.expires_at) return {};
  const std::string subject = Subject(r);
  for (int days : kReminderDays) {
    if (auto j = jobs::ScheduleJob(c, kReminderJob, subject + "|" + std::to_string(days),
                                   *r.expires_at - std::chrono::days(days));
        !j) {
      return j;
    }
  }
  return jobs::ScheduleJob(c, kExpireJob, subject, *r.expires_at);
}

Result<Resource> Patch(store::Connection& c, const catalog::PriceBook& book,
                       const common::BillingCalendar& calendar, std::string_view tenant_id,
                       std::string_view resource_id, const ResourcePatch& patch, Instant now) {
  auto r = Owned(c, tenant_id, resource_id);
  if (!r) return r;
  if (r->state == ResourceState::kReleased || r->state == ResourceState::kFailed) {
    return common::Fail(common::Code::kInvalidState,
                        "resource " + r->id + " is " + std::string(billing::ToString(r->state)));
  }
  std::vector<std::string> changes;
  if (patch.elastic_gbps && *patch.elastic_gbps != r->spec.elastic_gbps) {
    billing::ProtectionSpec spec = r->spec;
    spec.elastic_gbps = *patch.elastic_gbps;
    RAMPART_TRY(billing::ValidateSpec(book, spec));
    r->spec.elastic_gbps = *patch.elastic_gbps;
    changes.push_back("elastic");
    RAMPART_TRY(Event(c, *r, "elastic_changed",
                      "elastic protection peak set to " + std::to_string(r->spec.elastic_gbps) +
                          " Gbps" + (r->spec.elastic_gbps == 0 ? " (off)" : ""),
                      now));
  }
  if (patch.auto_renew && *patch.auto_renew != r->auto_renew) {
    r->auto_renew = *patch.auto_renew;
    changes.push_back("auto-renew");
  }
  if (patch.forwarding_mode) {
    if (r->spec.product != catalog::Product::kHdip) {
      return common::Fail(common::Code::kInvalidOption, "forwarding_mode applies to hdip only",
                          "forwarding_mode");
    }
    if (*patch.forwarding_mode == r->spec.forwarding_mode) {
      r->pending_forwarding_mode.reset();  // back to what is in force: nothing to switch
    } else {
      r->pending_forwarding_mode = *patch.forwarding_mode;
      const Instant next_day = calendar.DayEnd(calendar.DayOf(now));
      RAMPART_TRY(jobs::ScheduleJob(c, kForwardingJob,
                                    r->id + "|" + std::to_string(EpochSeconds(next_day)) + "|" +
                                        std::string(billing::ToString(*patch.forwarding_mode)),
                                    next_day));
    }
    changes.push_back("forwarding mode");
  }
  if (changes.empty()) return r;
  std::string reason = "changed:";
  for (const auto& ch : changes) reason += " " + ch;
  RAMPART_TRY(UpdateResource(c, *r, now, reason));
  return r;
}

// The resource, if it may be renewed.
Result<Resource> Renewable(store::Connection& c, std::string_view tenant_id,
                           std::string_view resource_id) {
  auto r = Owned(c, tenant_id, resource_id);
  if (!r) return r;
  if (r->state != ResourceState::kRunning && r->state != ResourceState::kExpired) {
    return common::Fail(common::Code::kInvalidState,
                        "only a running or expired resource can be renewed; " + r->id + " is " +
                            std::string(billing::ToString(r->state)));
  }
  return r;
}

// The resource and its upgrade fee, if it may be upgraded.
Result<std::pair<Resource, billing::UpgradeQuote>> Upgradable(store::Connection& c,
                                                              const catalog::PriceBook& book,
                                                              std::string_view tenant_id,
                                                              std::string_view resource_id,
                                                              int64_t new_base_gbps, Instant now) {
  auto r = Owned(c, tenant_id, resource_id);
  if (!r) return std::unexpected(r.error());
  if (r->state != ResourceState::kRunning) {
    return common::Fail(common::Code::kInvalidState, "only a running resource can be upgraded");
  }
  auto quote =
      RAMPART_TRY(billing::QuoteUpgrade(book, r->spec, new_base_gbps, *r->expires_at - now));
  return std::pair(std::move(*r), std::move(quote));
}

Result<billing::Quote> PriceRenewal(store::Connection& c, const catalog::PriceBook& book,
                                    std::string_view tenant_id, std::string_view resource_id,
                                    int64_t months) {
  auto r = RAMPART_TRY(Renewable(c, tenant_id, resource_id));
  return billing::QuoteRenewal(book, r.spec, months);
}

Result<billing::UpgradeQuote> PriceUpgrade(store::Connection& c, const catalog::PriceBook& book,
                                           std::string_view tenant_id, std::string_view resource_id,
                                           int64_t new_base_gbps, Instant now) {
  auto u = RAMPART_TRY(Upgradable(c, book, tenant_id, resource_id, new_base_gbps, now));
  return u.second;
}

Result<Resource> Renew(store::Connection& c, const catalog::PriceBook& book,
                       const common::BillingCalendar& calendar, std::string_view tenant_id,
                       std::string_view resource_id, int64_t months, Instant now) {
  auto r = Renewable(c, tenant_id, resource_id);
  if (!r) return r;
  return DoRenew(c, book, calendar, std::move(*r), months, now, "renewal");
}

Result<Resource> Upgrade(store::Connection& c, const catalog::PriceBook& book,
                         std::string_view tenant_id, std::string_view resource_id,
                         int64_t new_base_gbps, Instant now) {
  auto u = RAMPART_TRY(Upgradable(c, book, tenant_id, resource_id, new_base_gbps, now));
  auto& [r, quote] = u;
  RAMPART_TRY(PostMovement(c, r.tenant_id, "upgrade", -quote.quote.amount, r.id, now));
  RAMPART_TRY(RecordPaidPeriod(c, r.id, "upgrade", {quote.quote.amount, now, *r.expires_at}, now));
  const int64_t old_base = r.spec.base_gbps;
  r.spec.base_gbps = new_base_gbps;
  if (quote.elastic_switched_off) {
    r.spec.elastic_gbps = 0;
    RAMPART_TRY(Event(c, r, "elastic_changed",
                      "elastic protection switched off: the new base reaches its peak", now));
  }
  RAMPART_TRY(UpdateResource(c, r, now,
                             "upgrade " + std::to_string(old_base) + " -> " +
                                 std::to_string(new_base_gbps) + " Gbps, " +
                                 quote.quote.amount.ToString() + " CNY"));
  return r;
}

Result<Money> PriceCancel(store::Connection& c, std::string_view tenant_id,
                          std::string_view resource_id, Instant now) {
  auto r = RAMPART_TRY(Cancellable(c, tenant_id, resource_id, now));
  return CancelValue(c, r, now);
}

Result<std::pair<Resource, Money>> CancelTerm(store::Connection& c, std::string_view tenant_id,
                                              std::string_view resource_id, Instant now) {
  auto r = RAMPART_TRY(Cancellable(c, tenant_id, resource_id, now));
  auto refund = CancelValue(c, r, now);
  if (!refund) return std::unexpected(refund.error());
  RAMPART_TRY(DeleteConfiguration(c, r, now));
  RAMPART_TRY(jobs::CancelJob(c, "deliver", r.id, now));
  r.state = ResourceState::kReleased;
  r.expires_at.reset();  // its term jobs go stale
  RAMPART_TRY(UpdateResource(c, r, now, "cancelled"));
  if (*refund > Money()) {
    auto p = PostMovement(c, r.tenant_id, "refund", *refund, r.id, now);
    if (!p) return std::unexpected(p.error());
  }
  if (auto e = Event(c, r, "released", "cancelled; refunded " + refund->ToString() + " CNY", now);
      !e) {
    return std::unexpected(e.error());
  }
  return std::make_pair(std::move(r), *refund);
}

Result<void> OnReminder(store::Connection& c, std::string_view subject, Instant now) {
  auto r = RAMPART_TRY(CurrentTerm(c, subject));
  if (!r || (r)->state != ResourceState::kRunning) return {};
  const std::string days = Split(subject).back();
  return Event(c, *r, "expiry_reminder",
               "expires in " + days + (days == "1" ? " day" : " days") + ", at " +
                   common::FormatRfc3339(*(r)->expires_at) +
                   ((r)->auto_renew ? "; auto-renew is on" : "; renew to keep protection"),
               now);
}

Result<void> OnExpire(store::Connection& c, const catalog::PriceBook& book,
                      const common::BillingCalendar& calendar, std::string_view subject,
                      Instant now) {
  auto current = RAMPART_TRY(CurrentTerm(c, subject));
  if (!current || (current)->state != ResourceState::kRunning) return {};
  Resource r = std::move(*current);
  if (r.auto_renew) {
    // Auto-renewal renews one month at a time, and only when the balance covers it (checked
    // first, so a refusal leaves nothing to undo and the expiry below goes ahead).
    auto tenant = RAMPART_TRY(account::GetTenant(c, r.tenant_id));
    auto quote = billing::QuoteRenewal(book, r.spec, 1);
    if (quote && tenant.balance >= quote->amount) {
      RAMPART_TRY(DoRenew(c, book, calendar, r, 1, now, "auto-renewal"));
      return {};
    }
    if (auto e = Event(c, r, "expiry_reminder",
                       "auto-renewal failed: the balance " + tenant.balance.ToString() +
                           " does not cover " + (quote ? quote->amount.ToString() : "the renewal"),
                       now);
        !e) {
      return e;
    }
  }
  r.state = ResourceState::kExpired;
  if (auto u = UpdateResource(c, r, now, "expired"); !u) return u;
  const Instant release = calendar.DayStart(common::Day(
      std::chrono::sys_days(calendar.DayOf(*r.expires_at)) + std::chrono::days(kGraceDays + 1)));
  if (auto j = jobs::ScheduleJob(c, kReleaseJob, subject, release); !j) return j;
  return Event(c, r, "expired",
               "expired: basic protection only; renew before " + common::FormatRfc3339(release) +
                   " to keep it",
               now);
}

Result<void> OnRelease(store::Connection& c, std::string_view subject, Instant now) {
  auto current = RAMPART_TRY(CurrentTerm(c, subject));
  if (!current || (current)->state != ResourceState::kExpired) return {};
  Resource r = std::move(*current);
  if (auto rel = DeleteConfiguration(c, r, now); !rel) return rel;
  r.state = ResourceState::kReleased;
  r.ips.clear();
  if (auto u = UpdateResource(c, r, now, "released"); !u) return u;
  return Event(c, r, "released", "released: configuration deleted, IPs returned", now);
}

Result<void> OnForwardingMode(store::Connection& c, std::string_view subject, Instant now) {
  const auto parts = Split(subject);
  auto r = GetResourceForUpdate(c, "", parts[0]);
  if (!r)
    return r.error().code == common::Code::kNotFound ? Result<void>{} : std::unexpected(r.error());
  const auto mode = billing::ParseForwardingMode(parts.back());
  if (!mode || r->pending_forwarding_mode != mode) return {};  // changed again since
  r->spec.forwarding_mode = *mode;
  r->pending_forwarding_mode.reset();
  return UpdateResource(c, *r, now, "forwarding mode " + parts.back() + " from this billing day");
}

}  // namespace rampart::lifecycle
