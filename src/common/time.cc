#include "common/time.h"

#include <cstdio>

namespace rampart::common {
namespace {

// Reads exactly `n` digits at s[pos]; returns -1 if any is not a digit.
int Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool ParseDate(std::string_view s, std::chrono::year_month_day* out) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  const int y = Digits(s, 0, 4), m = Digits(s, 5, 2), d = Digits(s, 8, 2);
  if (y < 0 || m < 0 || d < 0) return false;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!ymd.ok()) return false;
  *out = ymd;
  return true;
}

}  // namespace

Result<Instant> ParseRfc3339(std::string_view s) {
  auto bad = [&] {
    return Fail(common::Code::kInvalidTime,
                "\"" + std::string(s) + "\" is not an RFC 3339 time like 2026-11-26T01:30:00Z");
  };
  std::chrono::year_month_day ymd;
  if (s.size() < 20 || !ParseDate(s, &ymd)) return bad();
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return bad();
  if (s[13] != ':' || s[16] != ':') return bad();
  const int hh = Digits(s, 11, 2), mm = Digits(s, 14, 2), ss = Digits(s, 17, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59) return bad();
  std::string_view zone = s.substr(19);
  int offset_s = 0;
  if (zone == "Z" || zone == "z") {
    offset_s = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const int oh = Digits(zone, 1, 2), om = Digits(zone, 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return bad();
    offset_s = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
  } else {
    return bad();
  }
  const auto local = std::chrono::sys_days(ymd) + std::chrono::hours(hh) +
                     std::chrono::minutes(mm) + std::chrono::seconds(ss);
  return Instant(local - std::chrono::seconds(offset_s));
}

std::string FormatRfc3339(Instant t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(t - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

Result<std::chrono::year_month_day> ParseDay(std::string_view text) {
  std::chrono::year_month_day ymd;
  if (text.size() != 10 || !ParseDate(text, &ymd)) {
    return Fail(common::Code::kInvalidDay,
                "\"" + std::string(text) + "\" is not a calendar day like 2026-11-26");
  }
  return ymd;
}

std::string FormatDay(std::chrono::year_month_day ymd) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace rampart::common
