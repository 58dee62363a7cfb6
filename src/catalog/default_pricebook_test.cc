// Every list price of product.md §9, transcribed from the spec by hand, against the built-in
// price book (pricebook/default.toml): a typo in the file fails here, since no other test
// holds independent constants for most of these tables.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <span>
#include <stdexcept>

#include "catalog/pricebook.h"
#include "catalog/pricebook_loader.h"

namespace rampart::catalog {
namespace {

const PriceBook& Book() { return DefaultPriceBook(); }
constexpr int64_t kGbps = 1'000'000'000;

// The spec's hdip columns: mainland BGP, three-carrier, overseas.
const char* const kMainland[] = {"cn-south/bgp", "cn-east/bgp", "cn-north/bgp"};
const char* const kThreeCarrier[] = {"cn-east/three-carrier"};
const char* const kOverseas[] = {"ap-hongkong/bgp", "ap-singapore/bgp", "na-siliconvalley/bgp"};

const HdipNetwork& Network(std::string_view name) {
  const size_t slash = name.find('/');
  const HdipNetwork* n = Book().FindHdipNetwork(name.substr(0, slash), name.substr(slash + 1));
  if (!n) throw std::runtime_error("not offered: " + std::string(name));
  return *n;
}

TEST(DefaultPriceBook, OffersExactlyTheSpecsNetworksAndRegions) {
  EXPECT_EQ(Book().hdip_networks.size(), 7u);
  EXPECT_EQ(Book().hdp_regions.size(), 5u);
  for (const char* r : {"cn-north", "cn-east", "cn-south", "ap-hongkong", "ap-singapore"}) {
    EXPECT_NE(Book().FindHdpRegion(r), nullptr) << r;
  }
  EXPECT_EQ(Book().time_zone, "Asia/Shanghai");
  EXPECT_EQ(Book().currency, "CNY");
}

TEST(DefaultPriceBook, HdipBasePerMonth) {
  // base Gbps -> mainland BGP, three-carrier, overseas (0: not offered).
  const std::array<std::array<int64_t, 4>, 6> table = {{{10, 8'600, 6'600, 15'300},
                                                        {20, 16'600, 12'600, 26'000},
                                                        {30, 25'600, 19'600, 38'000},
                                                        {50, 45'000, 34'000, 60'000},
                                                        {100, 135'000, 100'000, 150'000},
                                                        {300, 315'000, 0, 0}}};
  for (const auto& row : table) {
    for (int col = 0; col < 3; ++col) {
      const auto& names = col == 0   ? std::span<const char* const>(kMainland)
                          : col == 1 ? std::span<const char* const>(kThreeCarrier)
                                     : std::span<const char* const>(kOverseas);
      for (const char* name : names) {
        const BaseTier* tier = Book().ClassOf(Network(name)).FindBase(row[0]);
        if (row[col + 1] == 0) {
          EXPECT_EQ(tier, nullptr) << name << " " << row[0] << " G is not offered";
          continue;
        }
        ASSERT_NE(tier, nullptr) << name << " " << row[0] << " G";
        EXPECT_EQ(tier->monthly, Money::FromYuan(row[col + 1])) << name << " " << row[0] << " G";
      }
    }
    // No tier beyond the table's rows.
  }
  for (const char* name : kMainland) EXPECT_EQ(Book().ClassOf(Network(name)).base.size(), 6u);
  for (const char* name : kOverseas) EXPECT_EQ(Book().ClassOf(Network(name)).base.size(), 5u);
  EXPECT_EQ(Book().ClassOf(Network(kThreeCarrier[0])).base.size(), 5u);
}

TEST(DefaultPriceBook, HdipElasticPerDayByRange) {
  // hi Gbps of the range (lo is the previous hi) -> BGP, three-carrier, overseas.
  const std::array<std::array<int64_t, 4>, 16> table = {{{10, 1'000, 900, 1'280},
                                                         {20, 2'200, 2'000, 2'800},
                                                         {30, 3'500, 3'200, 4'500},
                                                         {40, 4'800, 4'400, 6'100},
                                                         {50, 5'700, 5'200, 7'300},
                                                         {60, 6'600, 6'000, 8'400},
                                                         {70, 7'500, 6'800, 9'600},
                                                         {80, 8'400, 7'600, 10'700},
                                                         {90, 9'300, 8'400, 11'900},
                                                         {100, 10'200, 9'200, 13'000},
                                                         {150, 14'000, 12'600, 17'900},
                                                         {200, 18'500, 16'600, 23'600},
                                                         {250, 23'500, 21'100, 30'000},
                                                         {300, 28'000, 25'200, 35'800},
                                                         {350, 32'500, 0, 41'500},
                                                         {400, 36'800, 0, 47'000}}};
  int64_t lo = 0;
  for (const auto& row : table) {
    const int64_t hi = row[0];
    for (int col = 0; col < 3; ++col) {
      const auto& names = col == 0   ? std::span<const char* const>(kMainland)
                          : col == 1 ? std::span<const char* const>(kThreeCarrier)
                                     : std::span<const char* const>(kOverseas);
      for (const char* name : names) {
        const PriceClass& c = Book().ClassOf(Network(name));
        if (row[col + 1] == 0) {
          EXPECT_LE(c.max_ceiling_gbps, lo) << name;
          continue;
        }
        // The range is (lo, hi]: just above lo and exactly hi both fall in it.
        for (const int64_t excess : {lo * kGbps + 1, hi * kGbps}) {
          const ElasticRange* r = c.FindElasticRange(excess);
          ASSERT_NE(r, nullptr) << name << " " << excess;
          EXPECT_EQ(r->daily, Money::FromYuan(row[col + 1]))
              << name << " (" << lo << ", " << hi << "]";
        }
      }
    }
    lo = hi;
  }
  for (const char* name : kMainland) EXPECT_EQ(Book().ClassOf(Network(name)).max_ceiling_gbps, 400);
  for (const char* name : kOverseas) EXPECT_EQ(Book().ClassOf(Network(name)).max_ceiling_gbps, 400);
  EXPECT_EQ(Book().ClassOf(Network(kThreeCarrier[0])).max_ceiling_gbps, 300);
}

TEST(DefaultPriceBook, ForwardingPrices) {
  EXPECT_EQ(Book().included_forwarding_mbps, 100);
  // by traffic per GB, by bandwidth per Mbps per day (in fen).
  const std::pair<const char*, std::pair<int64_t, int64_t>> table[] = {
      {"cn-south/bgp", {80, 300}},          {"cn-east/bgp", {80, 300}},
      {"cn-north/bgp", {80, 300}},          {"ap-hongkong/bgp", {80, 300}},
      {"cn-east/three-carrier", {40, 150}}, {"ap-singapore/bgp", {40, 150}},
      {"na-siliconvalley/bgp", {40, 150}}};
  for (const auto& [name, prices] : table) {
    const ForwardingPrices& f = Network(name).forwarding;
    EXPECT_EQ(f.per_gb, Money::FromFen(prices.first)) << name;
    EXPECT_EQ(f.per_mbps_day, Money::FromFen(prices.second)) << name;
    EXPECT_EQ(f.measure, BandwidthMeasure::kPeak) << name;
  }
}

TEST(DefaultPriceBook, HdpBaseFactorsAndElastic) {
  const int64_t bases[] = {5, 10, 20, 30, 50, 100};
  const int64_t mainland[] = {500, 2'000, 6'000, 9'500, 16'000, 40'000};
  const int64_t overseas[] = {900, 3'500, 10'000, 15'000, 25'000, 60'000};
  const int64_t elastic[] = {2'200,  4'800,  6'600,  8'400,  10'200,
                             12'000, 15'500, 18'000, 21'000, 24'000};
  for (const char* region : {"cn-north", "cn-east", "cn-south", "ap-hongkong", "ap-singapore"}) {
    const bool abroad = std::string_view(region).starts_with("ap-");
    const PriceClass& c = Book().ClassOf(*Book().FindHdpRegion(region));
    ASSERT_EQ(c.base.size(), 6u) << region;
    for (size_t i = 0; i < 6; ++i) {
      const BaseTier* tier = c.FindBase(bases[i]);
      ASSERT_NE(tier, nullptr) << region << " " << bases[i];
      EXPECT_EQ(tier->monthly, Money::FromYuan(abroad ? overseas[i] : mainland[i]))
          << region << " " << bases[i] << " G";
    }
    EXPECT_EQ(c.max_ceiling_gbps, 200) << region;
    ASSERT_EQ(c.elastic.size(), 10u) << region;
    for (int64_t i = 0; i < 10; ++i) {
      // Overseas: × 1.3, exact in fen (every price is a multiple of 10 yuan).
      const Money want = Money::FromFen(elastic[i] * 100 * (abroad ? 13 : 10) / 10);
      for (const int64_t excess : {i * 20 * kGbps + 1, (i + 1) * 20 * kGbps}) {
        const ElasticRange* r = c.FindElasticRange(excess);
        ASSERT_NE(r, nullptr) << region << " " << excess;
        EXPECT_EQ(r->daily, want) << region << " (" << i * 20 << ", " << (i + 1) * 20 << "]";
      }
    }
  }
  const std::pair<int64_t, const char*> factors[] = {{1, "1"},     {5, "3.875"}, {10, "7"},
                                                     {20, "12.5"}, {50, "26"},   {100, "46.5"}};
  ASSERT_EQ(Book().hdp_ip_factors.size(), 6u);
  for (const auto& [ips, factor] : factors) {
    const IpCountFactor* f = Book().FindIpFactor(ips);
    ASSERT_NE(f, nullptr) << ips;
    EXPECT_EQ(f->factor, Decimal::Parse(factor).value()) << ips << " IPs";
  }
}

TEST(DefaultPriceBook, TermsDurationsAndDiscounts) {
  for (int64_t m = 1; m <= 12; ++m) EXPECT_TRUE(Book().MonthsAllowed(m)) << m;
  for (int64_t m : {24, 36}) EXPECT_TRUE(Book().MonthsAllowed(m)) << m;
  for (int64_t m : {0, 13, 18, 23, 25, 48}) EXPECT_FALSE(Book().MonthsAllowed(m)) << m;
  const std::pair<int64_t, const char*> discounts[] = {
      {1, "0"}, {5, "0"}, {6, "0.15"}, {11, "0.15"}, {12, "0.2"}, {24, "0.2"}, {36, "0.2"}};
  for (const auto& [months, off] : discounts) {
    EXPECT_EQ(Book().DiscountFor(months), Decimal::Parse(off).value()) << months << " months";
  }
  EXPECT_EQ(Book().terms.max_quantity, 10);
  EXPECT_EQ(Book().terms.hdp_first_purchase_min_months, 3);
}

}  // namespace
}  // namespace rampart::catalog
