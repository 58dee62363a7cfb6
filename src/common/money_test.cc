#include "common/money.h"

#include <gtest/gtest.h>

namespace rampart::common {
namespace {

TEST(Money, FormatsTwoDecimals) {
  EXPECT_EQ(Money::FromFen(350000).ToString(), "3500.00");
  EXPECT_EQ(Money::FromFen(5).ToString(), "0.05");
  EXPECT_EQ(Money::FromFen(-5).ToString(), "-0.05");
  EXPECT_EQ(Money::FromFen(-123456).ToString(), "-1234.56");
  EXPECT_EQ(Money().ToString(), "0.00");
  EXPECT_EQ(Money::FromFen(INT64_MIN).ToString(), "-92233720368547758.08");
}

TEST(Money, ParsesAmounts) {
  EXPECT_EQ(Money::Parse("3500").value(), Money::FromYuan(3500));
  EXPECT_EQ(Money::Parse("3500.5").value(), Money::FromFen(350050));
  EXPECT_EQ(Money::Parse("0.80").value(), Money::FromFen(80));
  EXPECT_EQ(Money::Parse("-12.34").value(), Money::FromFen(-1234));
}

TEST(Money, RejectsMalformedAmounts) {
  for (const char* bad : {"", "-", "1.", ".5", "1.234", "1e3", " 1", "1 ", "+1", "abc", "1,000",
                          "99999999999999999999", "1.2.3", "--1"}) {
    auto r = Money::Parse(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, common::Code::kInvalidMoney);
  }
}

struct RoundCase {
  __int128 num;
  __int128 den;
  int64_t fen;
};

TEST(Money, RoundsHalfAwayFromZeroOnce) {
  const RoundCase cases[] = {
      {5, 10, 1},    {4, 10, 0},    {15, 10, 2},   {-5, 10, -1},    {-4, 10, 0},
      {-15, 10, -2}, {1, 3, 0},     {2, 3, 1},     {0, 7, 0},       {100, 1, 100},
      {249, 100, 2}, {250, 100, 3}, {251, 100, 3}, {-250, 100, -3},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Money::RoundHalfUp(c.num, c.den).fen(), c.fen)
        << static_cast<long long>(c.num) << "/" << static_cast<long long>(c.den);
  }
}

TEST(Decimal, ParsesAndFormatsExactly) {
  EXPECT_EQ(Decimal::Parse("3.875").value().micros(), 3'875'000);
  EXPECT_EQ(Decimal::Parse("0.15").value().micros(), 150'000);
  EXPECT_EQ(Decimal::Parse("1").value().micros(), 1'000'000);
  EXPECT_EQ(Decimal::Parse("0.000001").value().micros(), 1);
  EXPECT_EQ(Decimal::FromMicros(3'875'000).ToString(), "3.875");
  EXPECT_EQ(Decimal::FromMicros(150'000).ToString(), "0.15");
  EXPECT_EQ(Decimal::FromInt(46).ToString(), "46");
  EXPECT_EQ(Decimal::FromInt(0).ToString(2), "0.00");
  EXPECT_EQ(Decimal::FromMicros(200'000).ToString(2), "0.20");
  EXPECT_EQ(Decimal::FromMicros(125'000).ToString(2), "0.125");
  EXPECT_FALSE(Decimal::Parse("0.0000001").has_value());
  EXPECT_FALSE(Decimal::Parse("-1").has_value());
}

}  // namespace
}  // namespace rampart::common
