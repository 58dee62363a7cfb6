// Elastic protection, rated for one resource and one billing day (product.md §4).
//
// For each window w: E_w = min(A_w, C_w) - B_w with B_w, C_w in force at the window's start;
// the day's excess E = max_w E_w; if E > 0 the day costs the daily price of the range
// (lo, hi] containing E. Pure and allocation-free; the inner loop is written to vectorise,
// since day close runs it over every window of every resource.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "billing/protection.h"
#include "catalog/pricebook.h"
#include "common/money.h"
#include "common/time.h"

namespace rampart::billing {

inline constexpr int64_t kBitsPerGbit = 1'000'000'000;

// The protection in force from `from` until the next segment's `from`. `ceiling_bps` equals
// `base_bps` whenever elastic does not apply (off, not running, arrears); both are 0 when the
// resource has no protection beyond basic (expired, not yet delivered).
struct ConfigSegment {
  common::Instant from;
  int64_t base_bps = 0;
  int64_t ceiling_bps = 0;
};

// The segment a resource's settings give from `from` on (product.md §4, §6).
ConfigSegment SegmentFor(common::Instant from, const ProtectionSpec& spec, ResourceState state,
                         bool in_arrears);

// A day's attack bandwidth on a regular grid: window i starts at first_start + i * step_s.
// For multi-IP packets, each entry is already the sum over the packet's IPs. Windows with
// no sample hold 0.
struct AttackSeries {
  common::Instant first_start;
  int64_t step_s = 60;
  std::span<const int64_t> attack_bps;
};

// The numbers behind an elastic line.
struct ElasticMeasure {
  int64_t attack_peak_bps = 0;                    // largest A_w of the day
  std::optional<common::Instant> attack_peak_at;  // its window's start (none without attack)
  int64_t excess_bps = 0;                         // E (<= 0: nothing charged)
  std::optional<common::Instant> excess_at;       // the window of E
  int64_t base_bps = 0;                           // B and C in force in that window
  int64_t ceiling_bps = 0;
  std::optional<catalog::ElasticRange> range;  // the charged range, when E > 0
};

struct ElasticCharge {
  common::Money amount;
  ElasticMeasure measure;
};

// Rates one day. `timeline` is sorted by `from`; windows before its first segment have no
// protection (B = C = 0). Asserts that E fits a range of `prices`, which the price book's
// invariants and the validated ceiling guarantee.
ElasticCharge RateElastic(const catalog::PriceClass& prices,
                          std::span<const ConfigSegment> timeline, const AttackSeries& series);

}  // namespace rampart::billing
