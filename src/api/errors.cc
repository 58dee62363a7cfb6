#include "api/errors.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <map>

#include "common/crypto.h"

namespace rampart::api {

int StatusFor(std::string_view code) {
  static const std::map<std::string_view, int> kStatus = {
      {"unauthenticated", 401},
      {"forbidden", 403},
      {"prefix_not_assigned", 403},
      {"not_found", 404},
      {"method_not_allowed", 405},
      {"insufficient_balance", 402},
      {"conflict", 409},
      {"order_not_payable", 409},
      {"idempotency_mismatch", 409},
      {"not_simulated", 409},
      {"invalid_state", 409},
      {"cancel_window_passed", 409},
      {"expired", 409},
      {"limit_exceeded", 409},
      {"no_capacity", 409},
      {"payload_too_large", 413},
      {"rate_limited", 429},
      {"unsupported_media_type", 415},
      {"storage_error", 500},
      {"database_unavailable", 503},
      {"ledger_mismatch", 500},
  };
  auto it = kStatus.find(code);
  return it == kStatus.end() ? 400 : it->second;  // everything else is bad input
}

HttpResponse ErrorResponse(const common::Error& error) {
  const int status = StatusFor(error.code);
  boost::json::object details;
  if (!error.field.empty()) details["field"] = error.field;
  std::string message = error.message;
  if (status >= 500) {
    // The client gets an id to quote; the log has the detail (SQL text never leaves).
    const std::string id = "err_" + common::RandomHex(8);
    spdlog::error("{} {}: {}", id, error.code, error.message);
    details["error_id"] = id;
    message = "an internal error occurred; it has been logged as " + id;
  }
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(boost::json::object{
      {"error",
       boost::json::object{{"code", error.code}, {"message", message}, {"details", details}}}});
  return r;
}

HttpResponse ErrorResponse(std::string code, std::string message, std::string field) {
  return ErrorResponse(common::Error{std::move(code), std::move(message), std::move(field)});
}

}  // namespace rampart::api
