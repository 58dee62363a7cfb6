// Resources (api.md "Resource") and their configuration history. Every change of state,
// base, ceiling or forwarding mode appends a history row with the time it takes effect, so
// rating can ask what was in force at any window's start.
//
// Functions run on a Connection inside the caller's transaction. A non-empty `tenant_id`
// scopes a lookup to that tenant: another tenant's resource is `not_found`, never returned.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "billing/elastic_rating.h"
#include "billing/prepaid.h"
#include "billing/protection.h"
#include "common/error.h"
#include "common/money.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::lifecycle {

using common::Instant;
using common::Result;

struct Resource {
  int64_t seq = 0;
  std::string id;
  std::string tenant_id;
  std::string order_id;
  billing::ProtectionSpec spec;
  billing::ResourceState state = billing::ResourceState::kProvisioning;
  bool auto_renew = false;
  int64_t months = 1;
  common::Money paid;
  Instant created_at;
  std::optional<Instant> delivered_at;
  std::optional<Instant> expires_at;
  // hdip: a forwarding mode chosen for the next billing day, not yet in force.
  std::optional<billing::ForwardingMode> pending_forwarding_mode;
  std::vector<std::string> ips;
  // The customer's own labels (not billing configuration): a name and tags.
  std::string name;
  std::vector<std::string> tags;
};

// Inserts a new resource and its first history row.
Result<void> InsertResource(store::Connection& c, const Resource& r, std::string_view reason);
Result<Resource> GetResource(store::Connection& c, std::string_view tenant_id, std::string_view id);
// The same, before changing the resource: on PostgreSQL it first locks the owning tenant's
// row until the transaction ends, so that changes of one tenant's resources from several
// nodes happen one after the other (a renewal is never lost, a refund never paid twice).
// Tenant first, always: the ledger takes the same row, so nothing waits in the other order.
// `tenant_id` empty: whoever owns it (jobs). SQLite has one writer: nothing to lock.
Result<Resource> GetResourceForUpdate(store::Connection& c, std::string_view tenant_id,
                                      std::string_view id);
Result<std::vector<Resource>> ListResources(store::Connection& c, std::string_view tenant_id,
                                            int64_t after_seq, int64_t limit);
// Every tenant's resources, in creation order (the operator's views).
Result<std::vector<Resource>> ListAllResources(store::Connection& c);
Result<std::vector<Resource>> ResourcesOfOrder(store::Connection& c, std::string_view order_id);
// The ids and states of an order's resources, oldest first (without loading them whole).
struct ResourceOfOrder {
  std::string id;
  billing::ResourceState state = billing::ResourceState::kProvisioning;
};
Result<std::vector<ResourceOfOrder>> ResourceStatesOfOrder(store::Connection& c,
                                                           std::string_view order_id);
// A tenant's resources created before `end`, oldest first (a day's close rates them).
Result<std::vector<Resource>> ResourcesCreatedBefore(store::Connection& c,
                                                     std::string_view tenant_id, Instant end);
// A tenant's resources that are not released (provisioning, running, expired), oldest first.
Result<std::vector<Resource>> LiveResources(store::Connection& c, std::string_view tenant_id);
// Writes the resource's mutable fields (state, base, elastic, forwarding mode, auto-renew,
// delivery and expiry times) and appends a history row effective at `at`.
Result<void> UpdateResource(store::Connection& c, const Resource& r, Instant at,
                            std::string_view reason);
// Sets the resource's name and tags (validated by the caller: see ValidateLabels); no
// history row, any state. `not_found` for another tenant's resource.
Result<Resource> SetLabels(store::Connection& c, std::string_view tenant_id, std::string_view id,
                           std::optional<std::string> name,
                           std::optional<std::vector<std::string>> tags);
// `invalid_option` unless the name has at most 64 characters and each of at most 10 distinct
// tags 1-32, none with a control character (a tag neither). Pure.
Result<void> ValidateLabels(const std::optional<std::string>& name,
                            const std::optional<std::vector<std::string>>& tags);
// Protects `ip` by the resource from `now` on (pool_id empty for an hdp binding), and
// records it in the IP's assignment history (usage maps samples through that history).
Result<void> AssignIp(store::Connection& c, std::string_view resource_id, std::string_view ip,
                      std::string_view pool_id, Instant now);
// Ends the protection of the resource's IPs (`ip` empty: all of them) at `now`: they leave
// resource_ips and their assignment history closes. Returns the (ip, pool_id or "") removed.
Result<std::vector<std::pair<std::string, std::string>>> UnassignIps(store::Connection& c,
                                                                     std::string_view resource_id,
                                                                     std::string_view ip,
                                                                     Instant now);
// A resource that protected an IP over [from, to) (epoch seconds; to: INT64_MAX while it
// still does), with what usage needs of it.
struct IpOwner {
  std::string resource;
  std::string tenant;
  int64_t base_bps = 0;
  int64_t from = 0;
  int64_t to = 0;
};
// Per IP of `ips`, whoever protected it at some moment after `since` (epoch seconds), from the
// assignment history, oldest first. One statement per store::kMaxRowsPerStatement IPs.
Result<std::map<std::string, std::vector<IpOwner>>> OwnersSince(store::Connection& c,
                                                                const std::vector<std::string>& ips,
                                                                int64_t since);
// Deletes the assignment history that ended before `before` (nobody can own a sample of that
// time any more: the day close purges it with the usage it outlived).
Result<void> PurgeAssignmentsEndedBefore(store::Connection& c, Instant before);

// Records a prepaid payment for the resource and the period it pays for (`kind`: order,
// renewal, upgrade), in the transaction that charges it; a cancellation refunds from these.
Result<void> RecordPaidPeriod(store::Connection& c, std::string_view resource_id,
                              std::string_view kind, const billing::PaidPeriod& period, Instant at);
// The resource's prepaid payments with their periods, in payment order.
Result<std::vector<billing::PaidPeriod>> PaidPeriods(store::Connection& c,
                                                     std::string_view resource_id);

// Each row records the whole configuration from `effective_at` on. `elastic_suspended` is
// the tenant's arrears at that moment (elastic does not apply while the balance is negative).
struct HistoryEntry {
  Instant effective_at;
  billing::ResourceState state;
  int64_t base_gbps = 0;
  int64_t elastic_gbps = 0;
  billing::ForwardingMode forwarding_mode = billing::ForwardingMode::kByTraffic;
  bool elastic_suspended = false;
  std::string reason;
};
Result<std::vector<HistoryEntry>> History(store::Connection& c, std::string_view resource_id);

// The configuration segments in force during [from, to): the entry in force at `from`
// (the last one effective at or before it) and every change inside, as rating wants them
// (product.md §4: B and C in force at each window's start). Pure.
std::vector<billing::ConfigSegment> Timeline(const std::vector<HistoryEntry>& history, Instant from,
                                             Instant to);

}  // namespace rampart::lifecycle
