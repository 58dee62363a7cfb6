// Prometheus metrics of the service: requests by route and status, a latency histogram,
// and counters of business events (orders, deliveries, ledger movements). Gauges that live
// in the database (job queue depth and lag) are read at scrape time by the caller.
// Thread-safe.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace rampart::api {

class Metrics {
 public:
  void ObserveRequest(const std::string& route, const std::string& method, int status,
                      double seconds);
  void Count(const std::string& name, const std::string& label_key, const std::string& label_value);
  // The Prometheus text exposition, with `extra` (already formatted lines) appended.
  std::string Render(const std::string& extra) const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.5,   1.0};
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::array<uint64_t, kBuckets.size()> latency_buckets_{};
  uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> events_;
};

}  // namespace rampart::api
