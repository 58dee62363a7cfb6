// Seeded property tests of elastic rating (issue: "the elastic charge never decreases when an
// attack grows, never exceeds the price of the ceiling's range, is zero with elastic off or
// below the base"). Each property runs over thousands of random days from a fixed seed.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "billing/elastic_rating.h"
#include "catalog/pricebook_loader.h"

namespace rampart::billing {
namespace {

using catalog::DefaultPriceBook;
using catalog::PriceClass;
using common::Money;

constexpr int64_t G = kBitsPerGbit;
const common::Instant kDay = common::ParseRfc3339("2026-11-25T16:00:00Z").value();

struct Case {
  const PriceClass* pc;
  int64_t base_gbps;
  int64_t elastic_gbps;  // 0 = off
  std::vector<int64_t> attack;
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  Case Next() {
    const auto& pb = DefaultPriceBook();
    std::vector<const PriceClass*> classes;
    for (const auto& c : pb.hdip_classes) classes.push_back(&c);
    for (const auto& c : pb.hdp_classes) classes.push_back(&c);
    Case c;
    c.pc = classes[Pick(classes.size())];
    c.base_gbps = c.pc->base[Pick(c.pc->base.size())].gbps;
    c.elastic_gbps = 0;
    if (c.base_gbps < c.pc->max_ceiling_gbps && Pick(4) != 0) {
      c.elastic_gbps =
          c.base_gbps + 1 +
          static_cast<int64_t>(Pick(static_cast<size_t>(c.pc->max_ceiling_gbps - c.base_gbps)));
    }
    c.attack.assign(1440, 0);
    const size_t attacks = Pick(20);
    for (size_t i = 0; i < attacks; ++i) {
      // Mostly around the base and ceiling, sometimes far above, to the bit/s.
      const int64_t scale = (c.elastic_gbps ? c.elastic_gbps : c.base_gbps) * G;
      c.attack[Pick(1440)] =
          static_cast<int64_t>(std::uniform_int_distribution<int64_t>(0, scale * 3 / 2)(rng_));
    }
    return c;
  }
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  int64_t Grow() { return std::uniform_int_distribution<int64_t>(1, 50 * G)(rng_); }

 private:
  std::mt19937_64 rng_;
};

Money Charge(const Case& c) {
  const ConfigSegment seg{kDay, c.base_gbps * G,
                          (c.elastic_gbps ? c.elastic_gbps : c.base_gbps) * G};
  return RateElastic(*c.pc, std::span(&seg, 1), AttackSeries{kDay, 60, c.attack}).amount;
}

TEST(ElasticProperties, NeverDecreasesWhenAnAttackGrows) {
  Generator gen(20261126);
  for (int i = 0; i < 5000; ++i) {
    Case c = gen.Next();
    const Money before = Charge(c);
    c.attack[gen.Pick(1440)] += gen.Grow();
    ASSERT_GE(Charge(c), before) << "case " << i;
  }
}

TEST(ElasticProperties, NeverExceedsThePriceOfTheCeilingsRange) {
  Generator gen(7);
  for (int i = 0; i < 5000; ++i) {
    const Case c = gen.Next();
    if (c.elastic_gbps == 0) continue;
    const auto* top = c.pc->FindElasticRange((c.elastic_gbps - c.base_gbps) * G);
    ASSERT_NE(top, nullptr);
    ASSERT_LE(Charge(c), top->daily) << "case " << i;
  }
}

TEST(ElasticProperties, ZeroWithElasticOffOrBelowTheBase) {
  Generator gen(42);
  for (int i = 0; i < 5000; ++i) {
    Case c = gen.Next();
    Case off = c;
    off.elastic_gbps = 0;
    ASSERT_EQ(Charge(off), Money()) << "case " << i;
    for (auto& a : c.attack) a = std::min(a, c.base_gbps * G);
    ASSERT_EQ(Charge(c), Money()) << "case " << i;
  }
}

}  // namespace
}  // namespace rampart::billing
