// Instants and their text form. An instant is whole seconds since the Unix epoch (UTC);
// Rampart's windows, days and expiries never need finer time.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace rampart::common {

using Instant = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;

// An instant as stored (seconds since the epoch, the stores' INTEGER columns) and back.
constexpr int64_t EpochSeconds(Instant t) { return t.time_since_epoch().count(); }
constexpr Instant FromEpochSeconds(int64_t s) { return Instant(Seconds(s)); }

// Parses RFC 3339 with whole seconds: "2026-11-26T01:30:00Z" or with an offset
// "2026-11-26T09:30:00+08:00" (a 'T' or ' ' separator; 'z' accepted). Fractions of a second
// are refused: windows start on whole seconds. Returns `invalid_time` naming the text.
Result<Instant> ParseRfc3339(std::string_view text);

// "2026-11-26T01:30:00Z".
std::string FormatRfc3339(Instant t);

// Parses a calendar day "2026-11-26" (a real date) or returns `invalid_day`.
Result<std::chrono::year_month_day> ParseDay(std::string_view text);
std::string FormatDay(std::chrono::year_month_day day);

}  // namespace rampart::common
