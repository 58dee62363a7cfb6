#include "collect/second_ring.h"

#include <gtest/gtest.h>

#include <map>

namespace rampart::collect {
namespace {

std::map<int64_t, int64_t> Held(const SecondRing& r) {
  std::map<int64_t, int64_t> out;
  r.ForEachBefore(INT64_MAX, [&](int64_t s, const SecondSlot& slot) { out[s] = slot.packets; });
  return out;
}

TEST(SecondRing, HoldsSecondsInOrderAcrossGrowthAndWrap) {
  SecondRing r;
  size_t grown = 0;
  // Seconds near a multiple of the capacity, added out of order, then spanning past 64.
  for (int64_t s : {1'000'063, 1'000'060, 1'000'064, 1'000'000 + 200, 1'000'001}) {
    SecondSlot* slot = r.At(s, 1 << 20, &grown);
    ASSERT_NE(slot, nullptr);
    slot->packets += s - 1'000'000;
  }
  EXPECT_EQ(r.capacity(), 256u);  // 1,000,001 .. 1,000,200 spans 200 seconds
  EXPECT_EQ(grown, 256u);
  const std::map<int64_t, int64_t> want{
      {1'000'001, 1}, {1'000'060, 60}, {1'000'063, 63}, {1'000'064, 64}, {1'000'200, 200}};
  EXPECT_EQ(Held(r), want);
  // Dropping the first seconds leaves the rest; the freed slots are empty when reused.
  EXPECT_EQ(r.DropBefore(1'000'064), 0u);
  EXPECT_EQ(Held(r), (std::map<int64_t, int64_t>{{1'000'064, 64}, {1'000'200, 200}}));
  r.At(1'000'001 + 256, 1 << 20, &grown)->packets += 7;  // the slot 1,000,001 had
  EXPECT_EQ(Held(r).at(1'000'257), 7);
  // Dropping everything releases the storage.
  EXPECT_EQ(r.DropBefore(2'000'000), 256u);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.capacity(), 0u);
  EXPECT_TRUE(Held(r).empty());
}

TEST(SecondRing, RefusesBeyondItsSpanOrTheBudget) {
  SecondRing r;
  size_t grown = 0;
  ASSERT_NE(r.At(-5, 64, &grown), nullptr);  // before 1970 still indexes right
  EXPECT_EQ(r.At(-5 + SecondRing::kMaxSpanS, 1 << 30, &grown), nullptr);
  EXPECT_NE(r.At(-6 + SecondRing::kMaxSpanS, 1 << 30, &grown), nullptr);
  SecondRing small;
  size_t g = 0;
  ASSERT_NE(small.At(0, 64, &g), nullptr);
  EXPECT_EQ(small.At(100, 63, &g), nullptr);  // would need 128 slots: 64 more, 63 allowed
  EXPECT_EQ(g, 64u);
  EXPECT_EQ(small.capacity(), 64u);
}

}  // namespace
}  // namespace rampart::collect
