#include "billing/forwarding_rating.h"

#include <gtest/gtest.h>

#include <vector>

#include "catalog/pricebook_loader.h"

namespace rampart::billing {
namespace {

using catalog::BandwidthMeasure;
using catalog::DefaultPriceBook;
using catalog::ForwardingPrices;
using common::Instant;
using common::Money;

const Instant kDay = common::ParseRfc3339("2026-11-25T16:00:00Z").value();

const ForwardingPrices& MainlandBgp() {
  return DefaultPriceBook().FindHdipNetwork("cn-south", "bgp")->forwarding;
}

// Bytes that make a bucket of exactly `mbps_tenths` / 10 Mbps.
int64_t BucketBytes(int64_t mbps_tenths) { return mbps_tenths * 100'000 * 300 / 8; }

struct Buckets {
  std::vector<int64_t> in = std::vector<int64_t>(288, 0);
  std::vector<int64_t> out = std::vector<int64_t>(288, 0);
  ForwardedTraffic Traffic() const { return {kDay, in, out}; }
};

TEST(ForwardingRating, ByTrafficRoundsOnceHalfUp) {
  EXPECT_EQ(RateByTraffic(MainlandBgp(), 0, 0).amount, Money());
  EXPECT_EQ(RateByTraffic(MainlandBgp(), 6'250'000, 0).amount.ToString(), "0.01");  // 0.005
  EXPECT_EQ(RateByTraffic(MainlandBgp(), 6'249'999, 0).amount.ToString(), "0.00");
  const auto c = RateByTraffic(MainlandBgp(), 1'000'000'000, 2'000'000'000);
  EXPECT_EQ(c.amount.ToString(), "2.40");
  EXPECT_EQ(c.measure.in_bytes, 1'000'000'000);
  EXPECT_EQ(c.measure.per_gb.ToString(), "0.80");
}

TEST(ForwardingRating, ByBandwidthUsesTheLargerDirectionOfTheLargestBucket) {
  Buckets b;
  b.in[10] = BucketBytes(1500);  // 150 Mbps in
  b.out[10] = BucketBytes(900);
  b.out[20] = BucketBytes(2000);  // 200 Mbps out
  const auto c = RateByBandwidth(MainlandBgp(), 100, b.Traffic());
  EXPECT_EQ(c.measure.measure_bps, 200'000'000);
  EXPECT_EQ(c.measure.billable_mbps, 100);
  EXPECT_EQ(c.amount.ToString(), "300.00");
  EXPECT_EQ(*c.measure.bucket_at, kDay + std::chrono::minutes(100));
}

TEST(ForwardingRating, IncludedBandwidthBoundary) {
  Buckets b;
  b.in[0] = BucketBytes(1000);  // exactly 100 Mbps: nothing billable
  EXPECT_EQ(RateByBandwidth(MainlandBgp(), 100, b.Traffic()).measure.billable_mbps, 0);
  b.in[0] += 1;  // 8 bits more in 300 s: a sliver above -> ceil to 1 Mbps
  EXPECT_EQ(RateByBandwidth(MainlandBgp(), 100, b.Traffic()).measure.billable_mbps, 1);
  b.in[0] = BucketBytes(1010);  // exactly 101 Mbps -> 1
  EXPECT_EQ(RateByBandwidth(MainlandBgp(), 100, b.Traffic()).measure.billable_mbps, 1);
}

TEST(ForwardingRating, P95DropsTheTopFivePercentOfTheDaysBuckets) {
  ForwardingPrices p95 = MainlandBgp();
  p95.measure = BandwidthMeasure::kP95;
  Buckets b;
  // 288 buckets: floor(5 % x 288) = 14 dropped; the 15th largest is measured.
  for (int i = 0; i < 15; ++i) b.out[static_cast<size_t>(i * 10)] = BucketBytes(5000 - i * 100);
  const auto c = RateByBandwidth(p95, 100, b.Traffic());
  EXPECT_EQ(c.measure.buckets, 288);
  EXPECT_EQ(c.measure.dropped, 14);
  EXPECT_EQ(c.measure.measure_bps, 360'000'000);  // 500 - 14 x 10 Mbps
  EXPECT_EQ(c.measure.billable_mbps, 260);
  EXPECT_EQ(c.amount.ToString(), "780.00");
  EXPECT_EQ(*c.measure.bucket_at, kDay + std::chrono::minutes(5 * 140));
  // Peak on the same data takes the largest.
  EXPECT_EQ(RateByBandwidth(MainlandBgp(), 100, b.Traffic()).measure.measure_bps, 500'000'000);
}

TEST(ForwardingRating, NoTrafficNoCharge) {
  Buckets b;
  const auto c = RateByBandwidth(MainlandBgp(), 100, b.Traffic());
  EXPECT_EQ(c.amount, Money());
  EXPECT_FALSE(c.measure.bucket_at.has_value());
}

}  // namespace
}  // namespace rampart::billing
