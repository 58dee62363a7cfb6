// RatioReporter: the console reporter that also remembers each benchmark's items/s, so a
// benchmark binary can print its result against the baseline measured in the same run.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>

namespace rampart::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      auto it = run.counters.find("items_per_second");
      if (it != run.counters.end() && run.run_type == Run::RT_Iteration) {
        items_per_second_[run.run_name.function_name] = it->second.value;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // items/s of a benchmark by its function name (0 when it did not run).
  double Rate(const std::string& name) const {
    auto it = items_per_second_.find(name);
    return it == items_per_second_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> items_per_second_;
};

}  // namespace rampart::bench
