// ApiClient: an agent's requests to `rampart serve` (http:// or https://, verified against the
// system CAs or --ca FILE, host name checked): one request at a time on a kept-alive
// connection, reconnecting after any error, every step within `timeout`. The key is sent as
// a bearer token and never logged. Not thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "common/error.h"

namespace rampart::agent {

struct ApiReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names as the server sent them
};

class ApiClient {
 public:
  // `invalid_option` for a URL that is not http(s)://host[:port][/prefix].
  static common::Result<std::unique_ptr<ApiClient>> Create(const std::string& url,
                                                           const std::string& key,
                                                           const std::string& ca_file = "");
  ~ApiClient();

  // `unreachable` when the server cannot be reached or answers nothing in time.
  common::Result<ApiReply> Call(const std::string& method, const std::string& target,
                                const std::string& body = "",
                                const std::map<std::string, std::string>& headers = {});

  std::chrono::seconds timeout{10};

 private:
  struct Impl;
  explicit ApiClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rampart::agent
