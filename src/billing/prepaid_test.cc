#include "billing/prepaid.h"

#include <gtest/gtest.h>

#include "catalog/pricebook_loader.h"

namespace rampart::billing {
namespace {

using catalog::DefaultPriceBook;
using catalog::Product;

ProtectionSpec Hdip(int64_t base, int64_t elastic = 0, std::string region = "cn-south",
                    std::string line = "bgp") {
  ProtectionSpec s;
  s.product = Product::kHdip;
  s.region = std::move(region);
  s.line = std::move(line);
  s.base_gbps = base;
  s.elastic_gbps = elastic;
  return s;
}

ProtectionSpec Hdp(int64_t base, int64_t ips, std::string region = "cn-east") {
  ProtectionSpec s;
  s.product = Product::kHdp;
  s.region = std::move(region);
  s.scope = ips == 1 ? Scope::kSingle : Scope::kMulti;
  s.ip_count = ips;
  s.base_gbps = base;
  return s;
}

PurchaseOptions Order(ProtectionSpec spec, int64_t months, int64_t quantity = 1) {
  return PurchaseOptions{std::move(spec), quantity, months, false};
}

std::string Amount(const Result<Quote>& q) {
  EXPECT_TRUE(q.has_value()) << (q ? "" : q.error().message);
  return q ? q->amount.ToString() : "";
}

TEST(Prepaid, DurationDiscountsApplyFromSixAndTwelveMonths) {
  const auto& pb = DefaultPriceBook();
  EXPECT_EQ(Amount(QuotePurchase(pb, Order(Hdip(10), 5), true)), "43000.00");    // 8,600 x 5
  EXPECT_EQ(Amount(QuotePurchase(pb, Order(Hdip(10), 6), true)), "43860.00");    // x 6 x 0.85
  EXPECT_EQ(Amount(QuotePurchase(pb, Order(Hdip(10), 11), true)), "80410.00");   // x 11 x 0.85
  EXPECT_EQ(Amount(QuotePurchase(pb, Order(Hdip(10), 12), true)), "82560.00");   // x 12 x 0.8
  EXPECT_EQ(Amount(QuotePurchase(pb, Order(Hdip(10), 36), true)), "247680.00");  // x 36 x 0.8
}

TEST(Prepaid, QuoteLineShowsItsParts) {
  auto q = QuotePurchase(DefaultPriceBook(), Order(Hdp(20, 5), 6, 2), true);
  ASSERT_TRUE(q.has_value());
  ASSERT_EQ(q->lines.size(), 1u);
  const QuoteLine& l = q->lines[0];
  EXPECT_EQ(l.description, "hdp cn-east, 5 IPs, base 20 Gbps");
  EXPECT_EQ(l.unit_price.ToString(), "23250.00");  // 6,000 x 3.875
  EXPECT_EQ(l.months, 6);
  EXPECT_EQ(l.quantity, 2);
  EXPECT_EQ(l.discount.ToString(), "0.15");
  EXPECT_EQ(l.amount.ToString(), "237150.00");  // 23,250 x 6 x 2 x 0.85
}

TEST(Prepaid, RoundsOnceAtTheLine) {
  // 500 x 3.875 = 1,937.50 a month; x 7 months x 0.85 = 11,528.125 -> 11,528.13 (half up).
  EXPECT_EQ(Amount(QuotePurchase(DefaultPriceBook(), Order(Hdp(5, 5), 7), true)), "11528.13");
}

TEST(Prepaid, OverseasAndThreeCarrierPrices) {
  const auto& pb = DefaultPriceBook();
  EXPECT_EQ(Amount(QuotePurchase(pb, Order(Hdip(100, 0, "ap-hongkong"), 1), true)), "150000.00");
  EXPECT_EQ(Amount(QuotePurchase(pb, Order(Hdip(50, 0, "cn-east", "three-carrier"), 1), true)),
            "34000.00");
  EXPECT_EQ(Amount(QuotePurchase(pb, Order(Hdp(100, 100, "ap-singapore"), 3), true)),
            "8370000.00");  // 60,000 x 46.5 x 3
}

struct BadOption {
  const char* name;
  PurchaseOptions options;
  bool first_hdp;
  std::string field;
  std::string message_part;
};

class PrepaidRejects : public ::testing::TestWithParam<BadOption> {};

TEST_P(PrepaidRejects, NamesTheOptionAndTheAllowedValues) {
  const BadOption& c = GetParam();
  auto q = QuotePurchase(DefaultPriceBook(), c.options, c.first_hdp);
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().code, common::Code::kInvalidOption);
  EXPECT_EQ(q.error().field, c.field);
  EXPECT_NE(q.error().message.find(c.message_part), std::string::npos) << q.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    EveryOption, PrepaidRejects,
    ::testing::Values(
        BadOption{"BaseNotInTable", Order(Hdip(25), 1), true, "base_gbps",
                  "base_gbps 25 is not offered for hdip cn-south/bgp; allowed: 10, 20, 30, 50, "
                  "100, 300"},
        BadOption{"ThreeCarrierHasNo300", Order(Hdip(300, 0, "cn-east", "three-carrier"), 1), true,
                  "base_gbps", "allowed: 10, 20, 30, 50, 100"},
        BadOption{"CeilingNotAboveBase", Order(Hdip(20, 20), 1), true, "elastic_gbps",
                  "must be 0 (elastic off) or above base_gbps 20 and at most 400"},
        BadOption{"CeilingBelowBase", Order(Hdip(30, 10), 1), true, "elastic_gbps",
                  "above base_gbps 30"},
        BadOption{"CeilingAboveMaximum", Order(Hdip(20, 401), 1), true, "elastic_gbps",
                  "at most 400"},
        BadOption{"ThreeCarrierCeiling", Order(Hdip(20, 301, "cn-east", "three-carrier"), 1), true,
                  "elastic_gbps", "at most 300"},
        BadOption{"UnknownRegion", Order(Hdip(20, 0, "eu-west"), 1), true, "region",
                  "networks: cn-south/bgp, cn-east/bgp"},
        BadOption{"UnknownLine", Order(Hdip(20, 0, "cn-south", "three-carrier"), 1), true, "line",
                  "hdip is not offered on cn-south/three-carrier"},
        BadOption{"UnknownHdpRegion", Order(Hdp(20, 1, "na-siliconvalley"), 3), true, "region",
                  "regions: cn-north, cn-east, cn-south, ap-hongkong, ap-singapore"},
        BadOption{"IpCountNotOffered", Order(Hdp(20, 7), 3), true, "ip_count",
                  "allowed: 5, 10, 20, 50, 100"},
        BadOption{"QuantityZero", Order(Hdip(20), 1, 0), true, "quantity", "allowed: 1-10"},
        BadOption{"QuantityEleven", Order(Hdip(20), 1, 11), true, "quantity", "quantity 11"},
        BadOption{"ThirteenMonths", Order(Hdip(20), 13), true, "months", "allowed: 1-12, 24, 36"},
        BadOption{"ZeroMonths", Order(Hdip(20), 0), true, "months", "months 0"},
        BadOption{"FirstHdpUnderThreeMonths", Order(Hdp(20, 5), 2), true, "months",
                  "a first hdp purchase is at least 3 months"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Prepaid, HdpCeilingIsAtMost200) {
  ProtectionSpec s = Hdp(20, 1);
  s.elastic_gbps = 201;
  auto q = QuotePurchase(DefaultPriceBook(), Order(s, 3), true);
  ASSERT_FALSE(q.has_value());
  EXPECT_NE(q.error().message.find("at most 200"), std::string::npos);
  s.elastic_gbps = 200;
  EXPECT_TRUE(QuotePurchase(DefaultPriceBook(), Order(s, 3), true).has_value());
}

TEST(Prepaid, SingleScopeMeansOneIp) {
  ProtectionSpec s = Hdp(20, 1);
  s.ip_count = 5;
  auto q = QuotePurchase(DefaultPriceBook(), Order(s, 3), true);
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().field, "ip_count");
}

TEST(Prepaid, LaterHdpPurchasesMayBeShort) {
  EXPECT_EQ(Amount(QuotePurchase(DefaultPriceBook(), Order(Hdp(20, 1), 1), false)), "6000.00");
}

TEST(Prepaid, RenewalUsesTheDurationDiscount) {
  const auto& pb = DefaultPriceBook();
  EXPECT_EQ(Amount(QuoteRenewal(pb, Hdip(20, 50), 1)), "16600.00");
  EXPECT_EQ(Amount(QuoteRenewal(pb, Hdip(20, 50), 12)), "159360.00");  // 16,600 x 12 x 0.8
  EXPECT_EQ(Amount(QuoteRenewal(pb, Hdp(20, 5), 1)), "23250.00");      // no first-purchase rule
  EXPECT_EQ(QuoteRenewal(pb, Hdip(20), 13).error().field, "months");
}

TEST(Prepaid, UpgradeIsProratedToTheSecond) {
  const auto& pb = DefaultPriceBook();
  // product.md §10 example 7: 9,000 x 21 x 12 / 365 = 6,213.70.
  auto u = QuoteUpgrade(pb, Hdip(20), 30, std::chrono::days(21));
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->quote.amount.ToString(), "6213.70");
  // One second less than 21 days: 9,000 x 1,814,399 s x 12 / (365 x 86,400) = 6,213.6950...
  EXPECT_EQ(QuoteUpgrade(pb, Hdip(20), 30, std::chrono::days(21) - std::chrono::seconds(1))
                .value()
                .quote.amount.ToString(),
            "6213.70");
  EXPECT_EQ(QuoteUpgrade(pb, Hdip(20), 30, std::chrono::seconds(1)).value().quote.amount.ToString(),
            "0.00");
  EXPECT_EQ(QuoteUpgrade(pb, Hdip(20), 30, std::chrono::hours(1)).value().quote.amount.ToString(),
            "12.33");  // 9,000 x 3,600 x 12 / 31,536,000 = 12.328...
  // An hdp packet's factor applies to the difference: (9,500 - 6,000) x 3.875 x 30 days.
  EXPECT_EQ(QuoteUpgrade(pb, Hdp(20, 5), 30, std::chrono::days(30)).value().quote.amount.ToString(),
            "13376.71");
}

TEST(Prepaid, SpecExampleOfTheUpgradeFormula) {
  // 5,200 x 21 / (365/12) = 3,590.14: a monthly difference of 5,200 exists between two
  // tiers of a price book with 10 -> 5,000 and 20 -> 10,200.
  auto pb = catalog::DefaultPriceBook();
  pb.hdip_classes[pb.FindHdipNetwork("cn-south", "bgp")->price_class].base = {
      {10, Money::FromYuan(5000)}, {20, Money::FromYuan(10200)}};
  EXPECT_EQ(QuoteUpgrade(pb, Hdip(10), 20, std::chrono::days(21)).value().quote.amount.ToString(),
            "3590.14");
}

TEST(Prepaid, UpgradeSwitchesElasticOffWhenTheBaseReachesIt) {
  const auto& pb = DefaultPriceBook();
  EXPECT_TRUE(
      QuoteUpgrade(pb, Hdip(20, 30), 30, std::chrono::days(1)).value().elastic_switched_off);
  EXPECT_TRUE(
      QuoteUpgrade(pb, Hdip(20, 30), 50, std::chrono::days(1)).value().elastic_switched_off);
  EXPECT_FALSE(
      QuoteUpgrade(pb, Hdip(20, 50), 30, std::chrono::days(1)).value().elastic_switched_off);
  EXPECT_FALSE(
      QuoteUpgrade(pb, Hdip(20, 0), 30, std::chrono::days(1)).value().elastic_switched_off);
}

TEST(Prepaid, UpgradeOnlyGoesUp) {
  const auto& pb = DefaultPriceBook();
  EXPECT_EQ(QuoteUpgrade(pb, Hdip(30), 20, std::chrono::days(1)).error().field, "base_gbps");
  EXPECT_EQ(QuoteUpgrade(pb, Hdip(30), 30, std::chrono::days(1)).error().field, "base_gbps");
  EXPECT_EQ(QuoteUpgrade(pb, Hdip(30), 40, std::chrono::days(1)).error().field, "base_gbps");
  EXPECT_EQ(QuoteUpgrade(pb, Hdip(20), 30, std::chrono::seconds(0)).error().code,
            common::Code::kExpired);
}

TEST(Prepaid, CancelRefundsTheUnusedValueOfEveryPayment) {
  using common::Instant;
  const Instant start = common::ParseRfc3339("2026-11-01T00:00:00Z").value();
  const Instant end = start + std::chrono::days(30);
  const PaidPeriod order{Money::FromYuan(16600), start, end};
  EXPECT_EQ(UnusedValue({order}, start).ToString(), "16600.00");
  // Day 4: 26 of 30 days left: 16,600 x 26 / 30 = 14,386.666... -> 14,386.67.
  EXPECT_EQ(UnusedValue({order}, start + std::chrono::days(4)).ToString(), "14386.67");
  EXPECT_EQ(UnusedValue({order}, end).ToString(), "0.00");
  // A renewal (not begun: whole) and an upgrade from day 2 (28 days, 26 left), each rounded
  // as its own line: 1,000.00 x 26 / 28 = 928.571... -> 928.57.
  const PaidPeriod renewal{Money::FromYuan(50000), end, end + std::chrono::days(90)};
  const PaidPeriod upgrade{Money::FromYuan(1000), start + std::chrono::days(2), end};
  EXPECT_EQ(UnusedValue({order, renewal, upgrade}, start + std::chrono::days(4)).ToString(),
            "65315.24");  // 14,386.67 + 50,000.00 + 928.57
  // Half a fen goes up: 0.03 x 1 / 2 = 0.015 -> 0.02.
  EXPECT_EQ(UnusedValue({{Money::FromFen(3), start, start + std::chrono::seconds(2)}},
                        start + std::chrono::seconds(1))
                .ToString(),
            "0.02");
  EXPECT_EQ(UnusedValue({}, start).ToString(), "0.00");
}

}  // namespace
}  // namespace rampart::billing
