#include "api/errors.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/crypto.h"

namespace rampart::api {

int StatusFor(common::Code code) {
  // Every code once (the compiler checks the switch is exhaustive). The service's own faults
  // are 500: a corrupt row or a broken invariant is not the client's bad input.
  using enum common::Code;
  switch (code) {
    case kInvalidOption:
    case kInvalidType:
    case kMissingField:
    case kUnknownField:
    case kOutOfRange:
    case kInvalidJson:
    case kInvalidGzip:
    case kInvalidIp:
    case kInvalidCidr:
    case kInvalidDay:
    case kInvalidTime:
    case kInvalidTimeZone:
    case kInvalidMoney:
    case kInvalidDecimal:
    case kInvalidCursor:
    case kInvalidOrigin:
    case kDuplicate:
    case kIpConflict:
    case kBadCsv:
    case kBadRow:
    case kBadPcap:
    case kBadPricebook:
    case kInvalidConfig:
    case kMalformedRequest:
    case kInvalidWindow:
    case kUnalignedWindow:
    case kFutureWindow:
    case kTooOld:
    case kNegativeValue:
    case kAbsurdValue:
    case kInvalidSource:
    case kInvalidRevision:
    case kUnknownIp:
      return 400;
    case kRequestHeaderFieldsTooLarge:
      return 431;
    case kUnauthenticated:
      return 401;
    case kInsufficientBalance:
      return 402;
    case kForbidden:
    case kPrefixNotAssigned:
      return 403;
    case kNotFound:
      return 404;
    case kMethodNotAllowed:
      return 405;
    case kConflict:
    case kOrderNotPayable:
    case kIdempotencyMismatch:
    case kNotSimulated:
    case kInvalidState:
    case kCancelWindowPassed:
    case kExpired:
    case kLimitExceeded:
    case kNoCapacity:
    case kStaleRevision:
      return 409;
    case kPayloadTooLarge:
      return 413;
    case kUnsupportedMediaType:
      return 415;
    case kRateLimited:
      return 429;
    case kNotImplemented:
      return 501;
    case kDatabaseUnavailable:
      return 503;
    case kUnreachable:  // a peer of the agents' (their server), not of a request
    case kIoError:
    case kStorageError:
    case kInternalError:
    case kLedgerMismatch:
    case kInvalidBlock:
    case kSecretsKeyMismatch:
      return 500;
  }
  return 500;
}

HttpResponse ErrorResponse(const common::Error& error) {
  const int status = StatusFor(error.code);
  boost::json::object details;
  if (!error.field.empty()) details["field"] = error.field;
  std::string message = error.message;
  if (status == 500 || status == 503) {  // the service's fault, not a refusal like 501
    // The client gets an id to quote; the log has the detail (SQL text never leaves).
    const std::string id = "err_" + common::RandomHex(8);
    spdlog::error("{} {}: {}", id, common::WireName(error.code), error.message);
    details["error_id"] = id;
    message = "an internal error occurred; it has been logged as " + id;
  }
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(
      boost::json::object{{"error", boost::json::object{{"code", common::WireName(error.code)},
                                                        {"message", message},
                                                        {"details", details}}}});
  return r;
}

HttpResponse ErrorResponse(common::Code code, std::string message, std::string field) {
  return ErrorResponse(common::Error{code, std::move(message), std::move(field)});
}

}  // namespace rampart::api
