#include "api/metrics.h"

#include <sstream>

namespace rampart::api {
namespace {

// The HELP line of a counter the service counts with Count().
std::string_view HelpOf(std::string_view name) {
  if (name == "rampart_orders_total") return "Orders by event (created, paid).";
  if (name == "rampart_ledger_movements_total") return "Balance movements by kind.";
  if (name == "rampart_deliveries_total") return "Resource deliveries by outcome.";
  if (name == "rampart_day_closes_total") return "Billing day closes by outcome.";
  return "Events counted by the service.";
}

// A label value as the text format requires: backslash, double quote and newline escaped.
std::string Escaped(std::string_view v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

}  // namespace

void Metrics::ObserveRequest(const std::string& route, const std::string& method, int status,
                             double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, method, status}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++latency_buckets_[i];
  }
  ++latency_count_;
  latency_sum_ += seconds;
}

void Metrics::Count(const std::string& name, const std::string& label_key,
                    const std::string& label_value) {
  std::lock_guard lock(mutex_);
  ++events_[{name, label_key, label_value}];
}

std::string Metrics::Render(const std::string& extra) const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  out << "# HELP rampart_http_requests_total HTTP requests by route, method and status.\n"
         "# TYPE rampart_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out << "rampart_http_requests_total{route=\"" << Escaped(route) << "\",method=\""
        << Escaped(method) << "\",status=\"" << status << "\"} " << n << "\n";
  }
  out << "# HELP rampart_http_request_duration_seconds Time to answer a request.\n"
         "# TYPE rampart_http_request_duration_seconds histogram\n";
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    out << "rampart_http_request_duration_seconds_bucket{le=\"" << kBuckets[i] << "\"} "
        << latency_buckets_[i] << "\n";
  }
  out << "rampart_http_request_duration_seconds_bucket{le=\"+Inf\"} " << latency_count_ << "\n"
      << "rampart_http_request_duration_seconds_sum " << latency_sum_ << "\n"
      << "rampart_http_request_duration_seconds_count " << latency_count_ << "\n";
  std::string last_name;
  for (const auto& [key, n] : events_) {
    const auto& [name, label_key, label_value] = key;
    if (name != last_name) {
      out << "# HELP " << name << " " << HelpOf(name) << "\n# TYPE " << name << " counter\n";
      last_name = name;
    }
    out << name << "{" << label_key << "=\"" << Escaped(label_value) << "\"} " << n << "\n";
  }
  out << extra;
  return out.str();
}

}  // namespace rampart::api
