#include "common/money.h"

#include <cassert>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace rampart::common {
namespace {

// Parses an unsigned decimal "123" or "123.45" with at most `max_decimals` fractional digits
// into an integer scaled by 10^max_decimals. Returns false on any other shape or overflow.
bool ParseScaled(std::string_view text, int max_decimals, int64_t* out) {
  if (text.empty()) return false;
  const size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return false;
  if (static_cast<int>(frac.size()) > max_decimals) return false;
  for (char c : whole)
    if (c < '0' || c > '9') return false;
  for (char c : frac)
    if (c < '0' || c > '9') return false;
  int64_t w = 0;
  auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), w);
  if (ec != std::errc() || p != whole.data() + whole.size()) return false;
  int64_t scale = 1;
  for (int i = 0; i < max_decimals; ++i) scale *= 10;
  int64_t f = 0;
  int64_t digit_scale = scale;
  for (char c : frac) {
    digit_scale /= 10;
    f += (c - '0') * digit_scale;
  }
  if (w > (std::numeric_limits<int64_t>::max() - f) / scale) return false;
  *out = w * scale + f;
  return true;
}

}  // namespace

Money Money::RoundHalfUp(__int128 numerator_fen, __int128 denominator) {
  assert(denominator > 0);
  const bool negative = numerator_fen < 0;
  const __int128 magnitude = negative ? -numerator_fen : numerator_fen;
  const __int128 rounded = (magnitude * 2 + denominator) / (denominator * 2);
  assert(rounded <= std::numeric_limits<int64_t>::max());
  const auto fen = static_cast<int64_t>(rounded);
  return Money(negative ? -fen : fen);
}

Result<Money> Money::Parse(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  int64_t fen = 0;
  if (!ParseScaled(negative ? text.substr(1) : text, 2, &fen)) {
    return Fail(common::Code::kInvalidMoney,
                "\"" + std::string(text) +
                    "\" is not an amount: expected digits with at most two "
                    "decimals, like \"3500.00\"");
  }
  return Money(negative ? -fen : fen);
}

std::string Money::ToString() const {
  const uint64_t magnitude =
      fen_ < 0 ? static_cast<uint64_t>(-(fen_ + 1)) + 1 : static_cast<uint64_t>(fen_);
  std::string s = fen_ < 0 ? "-" : "";
  s += std::to_string(magnitude / 100);
  s += '.';
  s += static_cast<char>('0' + magnitude % 100 / 10);
  s += static_cast<char>('0' + magnitude % 10);
  return s;
}

Result<Decimal> Decimal::Parse(std::string_view text) {
  int64_t micros = 0;
  if (!ParseScaled(text, 6, &micros)) {
    return Fail(common::Code::kInvalidDecimal,
                "\"" + std::string(text) +
                    "\" is not a decimal: expected digits with at most six "
                    "decimals, like \"3.875\"");
  }
  return Decimal(micros);
}

std::string Decimal::ToString(int min_decimals) const {
  std::string digits = std::to_string(micros_ % kScale);
  digits.insert(0, 6 - digits.size(), '0');
  while (static_cast<int>(digits.size()) > min_decimals && digits.back() == '0') digits.pop_back();
  const std::string whole = std::to_string(micros_ / kScale);
  return digits.empty() ? whole : whole + "." + digits;
}

}  // namespace rampart::common
