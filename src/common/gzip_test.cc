#include "common/gzip.h"

#include <gtest/gtest.h>

namespace rampart::common {
namespace {

TEST(Gzip, RoundTripsThroughGunzipAndBadStreamsAreRefused) {
  const std::string text(100000, 'x');
  EXPECT_EQ(Gunzip(Gzip(text), 1 << 20).value(), text);
  const std::string gz = Gzip("hello");
  EXPECT_EQ(Gunzip(gz.substr(0, gz.size() - 5), 1 << 20).error().code, common::Code::kInvalidGzip);
  EXPECT_EQ(Gunzip("not gzip at all", 1 << 20).error().code, common::Code::kInvalidGzip);
  EXPECT_EQ(Gunzip(Gzip(std::string(2 << 20, 'a')), 1 << 20).error().code,
            common::Code::kPayloadTooLarge);
}

TEST(Gzip, TheCapIsExactAndBoundsWhatIsHeld) {
  const std::string exact(1 << 20, 'a');
  auto at_cap = Gunzip(Gzip(exact), exact.size());
  ASSERT_TRUE(at_cap);
  EXPECT_EQ(*at_cap, exact);
  EXPECT_LE(at_cap->capacity(), 2 * exact.size());
  EXPECT_EQ(Gunzip(Gzip(exact + "b"), exact.size()).error().code, common::Code::kPayloadTooLarge);
}

}  // namespace
}  // namespace rampart::common
