// Divider: exact floor(n / d) for a divisor known ahead, by one multiply and a shift. The
// traffic meter divides each record's bytes and packets by its duration and by its whole
// seconds: 64-bit division instructions were its largest cost, and a multiply by the
// reciprocal with a correction step after it the next.
//
// Granlund and Montgomery, "Division by invariant integers using multiplication" (1994),
// theorem 4.2: with l = ceil(log2 d) and s >= N + l, m = ceil(2^s / d) gives
// floor(n / d) = floor(n x m / 2^s) for every n < 2^N. Here N = 60 and s = max(64, 60 + l),
// which keeps m below 2^64 (d > 2^(l-1) gives m <= 2^61; where s = 64, d >= 2 gives
// m <= 2^63), so the quotient is the high word of one 64 x 64-bit product, shifted.
//
// Contract: 2 <= d < 2^60 and n < 2^60 (outside, the result is wrong, never undefined).
// Building one costs a division (none at compile time); a copy is as good as the original.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

namespace rampart::collect {

class Divider {
 public:
  static constexpr int kNumeratorBits = 60;

  Divider() = default;  // uninitialized: assign before use (a record's are built per record)
  constexpr explicit Divider(uint64_t d) {
    const int l = 64 - std::countl_zero(d - 1);
    const int s = std::max(64, kNumeratorBits + l);
    shift_ = static_cast<uint8_t>(s - 64);
    // 2^s / d, rounded up: the high word 2^(s-64) is below d, so the quotient fits 64 bits.
    uint64_t q, r;
    if
      consteval {
        const unsigned __int128 n = static_cast<unsigned __int128>(1) << s;
        q = static_cast<uint64_t>(n / d);
        r = static_cast<uint64_t>(n % d);
      }
    else {
      q = DivideWide(uint64_t{1} << (s - 64), d, &r);
    }
    m_ = q + (r != 0);
  }

  uint64_t operator()(uint64_t n) const {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(n) * m_) >> 64) >> shift_;
  }

 private:
  // (hi x 2^64) / d for hi < d: one instruction where the target has it (the compiler's
  // 128-bit division is a library call).
  static uint64_t DivideWide(uint64_t hi, uint64_t d, uint64_t* rem) {
#if defined(__x86_64__)
    uint64_t q, r;
    asm("divq %4" : "=a"(q), "=d"(r) : "a"(uint64_t{0}), "d"(hi), "rm"(d));
    *rem = r;
    return q;
#else
    const unsigned __int128 n = static_cast<unsigned __int128>(hi) << 64;
    *rem = static_cast<uint64_t>(n % d);
    return static_cast<uint64_t>(n / d);
#endif
  }

  uint64_t m_;
  uint8_t shift_;
};

}  // namespace rampart::collect
