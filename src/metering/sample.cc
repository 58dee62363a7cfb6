#include "metering/sample.h"

#include <string>

namespace rampart::metering {

bool ValidSource(std::string_view source) {
  if (source.empty() || source.size() > kMaxSourceLength) return false;
  for (char ch : source) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                    ch == '_' || ch == ':' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<common::Error> ValidateSample(const UsageSample& s,
                                            std::optional<common::Instant> now) {
  auto reject = [](common::Code code, std::string message, std::string field) {
    return common::Error{code, std::move(message), std::move(field)};
  };
  if (s.window_s != 60 && s.window_s != 300) {
    return reject(common::Code::kInvalidWindow,
                  "window_s " + std::to_string(s.window_s) + " is not a window length (60 or 300)",
                  "window_s");
  }
  if (s.window_start.time_since_epoch().count() % s.window_s != 0) {
    return reject(common::Code::kUnalignedWindow,
                  "window_start " + common::FormatRfc3339(s.window_start) +
                      " is not aligned to a multiple of " + std::to_string(s.window_s) + " s",
                  "window_start");
  }
  for (auto [value, field] : {std::pair{s.attack_bps, "attack_bps"},
                              {s.in_bytes, "in_bytes"},
                              {s.out_bytes, "out_bytes"}}) {
    if (value < 0) {
      return reject(common::Code::kNegativeValue, std::string(field) + " is negative", field);
    }
  }
  if (s.attack_bps > kMaxAttackBps) {
    return reject(common::Code::kAbsurdValue,
                  "attack_bps " + std::to_string(s.attack_bps) + " is above 100 Tbps",
                  "attack_bps");
  }
  const int64_t max_bytes = kMaxAttackBps / 8 * s.window_s;
  for (auto [value, field] : {std::pair{s.in_bytes, "in_bytes"}, {s.out_bytes, "out_bytes"}}) {
    if (value > max_bytes) {
      return reject(common::Code::kAbsurdValue,
                    std::string(field) + " " + std::to_string(value) +
                        " is more than 100 Tbps could carry in the window",
                    field);
    }
  }
  if (!s.source.empty() && !ValidSource(s.source)) {
    return reject(common::Code::kInvalidSource,
                  "source must be 1-64 characters of a-z 0-9 . _ : - (got \"" +
                      s.source.substr(0, kMaxSourceLength + 1) + "\")",
                  "source");
  }
  if (s.revision < 0 || s.revision > kMaxRevision) {
    return reject(common::Code::kInvalidRevision,
                  "revision " + std::to_string(s.revision) + " is not between 0 and 1000000000",
                  "revision");
  }
  if (now) {
    if (s.window_start > *now + kMaxFuture) {
      return reject(common::Code::kFutureWindow,
                    "window_start " + common::FormatRfc3339(s.window_start) +
                        " is more than 5 minutes in the future",
                    "window_start");
    }
    if (s.window_start < *now - kMaxAge) {
      return reject(
          common::Code::kTooOld,
          "window_start " + common::FormatRfc3339(s.window_start) + " is older than 72 hours",
          "window_start");
    }
  }
  return std::nullopt;
}

}  // namespace rampart::metering
