#include "api/errors.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <map>

#include "common/crypto.h"

namespace rampart::api {

int StatusFor(std::string_view code) {
  // Every code a route can answer with, once. Bad input is 400 by name, not by default: a
  // code missing here is a broken invariant (a corrupt row, a bug), so it answers 500 with an
  // error id and is logged, instead of blaming the client.
  static const std::map<std::string_view, int> kStatus = {
      // The request itself is wrong.
      {"invalid_option", 400},
      {"invalid_type", 400},
      {"missing_field", 400},
      {"unknown_field", 400},
      {"out_of_range", 400},
      {"invalid_json", 400},
      {"invalid_gzip", 400},
      {"invalid_ip", 400},
      {"invalid_cidr", 400},
      {"invalid_day", 400},
      {"invalid_time", 400},
      {"invalid_time_zone", 400},
      {"invalid_money", 400},
      {"invalid_decimal", 400},
      {"invalid_cursor", 400},
      {"invalid_origin", 400},
      {"duplicate", 400},
      {"ip_conflict", 400},
      {"unauthenticated", 401},
      {"insufficient_balance", 402},
      {"forbidden", 403},
      {"prefix_not_assigned", 403},
      {"not_found", 404},
      {"method_not_allowed", 405},
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
      {"unsupported_media_type", 415},
      {"rate_limited", 429},
      // The service's fault: logged with an id, no detail to the client.
      {"storage_error", 500},
      {"internal_error", 500},  // an exception escaped a handler
      {"ledger_mismatch", 500},
      {"invalid_block", 500},  // a stored usage block does not decode: data loss
      {"io_error", 500},
      {"secrets_key_mismatch", 500},
      {"database_unavailable", 503},
  };
  auto it = kStatus.find(code);
  if (it != kStatus.end()) return it->second;
  spdlog::error("error code {} has no HTTP status: answered as an internal error", code);
  return 500;
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
