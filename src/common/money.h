// Money: an exact amount of CNY as a signed count of fen (0.01 yuan), never floating point.
//
// Line amounts are computed as exact rationals (numerator / denominator in fen, in 128-bit
// integers) and rounded once with `RoundHalfUp`: halves go away from zero, so -0.005 -> -0.01
// and 0.005 -> 0.01, symmetric for refunds and adjustments. Value type; thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace rampart::common {

class Money {
 public:
  constexpr Money() = default;
  static constexpr Money FromFen(int64_t fen) { return Money(fen); }
  static constexpr Money FromYuan(int64_t yuan) { return Money(yuan * 100); }

  // Rounds numerator/denominator fen half away from zero. Denominator must be > 0 and the
  // result must fit in int64 fen (asserted).
  static Money RoundHalfUp(__int128 numerator_fen, __int128 denominator);

  // Parses "3500", "3500.5", "3500.00", "-12.34". At most two decimals; anything else
  // (exponents, spaces, three decimals, overflow) is an `invalid_money` error.
  static Result<Money> Parse(std::string_view text);

  constexpr int64_t fen() const { return fen_; }
  // "3500.00", "-0.05": always two decimals, no grouping.
  std::string ToString() const;

  constexpr Money operator+(Money o) const { return Money(fen_ + o.fen_); }
  constexpr Money operator-(Money o) const { return Money(fen_ - o.fen_); }
  constexpr Money operator-() const { return Money(-fen_); }
  Money& operator+=(Money o) {
    fen_ += o.fen_;
    return *this;
  }
  Money& operator-=(Money o) {
    fen_ -= o.fen_;
    return *this;
  }
  constexpr auto operator<=>(const Money&) const = default;

 private:
  constexpr explicit Money(int64_t fen) : fen_(fen) {}
  int64_t fen_ = 0;
};

// An exact non-negative decimal with six fractional digits (millionths), for factors and
// discounts from the price book: 3.875, 0.15, 1.3. Value type.
class Decimal {
 public:
  static constexpr int64_t kScale = 1'000'000;
  constexpr Decimal() = default;
  static constexpr Decimal FromMicros(int64_t micros) { return Decimal(micros); }
  static constexpr Decimal FromInt(int64_t v) { return Decimal(v * kScale); }
  // Parses "3.875", "1", "0.15"; at most six decimals, no sign, no exponent.
  static Result<Decimal> Parse(std::string_view text);

  constexpr int64_t micros() const { return micros_; }
  // Exact form with at least `min_decimals` decimals: "3.875", "1", "0.15"; with 2: "0.00".
  std::string ToString(int min_decimals = 0) const;
  constexpr auto operator<=>(const Decimal&) const = default;

 private:
  constexpr explicit Decimal(int64_t micros) : micros_(micros) {}
  int64_t micros_ = 0;
};

}  // namespace rampart::common
