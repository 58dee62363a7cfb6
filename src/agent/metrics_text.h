// MetricsText: writes the Prometheus text exposition (format 0.0.4) so that every metric
// family carries its HELP and TYPE lines once, before its samples — what `promtool check
// metrics` requires. Not thread-safe: one per rendering.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

namespace rampart::agent {

class MetricsText {
 public:
  // Starts the family `name`: its HELP and TYPE ("counter" or "gauge") lines.
  MetricsText& Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    return *this;
  }
  // A sample; `labels` is the text inside the braces (`rule="r1"`), or empty for none.
  template <typename N>
  MetricsText& Sample(std::string_view name, std::string_view labels, N value) {
    out_ << name;
    if (!labels.empty()) out_ << "{" << labels << "}";
    out_ << " " << static_cast<int64_t>(value) << "\n";
    return *this;
  }
  // A family with a single unlabelled sample.
  template <typename N>
  MetricsText& One(std::string_view name, std::string_view type, std::string_view help, N value) {
    return Family(name, type, help).Sample(name, "", value);
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

}  // namespace rampart::agent
