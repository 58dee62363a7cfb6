// Error values for expected failures (bad input, conflicts, I/O).
//
// Contract: an `Error` carries a `code` from the closed set below (its wire name is stable,
// snake_case, and the API maps each code to one HTTP status in api/errors.cc, exhaustively), a
// human `message`, and optionally the input `field` it concerns. Functions that can fail in an
// expected way return `Result<T>`; broken invariants assert instead, or, where the broken
// thing is stored data, fail with a code of the service's fault (storage_error,
// invalid_block, ledger_mismatch, internal_error).
#pragma once

#include <cstdint>
#include <expected>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

namespace rampart::common {

// Every code, once: its enumerator and its wire name (in API answers, CLI errors, logs).
#define RAMPART_ERROR_CODES(X)                                                         \
  /* The input is wrong. */                                                            \
  X(kInvalidOption, "invalid_option")                                                  \
  X(kInvalidType, "invalid_type")                                                      \
  X(kMissingField, "missing_field")                                                    \
  X(kUnknownField, "unknown_field")                                                    \
  X(kOutOfRange, "out_of_range")                                                       \
  X(kInvalidJson, "invalid_json")                                                      \
  X(kInvalidGzip, "invalid_gzip")                                                      \
  X(kInvalidIp, "invalid_ip")                                                          \
  X(kInvalidCidr, "invalid_cidr")                                                      \
  X(kInvalidDay, "invalid_day")                                                        \
  X(kInvalidTime, "invalid_time")                                                      \
  X(kInvalidTimeZone, "invalid_time_zone")                                             \
  X(kInvalidMoney, "invalid_money")                                                    \
  X(kInvalidDecimal, "invalid_decimal")                                                \
  X(kInvalidCursor, "invalid_cursor")                                                  \
  X(kInvalidOrigin, "invalid_origin")                                                  \
  X(kDuplicate, "duplicate")                                                           \
  X(kIpConflict, "ip_conflict")                                                        \
  X(kBadCsv, "bad_csv")                                                                \
  X(kBadRow, "bad_row")                                                                \
  X(kBadPcap, "bad_pcap")                                                              \
  X(kBadPricebook, "bad_pricebook")                                                    \
  X(kInvalidConfig, "invalid_config")                                                  \
  X(kMalformedRequest, "malformed_request")                                            \
  X(kRequestHeaderFieldsTooLarge, "request_header_fields_too_large")                   \
  /* A usage sample refused (one of a batch: the others go on). */                     \
  X(kInvalidWindow, "invalid_window")                                                  \
  X(kUnalignedWindow, "unaligned_window")                                              \
  X(kFutureWindow, "future_window")                                                    \
  X(kTooOld, "too_old")                                                                \
  X(kNegativeValue, "negative_value")                                                  \
  X(kAbsurdValue, "absurd_value")                                                      \
  X(kInvalidSource, "invalid_source")                                                  \
  X(kInvalidRevision, "invalid_revision")                                              \
  X(kUnknownIp, "unknown_ip")                                                          \
  X(kStaleRevision, "stale_revision")                                                  \
  /* Who asks, and what they may. */                                                   \
  X(kUnauthenticated, "unauthenticated")                                               \
  X(kForbidden, "forbidden")                                                           \
  X(kPrefixNotAssigned, "prefix_not_assigned")                                         \
  X(kInsufficientBalance, "insufficient_balance")                                      \
  X(kNotFound, "not_found")                                                            \
  X(kMethodNotAllowed, "method_not_allowed")                                           \
  /* The state does not allow it now. */                                               \
  X(kConflict, "conflict")                                                             \
  X(kOrderNotPayable, "order_not_payable")                                             \
  X(kIdempotencyMismatch, "idempotency_mismatch")                                      \
  X(kNotSimulated, "not_simulated")                                                    \
  X(kInvalidState, "invalid_state")                                                    \
  X(kCancelWindowPassed, "cancel_window_passed")                                       \
  X(kExpired, "expired")                                                               \
  X(kLimitExceeded, "limit_exceeded")                                                  \
  X(kNoCapacity, "no_capacity")                                                        \
  X(kPayloadTooLarge, "payload_too_large")                                             \
  X(kUnsupportedMediaType, "unsupported_media_type")                                   \
  X(kRateLimited, "rate_limited")                                                      \
  X(kNotImplemented, "not_implemented")                                                \
  /* Something else failed: a peer, the disk, the database. */                         \
  X(kUnreachable, "unreachable")                                                       \
  X(kIoError, "io_error")                                                              \
  X(kDatabaseUnavailable, "database_unavailable")                                      \
  /* The service's own fault: a broken invariant or stored data that does not read. */ \
  X(kStorageError, "storage_error")                                                    \
  X(kInternalError, "internal_error")                                                  \
  X(kLedgerMismatch, "ledger_mismatch")                                                \
  X(kInvalidBlock, "invalid_block")                                                    \
  X(kSecretsKeyMismatch, "secrets_key_mismatch")

enum class Code : uint8_t {
#define RAMPART_ERROR_ENUMERATOR(e, name) e,
  RAMPART_ERROR_CODES(RAMPART_ERROR_ENUMERATOR)
#undef RAMPART_ERROR_ENUMERATOR
};

constexpr std::string_view WireName(Code code) {
  switch (code) {
#define RAMPART_ERROR_NAME(e, name) \
  case Code::e:                     \
    return name;
    RAMPART_ERROR_CODES(RAMPART_ERROR_NAME)
#undef RAMPART_ERROR_NAME
  }
  return "internal_error";  // not reached: the switch names every code
}

std::ostream& operator<<(std::ostream& out, Code code);  // its wire name (tests, logs)

struct Error {
  Code code = Code::kInternalError;
  std::string message;  // for people; names the option/field and what is allowed
  std::string field;    // the input field concerned, or empty
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> Fail(Code code, std::string message, std::string field = {}) {
  return std::unexpected<Error>(Error{code, std::move(message), std::move(field)});
}

}  // namespace rampart::common

// Evaluates `expr` (a Result); on an error returns it from the enclosing function (whose
// result must be a Result too), else yields the value (nothing for Result<void>). A GNU
// statement expression: GCC and Clang both take it.
#define RAMPART_TRY(...)                                                           \
  ({                                                                               \
    auto&& rampart_try_result_ = (__VA_ARGS__);                                    \
    if (!rampart_try_result_) return std::unexpected(rampart_try_result_.error()); \
    std::move(rampart_try_result_).value();                                        \
  })
