#include "billing/elastic_rating.h"

#include <gtest/gtest.h>

#include <vector>

#include "catalog/pricebook_loader.h"

namespace rampart::billing {
namespace {

using catalog::DefaultPriceBook;
using catalog::PriceClass;
using common::Instant;
using common::Money;
using common::ParseRfc3339;

constexpr int64_t G = kBitsPerGbit;
const Instant kDay = ParseRfc3339("2026-11-25T16:00:00Z").value();  // 2026-11-26 00:00 +08

// A day of 1,440 one-minute windows, all zero but for `attacks` (minute -> bps).
struct Day {
  std::vector<int64_t> attack = std::vector<int64_t>(1440, 0);
  Day& At(int minute, int64_t bps) {
    attack[static_cast<size_t>(minute)] = bps;
    return *this;
  }
  AttackSeries Series() const { return {kDay, 60, attack}; }
};

ElasticCharge Rate(const PriceClass& pc, int64_t base_gbps, int64_t ceiling_gbps, const Day& day) {
  const ConfigSegment seg{kDay, base_gbps * G, ceiling_gbps * G};
  return RateElastic(pc, std::span(&seg, 1), day.Series());
}

const PriceClass& MainlandBgp() {
  const auto& pb = DefaultPriceBook();
  return pb.ClassOf(*pb.FindHdipNetwork("cn-south", "bgp"));
}

// Every range boundary of every network and region: E exactly lo, lo + 1 bit/s, exactly hi.
TEST(ElasticRating, EveryRangeBoundaryOfEveryNetwork) {
  const auto& pb = DefaultPriceBook();
  std::vector<std::pair<std::string, const PriceClass*>> offers;
  for (const auto& n : pb.hdip_networks)
    offers.emplace_back(n.region + "/" + n.line, &pb.ClassOf(n));
  for (const auto& r : pb.hdp_regions) offers.emplace_back("hdp " + r.region, &pb.ClassOf(r));
  int rated = 0;
  for (const auto& [name, pc] : offers) {
    const int64_t base = pc->base.front().gbps;
    const int64_t ceiling = pc->max_ceiling_gbps;
    for (size_t i = 0; i < pc->elastic.size(); ++i) {
      const auto& r = pc->elastic[i];
      const Money below = i == 0 ? Money() : pc->elastic[i - 1].daily;
      const struct {
        int64_t excess;
        Money expected;
      } probes[] = {{r.lo_gbps * G, below}, {r.lo_gbps * G + 1, r.daily}, {r.hi_gbps * G, r.daily}};
      for (const auto& p : probes) {
        SCOPED_TRACE(name + " range (" + std::to_string(r.lo_gbps) + ", " +
                     std::to_string(r.hi_gbps) + "] excess " + std::to_string(p.excess));
        const auto* found = pc->FindElasticRange(p.excess);
        EXPECT_EQ(found ? found->daily : Money(), p.expected);
        if (p.excess > (ceiling - base) * G) continue;  // unreachable: E <= C - B
        const ElasticCharge c = Rate(*pc, base, ceiling, Day().At(600, base * G + p.excess));
        EXPECT_EQ(c.amount, p.expected);
        EXPECT_EQ(c.measure.excess_bps, p.excess);
        ++rated;
      }
    }
  }
  EXPECT_GT(rated, 200);
}

TEST(ElasticRating, MeasuresNameThePeakAndItsWindow) {
  Day day;
  day.At(60, 30 * G).At(61, 45 * G).At(62, 44 * G).At(900, 70 * G);
  const ElasticCharge c = Rate(MainlandBgp(), 20, 50, day);
  EXPECT_EQ(c.amount.ToString(), "3500.00");  // E = min(70, 50) - 20 = 30 -> (20, 30]
  EXPECT_EQ(c.measure.attack_peak_bps, 70 * G);
  EXPECT_EQ(common::FormatRfc3339(*c.measure.attack_peak_at), "2026-11-26T07:00:00Z");
  EXPECT_EQ(c.measure.excess_bps, 30 * G);
  EXPECT_EQ(common::FormatRfc3339(*c.measure.excess_at), "2026-11-26T07:00:00Z");
  EXPECT_EQ(c.measure.base_bps, 20 * G);
  EXPECT_EQ(c.measure.ceiling_bps, 50 * G);
  ASSERT_TRUE(c.measure.range.has_value());
  EXPECT_EQ(c.measure.range->lo_gbps, 20);
  EXPECT_EQ(c.measure.range->hi_gbps, 30);
}

TEST(ElasticRating, FirstWindowWinsATie) {
  Day day;
  day.At(100, 60 * G).At(200, 80 * G);  // both clamp to 50
  const ElasticCharge c = Rate(MainlandBgp(), 20, 50, day);
  EXPECT_EQ(*c.measure.excess_at, kDay + std::chrono::minutes(100));
  EXPECT_EQ(*c.measure.attack_peak_at, kDay + std::chrono::minutes(200));
}

TEST(ElasticRating, PeaksAtTheEdgesOfTheDayAreFound) {
  // The scan works in blocks of 64 windows; 1,440 leaves a partial last block.
  for (int minute : {0, 63, 64, 1407, 1408, 1439}) {
    Day day;
    day.At(minute, 45 * G).At(700, 21 * G);
    const ElasticCharge c = Rate(MainlandBgp(), 20, 50, day);
    EXPECT_EQ(c.amount.ToString(), "3500.00") << minute;
    EXPECT_EQ(*c.measure.excess_at, kDay + std::chrono::minutes(minute));
    EXPECT_EQ(*c.measure.attack_peak_at, kDay + std::chrono::minutes(minute));
  }
}

TEST(ElasticRating, NoWindowsNoCharge) {
  const ConfigSegment seg{kDay, 20 * G, 50 * G};
  const ElasticCharge c =
      RateElastic(MainlandBgp(), std::span(&seg, 1), AttackSeries{kDay, 60, {}});
  EXPECT_EQ(c.amount, Money());
  EXPECT_FALSE(c.measure.attack_peak_at.has_value());
}

TEST(ElasticRating, ConfigurationInForceAtEachWindowStart) {
  // Elastic on (C 50) until 12:00 local, then off (C = B = 20), then on again at 18:00 with
  // C 100. An 80 G attack at 11:59 counts 30; at 12:00 nothing; at 18:00 counts 60 -> (50, 60].
  const std::vector<ConfigSegment> timeline = {
      {kDay, 20 * G, 50 * G},
      {kDay + std::chrono::hours(12), 20 * G, 20 * G},
      {kDay + std::chrono::hours(18), 20 * G, 100 * G},
  };
  Day morning;
  morning.At(12 * 60 - 1, 80 * G);
  EXPECT_EQ(RateElastic(MainlandBgp(), timeline, morning.Series()).amount.ToString(), "3500.00");
  Day noon;
  noon.At(12 * 60, 80 * G).At(17 * 60 + 59, 300 * G);
  EXPECT_EQ(RateElastic(MainlandBgp(), timeline, noon.Series()).amount, Money());
  Day evening;
  evening.At(18 * 60, 80 * G);
  const ElasticCharge c = RateElastic(MainlandBgp(), timeline, evening.Series());
  EXPECT_EQ(c.amount.ToString(), "6600.00");
  EXPECT_EQ(c.measure.ceiling_bps, 100 * G);
}

TEST(ElasticRating, ChangeBetweenWindowStartsAppliesFromTheNextWindow) {
  // A change at 10:00:30 is not in force at the 10:00:00 window's start.
  const std::vector<ConfigSegment> timeline = {
      {kDay, 20 * G, 20 * G},
      {kDay + std::chrono::hours(10) + std::chrono::seconds(30), 20 * G, 50 * G},
  };
  Day day;
  day.At(600, 45 * G);
  EXPECT_EQ(RateElastic(MainlandBgp(), timeline, day.Series()).amount, Money());
  day.At(601, 45 * G);
  EXPECT_EQ(RateElastic(MainlandBgp(), timeline, day.Series()).amount.ToString(), "3500.00");
}

TEST(ElasticRating, WindowsBeforeTheFirstSegmentAreUnprotected) {
  const std::vector<ConfigSegment> timeline = {{kDay + std::chrono::hours(6), 20 * G, 50 * G}};
  Day day;
  day.At(0, 45 * G);  // before delivery
  EXPECT_EQ(RateElastic(MainlandBgp(), timeline, day.Series()).amount, Money());
}

TEST(ElasticRating, SegmentsFromTheResourceState) {
  ProtectionSpec spec;
  spec.base_gbps = 20;
  spec.elastic_gbps = 50;
  const Instant t = kDay;
  auto seg = SegmentFor(t, spec, ResourceState::kRunning, false);
  EXPECT_EQ(seg.base_bps, 20 * G);
  EXPECT_EQ(seg.ceiling_bps, 50 * G);
  seg = SegmentFor(t, spec, ResourceState::kRunning, true);  // arrears
  EXPECT_EQ(seg.ceiling_bps, 20 * G);
  seg = SegmentFor(t, spec, ResourceState::kExpired, false);
  EXPECT_EQ(seg.base_bps, 0);
  EXPECT_EQ(seg.ceiling_bps, 0);
  spec.elastic_gbps = 0;
  seg = SegmentFor(t, spec, ResourceState::kRunning, false);
  EXPECT_EQ(seg.ceiling_bps, 20 * G);
}

}  // namespace
}  // namespace rampart::billing
