// Usage samples and their validation (product.md §7, api.md "Usage sample").
//
// A sample reports, for one protected IP and one measuring window, the attack bandwidth and
// the forwarded bytes. Validation gives one reason per rejected sample; callers accept the
// rest of a batch. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/ip_address.h"
#include "common/time.h"

namespace rampart::metering {

struct UsageSample {
  common::IpAddress ip;
  common::Instant window_start;
  int64_t window_s = 60;
  int64_t attack_bps = 0;
  int64_t in_bytes = 0;
  int64_t out_bytes = 0;
  // Who measured it (dataplane.md §1): samples of one window from different sources add up.
  // Empty: not given (the service fills in the posting key's id; offline rating keeps it).
  std::string source;
  // From one source, a higher revision replaces the stored copy (a correction).
  int64_t revision = 0;
};

inline constexpr size_t kMaxSourceLength = 64;
inline constexpr int64_t kMaxRevision = 1'000'000'000;

// Whether `source` is 1-64 characters of a-z 0-9 . _ : - (dataplane.md §1).
bool ValidSource(std::string_view source);

inline constexpr int64_t kMaxAttackBps = 100'000'000'000'000;  // 100 Tbps
inline constexpr common::Seconds kMaxFuture{5 * 60};
inline constexpr common::Seconds kMaxAge{72 * 3600};

// The reason `sample` must be rejected, or nullopt when it is acceptable. Codes:
// `invalid_window` (length not 60 or 300), `unaligned_window` (start not a multiple of the
// length), `negative_value`, `absurd_value` (attack > 100 Tbps, or more bytes than 100 Tbps
// could carry in the window), and, when `now` is given, `future_window` (starts more than
// 5 minutes ahead) and `too_old` (started more than 72 h ago); `invalid_source` and
// `invalid_revision` (negative, or above a billion) for the data-plane fields. Whether the IP is
// protected is the caller's check (`unknown_ip`): it needs the resource directory.
std::optional<common::Error> ValidateSample(const UsageSample& sample,
                                            std::optional<common::Instant> now);

}  // namespace rampart::metering
