#include "catalog/pricebook_loader.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::catalog {
namespace {

// The default price book with `from` replaced by `to` (which must occur exactly once).
std::string DefaultWith(const std::string& from, const std::string& to) {
  std::string text(DefaultPriceBookText());
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "ambiguous: " << from;
  return text.replace(at, from.size(), to);
}

// The 1-based line of the first occurrence of `needle` in the default price book.
int LineOf(const std::string& needle) {
  const std::string text(DefaultPriceBookText());
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

std::string Problems(const std::string& text) {
  auto pb = ParsePriceBook(text, "book.toml");
  EXPECT_FALSE(pb.has_value());
  if (pb) return "";
  EXPECT_EQ(pb.error().code, common::Code::kBadPricebook);
  return pb.error().message;
}

TEST(PriceBookLoader, DefaultMatchesProductSpec) {
  const PriceBook& pb = DefaultPriceBook();
  EXPECT_EQ(pb.time_zone, "Asia/Shanghai");
  EXPECT_EQ(pb.AllowedMonths(), "1-12, 24, 36");
  EXPECT_EQ(pb.terms.max_quantity, 10);
  EXPECT_EQ(pb.DiscountFor(5).micros(), 0);
  EXPECT_EQ(pb.DiscountFor(6).micros(), 150'000);
  EXPECT_EQ(pb.DiscountFor(11).micros(), 150'000);
  EXPECT_EQ(pb.DiscountFor(12).micros(), 200'000);
  EXPECT_EQ(pb.DiscountFor(36).micros(), 200'000);
  EXPECT_EQ(pb.hdip_networks.size(), 7u);
  EXPECT_EQ(pb.hdp_regions.size(), 5u);
  const auto* south = pb.FindHdipNetwork("cn-south", "bgp");
  ASSERT_NE(south, nullptr);
  EXPECT_EQ(pb.ClassOf(*south).FindBase(300)->monthly, Money::FromYuan(315000));
  EXPECT_EQ(south->forwarding.per_gb, Money::FromFen(80));
  EXPECT_EQ(south->forwarding.per_mbps_day, Money::FromFen(300));
  const auto* tc = pb.FindHdipNetwork("cn-east", "three-carrier");
  ASSERT_NE(tc, nullptr);
  EXPECT_EQ(pb.ClassOf(*tc).FindBase(300), nullptr);
  EXPECT_EQ(pb.ClassOf(*tc).max_ceiling_gbps, 300);
  EXPECT_EQ(pb.FindHdipNetwork("ap-singapore", "bgp")->forwarding.per_gb, Money::FromFen(40));
  EXPECT_EQ(pb.FindHdipNetwork("ap-hongkong", "bgp")->forwarding.per_mbps_day, Money::FromFen(300));
  EXPECT_EQ(pb.FindIpFactor(5)->factor.micros(), 3'875'000);
  EXPECT_EQ(pb.FindIpFactor(100)->factor.micros(), 46'500'000);
  const auto& overseas_hdp = pb.ClassOf(*pb.FindHdpRegion("ap-hongkong"));
  EXPECT_EQ(overseas_hdp.elastic.back().daily, Money::FromYuan(31200));  // 24,000 x 1.3
  EXPECT_EQ(overseas_hdp.FindBase(5)->monthly, Money::FromYuan(900));
}

struct BadCase {
  const char* name;
  std::string from;
  std::string to;
  std::string expected;  // a substring of the report
  std::string line_of;   // the report names the line of this text in the default book
};

class PriceBookLoaderRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(PriceBookLoaderRejects, NamesFileLineAndReason) {
  const BadCase& c = GetParam();
  const std::string report = Problems(DefaultWith(c.from, c.to));
  EXPECT_NE(report.find(c.expected), std::string::npos) << report;
  if (!c.line_of.empty()) {
    const std::string where = "book.toml:" + std::to_string(LineOf(c.line_of)) + ": ";
    EXPECT_NE(report.find(where), std::string::npos) << "expected " << where << " in\n" << report;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, PriceBookLoaderRejects,
    ::testing::Values(
        BadCase{"BadTimeZone", "\"Asia/Shanghai\"", "\"Asia/Nowhere\"", "Asia/Nowhere",
                "time_zone ="},
        BadCase{"UnknownTopLevelKey", "currency = \"CNY\"", "currency = \"CNY\"\nvat = 6",
                "unknown key \"vat\" in the price book", ""},
        BadCase{"UnknownTierKey", "{ gbps = 10, monthly = 8600 }",
                "{ gbps = 10, monthly = 8600, yearly = 90000 }", "unknown key \"yearly\"",
                "{ gbps = 10, monthly = 8600 }"},
        BadCase{"BaseTierWithoutPrice", "{ gbps = 20, monthly = 16600 }", "{ gbps = 20 }",
                "base tier without a monthly price", "{ gbps = 20, monthly = 16600 }"},
        BadCase{"UnsortedBase", "{ gbps = 30, monthly = 25600 }", "{ gbps = 15, monthly = 25600 }",
                "sorted by gbps", "{ gbps = 30, monthly = 25600 }"},
        BadCase{"DuplicateBase", "{ gbps = 30, monthly = 25600 }", "{ gbps = 20, monthly = 25600 }",
                "without repeats", ""},
        BadCase{"NegativeMonthly", "{ gbps = 10, monthly = 8600 }",
                "{ gbps = 10, monthly = -8600 }", "negative price",
                "{ gbps = 10, monthly = 8600 }"},
        BadCase{"NegativeDaily", "{ from = 0, to = 10, daily = 1000 }",
                "{ from = 0, to = 10, daily = -1000 }", "negative price", ""},
        BadCase{"NegativeForwardingPrice",
                "region = \"cn-south\"\nline = \"bgp\"\nclass = "
                "\"mainland_bgp\"\nforwarding = { per_gb = 0.80",
                "region = \"cn-south\"\nline = \"bgp\"\nclass = \"mainland_bgp\"\nforwarding = { "
                "per_gb = -0.80",
                "per_gb = -0.8 is a negative price", ""},
        BadCase{"ThreeDecimalPrice", "{ from = 10, to = 20, daily = 2200 }",
                "{ from = 10, to = 20, daily = 2200.005 }", "at most two decimals", ""},
        BadCase{"GapInRanges", "{ from = 20, to = 30, daily = 3500 }",
                "{ from = 25, to = 30, daily = 3500 }", "leaves a gap: no range covers (20, 25]",
                "{ from = 20, to = 30, daily = 3500 }"},
        BadCase{"OverlappingRanges", "{ from = 20, to = 30, daily = 3500 }",
                "{ from = 15, to = 30, daily = 3500 }", "overlaps the range before it", ""},
        BadCase{"RangesMissingTheStart",
                "{ from = 0, to = 10, daily = 1000 },\n  { from = 10, to = 20, daily = 2200 },\n  "
                "{ from = 20, to = 30, daily = 3500 },\n  { from = 30, to = 40, daily = 4800 },\n  "
                "{ from = 40, to = 50, daily = 5700 },\n  { from = 50, to = 60, daily = 6600 },\n  "
                "{ from = 60, to = 70, daily = 7500 },\n  { from = 70, to = 80, daily = 8400 },\n  "
                "{ from = 80, to = 90, daily = 9300 },\n  { from = 90, to = 100, daily = 10200 "
                "},\n  { from = 100, to = 150, daily = 14000 },\n  { from = 150, to = 200, daily = "
                "18500 },\n  { from = 200, to = 250, daily = 23500 },\n  { from = 250, to = 300, "
                "daily = 28000 },\n  { from = 300, to = 350, daily = 32500 },",
                "{ from = 10, to = 20, daily = 2200 },\n  { from = 20, to = 30, daily = 3500 },\n  "
                "{ from = 30, to = 40, daily = 4800 },\n  { from = 40, to = 50, daily = 5700 },\n  "
                "{ from = 50, to = 60, daily = 6600 },\n  { from = 60, to = 70, daily = 7500 },\n  "
                "{ from = 70, to = 80, daily = 8400 },\n  { from = 80, to = 90, daily = 9300 },\n  "
                "{ from = 90, to = 100, daily = 10200 },\n  { from = 100, to = 150, daily = 14000 "
                "},\n  { from = 150, to = 200, daily = 18500 },\n  { from = 200, to = 250, daily = "
                "23500 },\n  { from = 250, to = 300, daily = 28000 },\n  { from = 300, to = 350, "
                "daily = 32500 },",
                "no range covers (0, 10]", ""},
        BadCase{"ReversedRange", "{ from = 30, to = 40, daily = 4800 }",
                "{ from = 30, to = 30, daily = 4800 }", "empty or reversed: (30, 30]", ""},
        BadCase{"CeilingBeyondLastRange", "[hdp.classes.mainland]\nmax_ceiling_gbps = 200",
                "[hdp.classes.mainland]\nmax_ceiling_gbps = 220",
                "max_ceiling_gbps = 220 is beyond the last elastic range, which ends at 200", ""},
        BadCase{"NoTiers",
                "[hdp.classes.mainland]\nmax_ceiling_gbps = 200\nbase = [\n  { gbps = 5, monthly = "
                "500 },\n  { gbps = 10, monthly = 2000 },\n  { gbps = 20, monthly = 6000 },\n  { "
                "gbps = 30, monthly = 9500 },\n  { gbps = 50, monthly = 16000 },\n  { gbps = 100, "
                "monthly = 40000 },\n]",
                "[hdp.classes.mainland]\nmax_ceiling_gbps = 200\nbase = []", "has no tiers", ""},
        BadCase{"MissingElastic", "[hdp.classes.overseas]\nmax_ceiling_gbps = 200\n",
                "[hdp.classes.overseas]\nmax_ceiling_gbps = 200\nelastic_ = 1\n",
                "unknown key \"elastic_\"", ""},
        BadCase{"UnknownClass", "class = \"three_carrier\"", "class = \"three-carrier\"",
                "\"three-carrier\" is not a defined price class", "class = \"three_carrier\""},
        BadCase{"DuplicateNetwork", "region = \"cn-east\"\nline = \"bgp\"",
                "region = \"cn-south\"\nline = \"bgp\"", "cn-south/bgp is defined twice", ""},
        BadCase{"BadMeasure",
                "per_gb = 0.40, per_mbps_day = 1.50, measure = \"peak\" "
                "}\n\n[[hdip.networks]]\nregion = \"ap-hongkong\"",
                "per_gb = 0.40, per_mbps_day = 1.50, measure = \"p99\" "
                "}\n\n[[hdip.networks]]\nregion = \"ap-hongkong\"",
                "must be \"peak\" or \"p95\"", ""},
        BadCase{"WrongType", "max_quantity = 10", "max_quantity = \"ten\"",
                "terms.max_quantity must be an integer", "max_quantity = 10"},
        BadCase{"UnsortedMonths", "months = [1, 2, 3", "months = [2, 1, 3",
                "terms.months must be sorted", ""},
        BadCase{"DiscountOfOneHundredPercent", "{ min_months = 12, off = 0.20 }",
                "{ min_months = 12, off = 1.0 }", "off must be below 1", ""},
        BadCase{"MissingSingleIpFactor", "{ ips = 1, factor = 1 },\n", "", "needs { ips = 1, ... }",
                ""},
        BadCase{"DuplicateRegion", "region = \"cn-south\"\nclass = \"mainland\"",
                "region = \"cn-north\"\nclass = \"mainland\"", "cn-north is defined twice", ""},
        BadCase{"NotToml", "[terms]", "[terms", "not valid TOML", ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PriceBookLoader, ReportsEveryProblemAtOnce) {
  std::string text = DefaultWith("{ gbps = 20, monthly = 16600 }", "{ gbps = 20 }");
  text = text.replace(text.find("\"Asia/Shanghai\""), 15, "\"Nowhere\"");
  const std::string report = Problems(text);
  EXPECT_NE(report.find("base tier without a monthly price"), std::string::npos);
  EXPECT_NE(report.find("Nowhere"), std::string::npos);
  EXPECT_EQ(std::count(report.begin(), report.end(), '\n'), 1) << report;
}

TEST(PriceBookLoader, ReadsFloatPricesExactly) {
  const std::string south =
      "region = \"cn-south\"\nline = \"bgp\"\nclass = \"mainland_bgp\"\nforwarding = { ";
  auto pb = ParsePriceBook(
      DefaultWith(south + "per_gb = 0.80, per_mbps_day = 3.00, measure = \"peak\"",
                  south + "per_gb = 0.29, per_mbps_day = \"1.10\", measure = \"p95\""),
      "x.toml");
  ASSERT_TRUE(pb.has_value()) << pb.error().message;
  const auto* n = pb->FindHdipNetwork("cn-south", "bgp");
  EXPECT_EQ(n->forwarding.per_gb, Money::FromFen(29));  // 0.29 is not exact in binary
  EXPECT_EQ(n->forwarding.per_mbps_day, Money::FromFen(110));
  EXPECT_EQ(n->forwarding.measure, BandwidthMeasure::kP95);
}

TEST(PriceBookLoader, MissingSectionIsNamed) {
  std::string text(DefaultPriceBookText());
  const size_t from = text.find("[[hdip.networks]]");
  const size_t to = text.find("# ------", from);
  text.erase(from, to - from);
  EXPECT_NE(Problems(text).find("hdip is missing \"networks\""), std::string::npos);
}

// fuzz_pricebook found toml11 reading past the end of a truncated UTF-8 sequence (ASan
// reports it here too); text that is not UTF-8 is refused first, with its line.
TEST(PriceBookLoader, TextThatIsNotUtf8IsRefusedWithItsLine) {
  for (const std::string bad : {"a = 1\n'83\x91'83\x91 = 2\n", "x = '\xce", "k = \"\xc0\xaf\"",
                                "k = '\xed\xa0\x80'", "\xf4\x90\x80\x80 = 1"}) {
    auto pb = ParsePriceBook(bad, "book.toml");
    ASSERT_FALSE(pb.has_value()) << bad;
    EXPECT_NE(pb.error().message.find("is not UTF-8"), std::string::npos) << pb.error().message;
  }
  EXPECT_NE(Problems("a = 1\n'83\x91' = 2\n").find("line 2 is not UTF-8"), std::string::npos);
  // UTF-8 itself is fine: a price book in Chinese gets past the check to the real ones.
  EXPECT_EQ(Problems("# 价目表\n").find("UTF-8"), std::string::npos);
}

TEST(PriceBookLoader, UnreadableFileIsAnError) {
  auto pb = LoadPriceBookFile("/nonexistent/book.toml");
  ASSERT_FALSE(pb.has_value());
  EXPECT_NE(pb.error().message.find("/nonexistent/book.toml: cannot be read"), std::string::npos);
}

}  // namespace
}  // namespace rampart::catalog
