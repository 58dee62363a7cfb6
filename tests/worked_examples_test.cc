// product.md §10: each worked example, end to end through the billing core (and metering
// where the example starts from samples).
#include <gtest/gtest.h>

#include <vector>

#include "billing/day_rating.h"
#include "billing/prepaid.h"
#include "catalog/pricebook_loader.h"
#include "common/calendar.h"
#include "metering/day_usage.h"

namespace rampart {
namespace {

using billing::ConfigSegment;
using catalog::DefaultPriceBook;
using common::Instant;
using common::ParseRfc3339;

constexpr int64_t G = billing::kBitsPerGbit;

const common::BillingCalendar& Calendar() {
  static const auto cal = common::BillingCalendar::Create("Asia/Shanghai").value();
  return cal;
}

// Rates a cn-south/bgp hdip (base B, elastic C, 0 = off) whose day peaks at `peak_gbps` at
// 10:00 local on 2026-11-26; returns the elastic amount.
std::string SouthBgpElastic(int64_t base, int64_t elastic, int64_t peak_gbps) {
  const auto day = std::chrono::year{2026} / 11 / 26;
  metering::DayUsage usage(Calendar().DayStart(day), Calendar().DayEnd(day));
  metering::UsageSample s;
  s.ip = common::IpAddress::Parse("203.0.113.7").value();
  s.window_start = ParseRfc3339("2026-11-26T10:00:00+08:00").value();
  s.attack_bps = peak_gbps * G;
  usage.Add(s);
  billing::ProtectionSpec spec;
  spec.base_gbps = base;
  spec.elastic_gbps = elastic;
  const ConfigSegment seg =
      billing::SegmentFor(Calendar().DayStart(day), spec, billing::ResourceState::kRunning, false);
  const auto& pb = DefaultPriceBook();
  return billing::RateElastic(pb.ClassOf(*pb.FindHdipNetwork("cn-south", "bgp")),
                              std::span(&seg, 1), usage.attack())
      .amount.ToString();
}

TEST(WorkedExample, E01_Peak45OverBase20Ceiling50Is3500) {
  EXPECT_EQ(SouthBgpElastic(20, 50, 45), "3500.00");
}
TEST(WorkedExample, E02_Peak18BelowBaseIsZero) { EXPECT_EQ(SouthBgpElastic(20, 50, 18), "0.00"); }
TEST(WorkedExample, E03_Peak80ClampedToCeilingHiIsInclusive) {
  EXPECT_EQ(SouthBgpElastic(20, 50, 80), "3500.00");
}
TEST(WorkedExample, E04_ElasticOffIsZero) { EXPECT_EQ(SouthBgpElastic(20, 0, 45), "0.00"); }
TEST(WorkedExample, E05_Peak30IsExcess10InFirstRange) {
  EXPECT_EQ(SouthBgpElastic(20, 50, 30), "1000.00");
}

TEST(WorkedExample, E06_OrderHdip30GSixMonthsQuantity2) {
  billing::PurchaseOptions o;
  o.spec.region = "cn-south";
  o.spec.line = "bgp";
  o.spec.base_gbps = 30;
  o.months = 6;
  o.quantity = 2;
  EXPECT_EQ(billing::QuotePurchase(DefaultPriceBook(), o, true).value().amount.ToString(),
            "261120.00");
}

TEST(WorkedExample, E07_UpgradeWith21DaysLeft) {
  billing::ProtectionSpec spec;
  spec.region = "cn-south";
  spec.line = "bgp";
  spec.base_gbps = 20;
  auto u = billing::QuoteUpgrade(DefaultPriceBook(), spec, 30, std::chrono::days(21));
  EXPECT_EQ(u->quote.amount.ToString(), "6213.70");
}

TEST(WorkedExample, E08_ByTrafficMainlandBgp) {
  const auto& fwd = DefaultPriceBook().FindHdipNetwork("cn-south", "bgp")->forwarding;
  EXPECT_EQ(billing::RateByTraffic(fwd, 300'000'000'000, 1'200'500'000'000).amount.ToString(),
            "1200.40");
}

TEST(WorkedExample, E09_ByBandwidthLargestBucket350Point2Mbps) {
  const auto& fwd = DefaultPriceBook().FindHdipNetwork("cn-south", "bgp")->forwarding;
  std::vector<int64_t> in(288, 0), out(288, 0);
  out[100] = 350'200'000LL * 300 / 8;  // 350.2 Mbps over a 5-minute bucket
  in[50] = 100'000'000LL * 300 / 8;
  const auto c = billing::RateByBandwidth(fwd, 100, {Instant{}, in, out});
  EXPECT_EQ(c.measure.billable_mbps, 251);
  EXPECT_EQ(c.amount.ToString(), "753.00");
}

TEST(WorkedExample, E10_MultiIpPacketSumsItsIpsPerWindow) {
  const auto day = std::chrono::year{2026} / 11 / 26;
  metering::DayUsage usage(Calendar().DayStart(day), Calendar().DayEnd(day));
  auto sample = [](const char* ip, const char* at, int64_t gbps) {
    metering::UsageSample s;
    s.ip = common::IpAddress::Parse(ip).value();
    s.window_start = ParseRfc3339(at).value();
    s.attack_bps = gbps * G;
    return s;
  };
  usage.Add(sample("198.51.100.1", "2026-11-26T10:00:00+08:00", 15));
  usage.Add(sample("198.51.100.2", "2026-11-26T10:00:00+08:00", 12));
  usage.Add(sample("198.51.100.1", "2026-11-26T11:00:00+08:00", 18));
  billing::ProtectionSpec spec;
  spec.product = catalog::Product::kHdp;
  spec.region = "cn-east";
  spec.scope = billing::Scope::kMulti;
  spec.ip_count = 5;
  spec.base_gbps = 20;
  spec.elastic_gbps = 60;
  const auto& pb = DefaultPriceBook();
  const ConfigSegment seg =
      billing::SegmentFor(Calendar().DayStart(day), spec, billing::ResourceState::kRunning, false);
  const auto c = billing::RateElastic(pb.ClassOf(*pb.FindHdpRegion("cn-east")), std::span(&seg, 1),
                                      usage.attack());
  EXPECT_EQ(c.measure.attack_peak_bps, 27 * G);
  EXPECT_EQ(c.measure.excess_bps, 7 * G);
  EXPECT_EQ(c.amount.ToString(), "2200.00");
}

TEST(WorkedExample, E11_WindowAt1730UtcBelongsToNextShanghaiDay) {
  EXPECT_EQ(common::FormatDay(Calendar().DayOf(ParseRfc3339("2026-11-25T17:30:00Z").value())),
            "2026-11-26");
}

TEST(WorkedExample, E12_HdpMainland5Ips20GThreeMonths) {
  billing::PurchaseOptions o;
  o.spec.product = catalog::Product::kHdp;
  o.spec.region = "cn-north";
  o.spec.scope = billing::Scope::kMulti;
  o.spec.ip_count = 5;
  o.spec.base_gbps = 20;
  o.months = 3;
  EXPECT_EQ(billing::QuotePurchase(DefaultPriceBook(), o, true).value().amount.ToString(),
            "69750.00");
}

}  // namespace
}  // namespace rampart
