#include "billing/elastic_rating.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace rampart::billing {
namespace {

constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

// The maxima of a span and where they first occur.
struct Peaks {
  int64_t attack = kNone;  // max A
  size_t attack_at = 0;
  int64_t clamped = kNone;  // max min(A, C) = min(max A, C)
  size_t clamped_at = 0;
};

constexpr size_t kBlock = 64;

// One pass over memory computing only max A: since min(., C) is monotone,
// max_w min(A_w, C) = min(max_w A_w, C), so the clamped peak needs no work of its own. The
// maximum is taken per fixed-size block, branch-free (the compiler vectorises it), and only
// block starts are remembered: the first block that raised the maximum, and the first whose
// maximum reached the ceiling. The positions are then found inside one block each. Tracking
// positions element by element would stop the loop from vectorising, and a second pass over
// the span would double the reads.
Peaks Scan(const int64_t* a, size_t n, int64_t ceiling) {
  Peaks p;
  if (n == 0) return p;
  size_t attack_block = 0;
  size_t ceiling_block = n;  // none yet
  for (size_t b = 0; b < n; b += kBlock) {
    const size_t len = std::min(kBlock, n - b);
    int64_t block_max = kNone;
    for (size_t i = 0; i < len; ++i) {
      const int64_t v = a[b + i];
      block_max = v > block_max ? v : block_max;
    }
    if (block_max > p.attack) {
      p.attack = block_max;
      attack_block = b;
    }
    if (block_max >= ceiling && ceiling_block == n) ceiling_block = b;
  }
  p.attack_at = static_cast<size_t>(std::find(a + attack_block, a + n, p.attack) - a);
  if (p.attack >= ceiling) {
    p.clamped = ceiling;
    p.clamped_at = static_cast<size_t>(
        std::find_if(a + ceiling_block, a + n, [&](int64_t v) { return v >= ceiling; }) - a);
  } else {
    p.clamped = p.attack;
    p.clamped_at = p.attack_at;
  }
  return p;
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
      best_attack_at = begin + p.attack_at;
    }
    const int64_t excess = p.clamped - seg.base_bps;
    if (excess > best_excess) {
      best_excess = excess;
      best_excess_at = begin + p.clamped_at;
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
