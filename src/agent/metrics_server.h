// MetricsServer: the agents' /metrics (Prometheus text) on their own small HTTP listener, one
// thread, one request at a time (scrapes are rare and cheap). `render` is called on that
// thread for each scrape and must be thread-safe. Stops (and joins) on destruction.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/error.h"

namespace rampart::agent {

class MetricsServer {
 public:
  // `address`: ADDR:PORT. `invalid_option` when it does not parse or bind.
  static common::Result<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                              std::function<std::string()> render);
  ~MetricsServer();
  uint16_t port() const;

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rampart::agent
