// Orders: create (amount fixed at creation), pay from the balance, and fulfil — resources
// created `provisioning`, each delivered 1-5 minutes later with its IPs from the pool, or
// the whole order failed and refunded in full (product.md §2). Unpaid orders lapse after
// 24 h.
//
// Every function runs inside the caller's transaction, so a payment's debit, the order's
// status, its resources, their history and their delivery jobs commit together or not at
// all. Lookups scoped by tenant answer `not_found` for another tenant's order.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "billing/prepaid.h"
#include "catalog/pricebook.h"
#include "common/calendar.h"
#include "common/error.h"
#include "jobs/jobs.h"
#include "lifecycle/resources.h"
#include "store/sql.h"

namespace rampart::ordering {

using common::Instant;
using common::Result;

inline constexpr common::Seconds kUnpaidLifetime{24 * 3600};
inline constexpr std::string_view kDeliverJob = "deliver";
inline constexpr std::string_view kLapseJob = "lapse";

// Statuses: unpaid, paid, delivered, failed, lapsed, refunded.
struct Order {
  int64_t seq = 0;
  std::string id;
  std::string tenant_id;
  std::string status;
  common::Money amount;
  billing::PurchaseOptions options;
  Instant created_at;
  std::optional<Instant> paid_at;
  Instant lapses_at;
  std::vector<std::string> resources;
};

// When each resource is delivered after payment: uniform in [min, max], drawn from a
// seeded hash of the resource id, so tests (and restarts) see the same delays.
struct DeliveryPolicy {
  common::Seconds min_delay{60};
  common::Seconds max_delay{300};
  uint64_t seed = 0;
  common::Seconds DelayFor(std::string_view resource_id) const;
};

// The price of `options` for this tenant: QuotePurchase with the first-hdp rule decided by
// the tenant's paid hdp orders. POST /v1/quotes and CreateOrder both use it, so a quote is
// always what the order will cost.
Result<billing::Quote> QuoteForTenant(store::Connection& c, const catalog::PriceBook& book,
                                      std::string_view tenant_id,
                                      const billing::PurchaseOptions& options);

// Prices the options (QuoteForTenant) and records an unpaid order with a lapse job.
Result<Order> CreateOrder(store::Connection& c, const catalog::PriceBook& book,
                          std::string_view tenant_id, const billing::PurchaseOptions& options,
                          Instant now);
// Debits the order's amount, marks it paid, creates its resources and schedules their
// delivery. `insufficient_balance` changes nothing; `order_not_payable` for an order that
// is not unpaid (or has lapsed).
Result<Order> PayOrder(store::Connection& c, std::string_view tenant_id, std::string_view order_id,
                       const DeliveryPolicy& delivery, Instant now);
Result<Order> GetOrder(store::Connection& c, std::string_view tenant_id, std::string_view order_id);
// A page of the tenant's orders after (oldest first) or before (newest first) `cursor_seq`;
// 0 starts at the oldest or the newest.
Result<std::vector<Order>> ListOrders(store::Connection& c, std::string_view tenant_id,
                                      int64_t cursor_seq, int64_t limit, bool newest_first = false);

// Cancels a resource within 5 days of purchase (lifecycle::CancelTerm: released, refunded pro
// rata) and marks its order refunded once every resource of the order is released. Returns
// the resource and the refund.
Result<std::pair<lifecycle::Resource, common::Money>> CancelResource(store::Connection& c,
                                                                     std::string_view tenant_id,
                                                                     std::string_view resource_id,
                                                                     Instant now);

// Job handlers (jobs::JobRunner): deliver one resource; lapse one unpaid order.
Result<void> DeliverResource(store::Connection& c, const common::BillingCalendar& calendar,
                             std::string_view resource_id, Instant now);
Result<void> LapseOrder(store::Connection& c, std::string_view order_id, Instant now);

}  // namespace rampart::ordering
