#include "collect/divider.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace rampart::collect {
namespace {

constexpr uint64_t kMaxNumerator = (uint64_t{1} << Divider::kNumeratorBits) - 1;

// The numerators where a multiply-and-shift division goes wrong first: around multiples of d
// (where the quotient steps), at the top of the range, and a spread of others.
std::vector<uint64_t> NumeratorsFor(uint64_t d, std::mt19937_64& rng) {
  std::vector<uint64_t> n = {
      0, 1, d - 1, d, d + 1, 2 * d - 1, 2 * d, kMaxNumerator, kMaxNumerator - 1};
  const uint64_t top = kMaxNumerator / d * d;  // the largest multiple of d in range
  for (const uint64_t base : {top, top - d, (kMaxNumerator / 2) / d * d}) {
    n.push_back(base - 1);
    n.push_back(base);
    if (base + d - 1 <= kMaxNumerator) n.push_back(base + d - 1);
  }
  for (int i = 0; i < 64; ++i) {
    n.push_back(rng() & kMaxNumerator);
    n.push_back((rng() % (kMaxNumerator / d)) * d + d - 1);  // a remainder of d - 1
  }
  std::erase_if(n, [](uint64_t v) { return v > kMaxNumerator; });  // large d: past the range
  return n;
}

void ExpectExact(uint64_t d, std::mt19937_64& rng) {
  const Divider divide(d);
  for (const uint64_t n : NumeratorsFor(d, rng)) {
    ASSERT_EQ(divide(n), n / d) << n << " / " << d;
  }
}

// Every divisor the meter's table holds (whole seconds between a record's ends), and every
// duration in milliseconds up to 70 s, are exact over the whole numerator range.
TEST(Divider, IsExactForEverySmallDivisor) {
  std::mt19937_64 rng(7);
  for (uint64_t d = 2; d <= 70'000; ++d) ExpectExact(d, rng);
}

// Durations up to the meter's hour (3,600,001 ms) and beyond: powers of two and their
// neighbours (where ceil(log2 d), and so the shift, changes) and random divisors.
TEST(Divider, IsExactAroundPowersOfTwoAndForRandomDivisors) {
  std::mt19937_64 rng(11);
  for (int bit = 1; bit < 59; ++bit) {
    const uint64_t p = uint64_t{1} << bit;
    for (const uint64_t d : {p - 1, p, p + 1}) {
      if (d >= 2) ExpectExact(d, rng);
    }
  }
  for (int i = 0; i < 20'000; ++i) ExpectExact(2 + rng() % 3'600'000, rng);
  for (int i = 0; i < 2'000; ++i) ExpectExact(2 + (rng() >> (4 + rng() % 60)), rng);
}

TEST(Divider, IsBuiltTheSameAtCompileTime) {
  constexpr Divider kAtCompileTime(3'600'001);
  const Divider at_run_time(3'600'001);
  std::mt19937_64 rng(13);
  for (int i = 0; i < 10'000; ++i) {
    const uint64_t n = rng() & kMaxNumerator;
    ASSERT_EQ(kAtCompileTime(n), at_run_time(n));
    ASSERT_EQ(kAtCompileTime(n), n / 3'600'001);
  }
}

}  // namespace
}  // namespace rampart::collect
