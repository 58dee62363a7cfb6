// ConfigWatcher: an agent's copy of the data-plane configuration (GET /v1/dataplane/config,
// README "The data-plane configuration"), kept current on its own thread: the first request
// fetches the document, later ones are 2-s long polls with If-None-Match, so a change arrives
// within about a second and an unchanged document costs a 304. Each new version is handed to
// `on_change` (on the watcher's thread); a version it refuses (an error) is not taken, and the
// last accepted one stays in force. While the server is unreachable it retries every 2 s and
// says so once per distinct error on stderr, prefixed with `log_prefix`.
//
// Thread safety: stats() may be called from any thread. The destructor stops and joins the
// thread (within the 5-s request timeout at worst).
#pragma once

#include <atomic>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/api_client.h"
#include "common/error.h"

namespace rampart::agent {

class ConfigWatcher {
 public:
  struct Stats {
    std::string version;       // the accepted version ("" before the first)
    uint64_t updates = 0;      // versions accepted
    uint64_t failures = 0;     // requests that failed or were refused
    int64_t fetched_at_s = 0;  // Unix seconds of the last answer (200 or 304); 0: none yet
  };
  // `doc` is the parsed document, `body` its text (to keep a copy on disk, say).
  using OnChange =
      std::function<common::Result<void>(const boost::json::value& doc, const std::string& body)>;

  // `version`: one already held (from a saved copy), so the first request is conditional.
  // `invalid_option` for a bad server URL.
  static common::Result<std::unique_ptr<ConfigWatcher>> Start(
      const std::string& server, const std::string& key, const std::string& ca_file,
      std::string version, std::string log_prefix, OnChange on_change);
  ~ConfigWatcher();
  Stats stats() const;

 private:
  ConfigWatcher() = default;
  void Run();

  std::unique_ptr<ApiClient> client_;
  std::string log_prefix_;
  OnChange on_change_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Stats stats_;
  std::thread thread_;
};

}  // namespace rampart::agent
