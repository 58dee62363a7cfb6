// The HTTP exchange as the API sees it: plain structs, no Beast types, so handlers and their
// tests stay free of the networking library.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rampart::api {

// The largest POST /v1/usage body, sent as it is or once inflated from gzip.
inline constexpr size_t kUsageBodyLimit = 32 << 20;

struct HttpRequest {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // "/v1/orders/ord_1/pay", percent-decoded
  std::map<std::string, std::string> query;  // decoded ?a=b&c=d
  std::string body;
  std::string authorization;
  std::string idempotency_key;
  std::string if_none_match;  // a conditional GET's entity tag
  std::string content_type;
  std::string content_encoding;
  std::string accept;
  std::string accept_encoding;
  std::string remote_address;  // the client's IP address, as the socket has it
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // What an Idempotency-Key replay answers instead of `body`, when the first answer carries
  // a secret that must be shown once and never stored (routes.h, AnswerWithSecret).
  std::optional<std::string> replay_body;
  // A long poll: when set, the server calls `poll` again about once a second, on its I/O
  // threads but holding none of them in between, until it returns an answer (sent instead)
  // or `wait_until` passes (this response is sent). `poll` must stay valid that long.
  std::function<std::optional<HttpResponse>()> poll;
  std::chrono::steady_clock::time_point wait_until{};
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace rampart::api
