#include "collect/second_ring.h"

#include <gtest/gtest.h>

#include <map>

namespace rampart::collect {
namespace {

std::map<int64_t, int64_t> Held(const SecondRing& r, int64_t up_to = INT64_MAX) {
  std::map<int64_t, int64_t> out;
  r.ForEachBefore(up_to, [&](int64_t s, const SecondSlot& slot) { out[s] = slot.packets(); });
  return out;
}

SecondSlot Packets(int64_t n) {
  SecondSlot s;
  s.other = n;
  return s;
}

// Adds n packets to the one second s.
void Point(SecondRing& r, int64_t s, int64_t n, size_t* grown) {
  ASSERT_TRUE(r.Reserve(s, s + 1, 1 << 20, grown));
  r.Add(s, s + 1, Packets(n));
}

TEST(SecondRing, HoldsSecondsInOrderAcrossGrowthAndWrap) {
  SecondRing r;
  size_t grown = 0;
  // Seconds near a multiple of the capacity, added out of order, then spanning past 64.
  for (int64_t s : {1'000'063, 1'000'060, 1'000'064, 1'000'000 + 200, 1'000'001}) {
    Point(r, s, s - 1'000'000, &grown);
  }
  EXPECT_EQ(r.capacity(), 256u);  // 1,000,001 .. 1,000,201 spans 201 seconds
  EXPECT_EQ(grown, 256u);
  const std::map<int64_t, int64_t> want{
      {1'000'001, 1}, {1'000'060, 60}, {1'000'063, 63}, {1'000'064, 64}, {1'000'200, 200}};
  EXPECT_EQ(Held(r), want);
  EXPECT_EQ(r.ValueAt(1'000'063).packets(), 63);
  EXPECT_EQ(r.ValueAt(1'000'062).packets(), 0);
  // Dropping the first seconds leaves the rest; the freed slots are empty when reused.
  EXPECT_EQ(r.DropBefore(1'000'064), 0u);
  EXPECT_EQ(Held(r), (std::map<int64_t, int64_t>{{1'000'064, 64}, {1'000'200, 200}}));
  Point(r, 1'000'001 + 256, 7, &grown);  // the slot 1,000,001 had
  EXPECT_EQ(Held(r).at(1'000'257), 7);
  // Dropping everything releases the storage.
  EXPECT_EQ(r.DropBefore(2'000'000), 256u);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.capacity(), 0u);
  EXPECT_TRUE(Held(r).empty());
}

TEST(SecondRing, ARunAddsToEachOfItsSecondsAndSurvivesADropInItsMiddle) {
  SecondRing r;
  size_t grown = 0;
  // 10 packets a second over [100, 1100) and 5 more over [600, 700): two slots each.
  ASSERT_TRUE(r.Reserve(100, 1100, 1 << 20, &grown));
  r.Add(100, 1100, Packets(10));
  ASSERT_TRUE(r.Reserve(600, 700, 1 << 20, &grown));
  r.Add(600, 700, Packets(5));
  auto held = Held(r);
  ASSERT_EQ(held.size(), 1000u);
  EXPECT_EQ(held.begin()->first, 100);
  EXPECT_EQ(held.rbegin()->first, 1099);
  EXPECT_EQ(held.at(599), 10);
  EXPECT_EQ(held.at(600), 15);
  EXPECT_EQ(held.at(699), 15);
  EXPECT_EQ(held.at(700), 10);
  // Reading before a second stops there; dropping carries what is in force into the rest.
  EXPECT_EQ(Held(r, 650).size(), 550u);
  EXPECT_EQ(r.DropBefore(650), 0u);
  held = Held(r);
  ASSERT_EQ(held.size(), 450u);
  EXPECT_EQ(held.at(650), 15);
  EXPECT_EQ(held.at(1099), 10);
  EXPECT_EQ(r.ValueAt(1099).packets(), 10);
  // A run added after the drop, before the old first second is impossible (settled); one
  // inside adds up with what is carried.
  ASSERT_TRUE(r.Reserve(650, 651, 1 << 20, &grown));
  r.Add(650, 651, Packets(1));
  EXPECT_EQ(Held(r).at(650), 16);
  EXPECT_EQ(Held(r).at(651), 15);
  // The run's end (its change at 1100) is held until that second is dropped too.
  EXPECT_EQ(r.DropBefore(1100), 0u);
  EXPECT_TRUE(Held(r).empty());
  EXPECT_EQ(r.DropBefore(1101), 1024u);
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(Held(r).empty());
}

TEST(SecondRing, RefusesBeyondItsSpanOrTheBudget) {
  SecondRing r;
  size_t grown = 0;
  ASSERT_TRUE(r.Reserve(-5, -4, 64, &grown));  // before 1970 still indexes right
  // [from, to] inclusive: -5 .. -5 + kMaxSpanS - 1 is the widest span.
  EXPECT_FALSE(r.Reserve(-5, -5 + SecondRing::kMaxSpanS, 1 << 30, &grown));
  EXPECT_TRUE(r.Reserve(-6 + SecondRing::kMaxSpanS, -6 + SecondRing::kMaxSpanS, 1 << 30, &grown));
  SecondRing small;
  size_t g = 0;
  ASSERT_TRUE(small.Reserve(0, 1, 64, &g));
  EXPECT_FALSE(small.Reserve(100, 101, 63, &g));  // would need 128 slots: 64 more, 63 allowed
  EXPECT_EQ(g, 64u);
  EXPECT_EQ(small.capacity(), 64u);
}

// The meter keeps a ring per protected IP in its hash table: small rings keep the table dense.
TEST(SecondRing, IsSmallAndAMovedFromRingIsEmpty) {
  static_assert(sizeof(SecondRing) == 32);
  SecondRing r;
  size_t grown = 0;
  Point(r, 1'000'000, 5, &grown);
  SecondRing moved = std::move(r);
  EXPECT_TRUE(r.empty());  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(r.capacity(), 0u);
  EXPECT_EQ(Held(r), (std::map<int64_t, int64_t>{}));
  EXPECT_EQ(Held(moved), (std::map<int64_t, int64_t>{{1'000'000, 5}}));
}

}  // namespace
}  // namespace rampart::collect
