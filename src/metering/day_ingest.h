// Rating one billing day for a set of resources: the offline `rampart rate` and the service's
// day close share this path, so both bill the same samples the same way.
//
// DayIngest takes the day's samples one by one: it validates each (product.md §7), maps it to
// the resource protecting its IP, and keeps one copy per (ip, window_start, window_s, source)
// (dataplane.md §1): an exact repeat counts once, a differing copy of the same revision is a
// conflict, a higher revision replaces the copy, a lower one is `stale_revision`; different
// sources add up. The rest is accumulated per resource.
// RateDay then rates every resource and files the lines into one bill per tenant.
// Not thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "billing/bill.h"
#include "billing/elastic_rating.h"
#include "billing/protection.h"
#include "catalog/pricebook.h"
#include "common/calendar.h"
#include "common/error.h"
#include "common/ip_address.h"
#include "metering/day_usage.h"
#include "metering/sample.h"

namespace rampart::metering {

// A resource as rating sees it for one day.
struct RatedResource {
  std::string id;
  std::string tenant;
  billing::ProtectionSpec spec;
  std::vector<common::IpAddress> ips;  // the protected IPs (hdip: assigned; hdp: bindings)
  std::vector<billing::ConfigSegment> timeline;  // in force during the day, sorted
};

enum class IngestOutcome { kAccepted, kReplaced, kDuplicate, kOutsideDay, kRejected };

class DayIngest {
 public:
  // Fails with `ip_conflict` when two resources claim the same IP.
  static common::Result<std::unique_ptr<DayIngest>> Create(
      common::Instant day_start, common::Instant day_end, std::span<const RatedResource> resources);

  // `why` receives the reason of a rejection (validation, `unknown_ip`, `conflict`).
  // `now` enables the age checks of live ingestion; offline rating passes nullopt.
  IngestOutcome Add(const UsageSample& sample, std::optional<common::Instant> now,
                    common::Error* why);

  // The usage gathered for resources[index], or nullptr when none of its samples arrived.
  const DayUsage* UsageOf(size_t index) const { return usage_[index].get(); }

 private:
  DayIngest(common::Instant day_start, common::Instant day_end, size_t resources)
      : day_start_(day_start), day_end_(day_end), usage_(resources) {}

  // The copy kept of one (window, source): enough to tell a repeat from a conflict and to take
  // a replaced copy's values back out of the day's usage.
  struct Kept {
    int64_t revision = 0;
    int64_t attack_bps = 0;
    int64_t in_bytes = 0;
    int64_t out_bytes = 0;
  };
  struct IpDay {
    size_t resource = 0;
    // (slot, source) -> the copy kept; slots: 60 s windows by minute, then 300 s windows by
    // 5 minutes. Grows with the samples seen, not with the IPs protected.
    std::map<std::pair<size_t, std::string>, Kept> seen;
  };

  common::Instant day_start_;
  common::Instant day_end_;
  std::unordered_map<common::IpAddress, IpDay, common::IpAddressHash> ips_;
  std::vector<std::unique_ptr<DayUsage>> usage_;
};

// Rates every resource's day and returns one bill per tenant that has resources, sorted by
// tenant, lines in resource order. Resources are checked against the price book first:
// `invalid_option` (naming the resource) when one is not on sale.
common::Result<std::vector<billing::DailyBill>> RateDay(const catalog::PriceBook& book,
                                                        common::Day day,
                                                        std::span<const RatedResource> resources,
                                                        const DayIngest& ingest, bool closed);

// The same, with each resource's usage from `usage_of(index)` (nullptr: none).
common::Result<std::vector<billing::DailyBill>> RateDay(
    const catalog::PriceBook& book, common::Day day, std::span<const RatedResource> resources,
    const std::function<const DayUsage*(size_t)>& usage_of, bool closed);

}  // namespace rampart::metering
