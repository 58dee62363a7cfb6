#include "billing/elastic_rating.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace rampart::billing {
namespace {

constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

struct Peaks {
  int64_t attack = kNone;   // max A
  int64_t clamped = kNone;  // max min(A, C)
};

// Branch-free maxima over a span so the compiler can vectorise it; the positions are found
// afterwards only when needed, which is cheaper than tracking them in the hot loop.
Peaks Scan(const int64_t* a, size_t n, int64_t ceiling) {
  int64_t max_attack = kNone;
  int64_t max_clamped = kNone;
  for (size_t i = 0; i < n; ++i) {
    const int64_t v = a[i];
    max_attack = v > max_attack ? v : max_attack;
    const int64_t c = v < ceiling ? v : ceiling;
    max_clamped = c > max_clamped ? c : max_clamped;
  }
  return {max_attack, max_clamped};
}

// The first index in [begin, end) whose window starts at or after `t`.
size_t IndexAtOrAfter(const AttackSeries& s, common::Instant t) {
  const int64_t offset = (t - s.first_start).count();
  if (offset <= 0) return 0;
  const auto idx = static_cast<size_t>((offset + s.step_s - 1) / s.step_s);
  return std::min(idx, s.attack_bps.size());
}

}  // namespace

ConfigSegment SegmentFor(common::Instant from, const ProtectionSpec& spec, ResourceState state,
                         bool in_arrears) {
  ConfigSegment seg{from, 0, 0};
  if (state != ResourceState::kRunning) return seg;  // basic protection only
  seg.base_bps = spec.base_gbps * kBitsPerGbit;
  seg.ceiling_bps =
      (spec.elastic_gbps == 0 || in_arrears) ? seg.base_bps : spec.elastic_gbps * kBitsPerGbit;
  return seg;
}

ElasticCharge RateElastic(const catalog::PriceClass& prices,
                          std::span<const ConfigSegment> timeline, const AttackSeries& series) {
  const int64_t* a = series.attack_bps.data();
  const size_t n = series.attack_bps.size();

  int64_t best_attack = kNone;
  size_t best_attack_at = 0;
  int64_t best_excess = kNone;
  size_t best_excess_at = 0;
  ConfigSegment best_segment{};

  // Segments: [-inf, timeline[0]) has no protection, then each segment to the next.
  const size_t segments = timeline.size() + 1;
  for (size_t s = 0; s < segments; ++s) {
    const ConfigSegment seg = s == 0 ? ConfigSegment{} : timeline[s - 1];
    const size_t begin = s == 0 ? 0 : IndexAtOrAfter(series, timeline[s - 1].from);
    const size_t end = s < timeline.size() ? IndexAtOrAfter(series, timeline[s].from) : n;
    if (begin >= end) continue;
    const Peaks p = Scan(a + begin, end - begin, seg.ceiling_bps);
    if (p.attack > best_attack) {
      best_attack = p.attack;
      best_attack_at = static_cast<size_t>(std::find(a + begin, a + end, p.attack) - a);
    }
    const int64_t excess = p.clamped - seg.base_bps;
    if (excess > best_excess) {
      best_excess = excess;
      const int64_t target = p.clamped;
      const int64_t ceiling = seg.ceiling_bps;
      best_excess_at = static_cast<size_t>(
          std::find_if(a + begin, a + end,
                       [&](int64_t v) { return (v < ceiling ? v : ceiling) == target; }) -
          a);
      best_segment = seg;
    }
  }

  ElasticCharge out;
  if (best_excess == kNone) return out;  // no windows at all
  auto start_of = [&](size_t i) {
    return series.first_start + common::Seconds(static_cast<int64_t>(i) * series.step_s);
  };
  ElasticMeasure& m = out.measure;
  m.attack_peak_bps = std::max<int64_t>(best_attack, 0);
  if (best_attack > 0) m.attack_peak_at = start_of(best_attack_at);
  m.excess_bps = best_excess;
  m.excess_at = start_of(best_excess_at);
  m.base_bps = best_segment.base_bps;
  m.ceiling_bps = best_segment.ceiling_bps;
  if (best_excess > 0) {
    const catalog::ElasticRange* range = prices.FindElasticRange(best_excess);
    assert(range != nullptr && "the ceiling is validated against the price book");
    if (range) {
      m.range = *range;
      out.amount = range->daily;
    }
  }
  return out;
}

}  // namespace rampart::billing
