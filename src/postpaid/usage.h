// Usage ingestion into the store (product.md §7): each sample is validated, mapped to the
// resource protecting its IP at the window's start (the IP's assignment history), filed under
// its billing day, and stored once per source (dataplane.md §1) — from one source an identical
// repeat of (ip, window_start, window_s) is a duplicate, a different one of the same revision a
// conflict, a higher revision a correction that replaces it, a lower one `stale_revision`;
// different sources add up. One reason per rejected sample; the rest of the
// batch is accepted. A meter key reports only its tenant's windows. Storing runs inside the
// caller's transaction: a batch is stored whole or not.
//
// Storage is built for volume: one block per (resource, day, IP, window length)
// (postpaid/usage_block.h), kept in parts (postpaid/block_store.h); a batch is grouped by
// block, each block read and merged once, and only its new windows written.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/calendar.h"
#include "common/error.h"
#include "metering/sample.h"
#include "store/sql.h"

namespace rampart::postpaid {

struct Rejection {
  size_t index = 0;
  common::Error reason;
};

struct IngestReport {
  int64_t accepted = 0;  // new windows, and corrections (counted in `replaced` too)
  int64_t replaced = 0;
  int64_t duplicates = 0;
  std::vector<Rejection> rejected;
};

// A sample as read from the body, or why it could not be read.
struct IncomingSample {
  size_t index = 0;
  std::optional<metering::UsageSample> sample;
  common::Error parse_error;
};

// A batch checked (§7 rules against `now`) and grouped by block, before any storage. Pure:
// the service prepares on its request threads and holds the database only to store.
struct SampleGroup {
  std::string ip;
  std::string source;
  std::string day;  // "YYYY-MM-DD" in the billing zone
  common::Instant day_start;
  int64_t window_s = 60;
  size_t slots = 0;  // windows of this length in the day
  struct Entry {
    size_t index;
    metering::UsageSample sample;
  };
  std::vector<Entry> entries;
};
struct PreparedBatch {
  std::vector<SampleGroup> groups;  // one per (ip, day, window length, source)
  std::vector<Rejection> rejected;  // unreadable or invalid samples
};
PreparedBatch PrepareSamples(const common::BillingCalendar& calendar,
                             const std::vector<IncomingSample>& samples, common::Instant now);

// Stores a prepared batch. `tenant_id` limits the IPs to that tenant's (a meter key); empty
// for admin keys.
common::Result<IngestReport> StoreSamples(store::Connection& c, std::string_view tenant_id,
                                          const PreparedBatch& batch, common::Instant now);

// PrepareSamples then StoreSamples.
common::Result<IngestReport> IngestSamples(store::Connection& c,
                                           const common::BillingCalendar& calendar,
                                           std::string_view tenant_id,
                                           const std::vector<IncomingSample>& samples,
                                           common::Instant now);

// A resource's stored windows of one billing day (for charts), in window order: summed over
// sources, or (by_source) one per source, in source order within a window.
struct StoredWindow {
  std::string ip;
  std::string source;    // by_source only
  int64_t revision = 0;  // by_source only
  common::Instant window_start;
  int64_t window_s = 60;
  int64_t attack_bps = 0;
  int64_t in_bytes = 0;
  int64_t out_bytes = 0;
};
common::Result<std::vector<StoredWindow>> WindowsOfDay(
    store::Connection& c, const common::BillingCalendar& calendar, std::string_view tenant_id,
    std::string_view resource_id, std::string_view day, bool by_source = false);

// Calls `f` with every stored window of a resource's day (any order): day close reads
// usage through this.
common::Result<void> ForEachWindow(store::Connection& c, const common::BillingCalendar& calendar,
                                   std::string_view resource_id, common::Day day,
                                   const std::function<void(const metering::UsageSample&)>& f);

}  // namespace rampart::postpaid
