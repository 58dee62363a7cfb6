#include "metering/sample.h"

#include <gtest/gtest.h>

namespace rampart::metering {
namespace {

using common::ParseRfc3339;

UsageSample Good() {
  UsageSample s;
  s.ip = common::IpAddress::Parse("203.0.113.7").value();
  s.window_start = ParseRfc3339("2026-11-26T02:00:00Z").value();
  s.window_s = 60;
  s.attack_bps = 45'000'000'000;
  s.in_bytes = 1'200'000;
  s.out_bytes = 3'400'000;
  return s;
}

const common::Instant kNow = ParseRfc3339("2026-11-26T02:03:00Z").value();

TEST(ValidateSample, AcceptsAGoodSample) {
  EXPECT_FALSE(ValidateSample(Good(), kNow).has_value());
  UsageSample s = Good();
  s.window_s = 300;
  EXPECT_FALSE(ValidateSample(s, kNow).has_value());
  s.attack_bps = kMaxAttackBps;  // exactly 100 Tbps is allowed
  EXPECT_FALSE(ValidateSample(s, kNow).has_value());
}

struct Bad {
  const char* name;
  void (*mutate)(UsageSample&);
  const char* code;
  const char* field;
};

class ValidateSampleRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(ValidateSampleRejects, WithOneReason) {
  UsageSample s = Good();
  GetParam().mutate(s);
  auto e = ValidateSample(s, kNow);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(common::WireName(e->code), GetParam().code);
  EXPECT_EQ(e->field, GetParam().field);
  EXPECT_FALSE(e->message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, ValidateSampleRejects,
    ::testing::Values(
        Bad{"WindowLength", [](UsageSample& s) { s.window_s = 120; }, "invalid_window", "window_s"},
        Bad{"ZeroWindow", [](UsageSample& s) { s.window_s = 0; }, "invalid_window", "window_s"},
        Bad{"Unaligned", [](UsageSample& s) { s.window_start += std::chrono::seconds(30); },
            "unaligned_window", "window_start"},
        Bad{"Unaligned300",
            [](UsageSample& s) {
              s.window_s = 300;
              s.window_start += std::chrono::seconds(60);
            },
            "unaligned_window", "window_start"},
        Bad{"NegativeAttack", [](UsageSample& s) { s.attack_bps = -1; }, "negative_value",
            "attack_bps"},
        Bad{"NegativeIn", [](UsageSample& s) { s.in_bytes = -5; }, "negative_value", "in_bytes"},
        Bad{"NegativeOut", [](UsageSample& s) { s.out_bytes = -5; }, "negative_value", "out_bytes"},
        Bad{"AbsurdAttack", [](UsageSample& s) { s.attack_bps = kMaxAttackBps + 1; },
            "absurd_value", "attack_bps"},
        Bad{"AbsurdBytes", [](UsageSample& s) { s.out_bytes = kMaxAttackBps / 8 * 60 + 1; },
            "absurd_value", "out_bytes"},
        Bad{"Future", [](UsageSample& s) { s.window_start = kNow + std::chrono::minutes(6); },
            "future_window", "window_start"},
        Bad{"TooOld",
            [](UsageSample& s) {
              s.window_start = kNow - std::chrono::hours(72) - std::chrono::minutes(1);
            },
            "too_old", "window_start"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ValidateSample, AgeLimitsAreInclusive) {
  UsageSample s = Good();
  s.window_start = kNow + std::chrono::minutes(5);
  EXPECT_FALSE(ValidateSample(s, kNow).has_value());
  s.window_start = kNow - std::chrono::hours(72);
  EXPECT_FALSE(ValidateSample(s, kNow).has_value());
  // Offline (no "now"), age is not checked.
  s.window_start = kNow - std::chrono::hours(1000);
  EXPECT_FALSE(ValidateSample(s, std::nullopt).has_value());
}

}  // namespace
}  // namespace rampart::metering
