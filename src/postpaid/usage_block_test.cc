#include "postpaid/usage_block.h"

#include <gtest/gtest.h>

namespace rampart::postpaid {
namespace {

TEST(UsageBlock, RoundTripsSparseAndFullDays) {
  UsageBlock sparse(1440);
  sparse.Set(0, {1, 2, 3});
  sparse.Set(1439, {-4, 5, 6});
  const std::string bytes = sparse.Encode();
  EXPECT_EQ(bytes.size(), 8u + 180u + 2 * 24u);
  auto back = UsageBlock::Decode(bytes).value();
  EXPECT_TRUE(back.present(0));
  EXPECT_FALSE(back.present(1));
  EXPECT_EQ(back.at(1439), (WindowValues{-4, 5, 6}));
  UsageBlock full(288);
  for (size_t i = 0; i < 288; ++i) full.Set(i, {int64_t(i), int64_t(i) * 2, int64_t(i) * 3});
  auto f = UsageBlock::Decode(full.Encode()).value();
  EXPECT_EQ(f.at(287), (WindowValues{287, 574, 861}));
}

TEST(UsageBlock, RefusesCorruptBytes) {
  UsageBlock b(60);
  b.Set(3, {1, 1, 1});
  std::string bytes = b.Encode();
  EXPECT_FALSE(UsageBlock::Decode(bytes.substr(0, bytes.size() - 1)).has_value());
  EXPECT_FALSE(UsageBlock::Decode("junk").has_value());
  bytes[0] = 9;  // version
  EXPECT_FALSE(UsageBlock::Decode(bytes).has_value());
}

TEST(UsageBlock, MergesALaterPartOfTheSameLength) {
  UsageBlock base(1440), part(1440);
  base.Set(0, {1, 2, 3});
  part.Set(1439, {4, 5, 6});
  ASSERT_TRUE(base.Merge(part).has_value());
  EXPECT_TRUE(base.present(0));
  EXPECT_TRUE(base.present(1439));
  EXPECT_EQ(base.at(1439), (WindowValues{4, 5, 6}));
  EXPECT_FALSE(base.present(1));
  EXPECT_EQ(base.Merge(UsageBlock(288)).error().code, common::Code::kInvalidBlock);
}

// A correction (a higher revision) is stored as a later part holding the window again: the
// merge takes its copy and its revision; blocks without revisions keep the version-1 layout.
TEST(UsageBlock, RevisionsRoundTripAndALaterPartReplaces) {
  UsageBlock base(1440), part(1440);
  base.Set(5, {1, 2, 3});
  base.Set(6, {7, 8, 9});
  const std::string plain = base.Encode();
  EXPECT_EQ(plain.size(), 8 + 180 + 2 * 24u);
  part.Set(5, {10, 20, 30}, 3);
  const auto decoded = UsageBlock::Decode(part.Encode()).value();
  EXPECT_EQ(decoded.revision(5), 3);
  EXPECT_EQ(decoded.at(5), (WindowValues{10, 20, 30}));
  ASSERT_TRUE(base.Merge(decoded).has_value());
  EXPECT_EQ(base.at(5), (WindowValues{10, 20, 30}));
  EXPECT_EQ(base.revision(5), 3);
  EXPECT_EQ(base.revision(6), 0);
  const auto again = UsageBlock::Decode(base.Encode()).value();
  EXPECT_EQ(again.revision(5), 3);
  EXPECT_EQ(again.at(6), (WindowValues{7, 8, 9}));
  std::string truncated = base.Encode();
  truncated.pop_back();
  EXPECT_EQ(UsageBlock::Decode(truncated).error().code, common::Code::kInvalidBlock);
}

}  // namespace
}  // namespace rampart::postpaid
