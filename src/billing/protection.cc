#include "billing/protection.h"

namespace rampart::billing {

std::string_view ToString(ForwardingMode m) {
  return m == ForwardingMode::kByTraffic ? "by_traffic" : "by_bandwidth";
}

std::optional<ForwardingMode> ParseForwardingMode(std::string_view text) {
  if (text == "by_traffic") return ForwardingMode::kByTraffic;
  if (text == "by_bandwidth") return ForwardingMode::kByBandwidth;
  return std::nullopt;
}

std::string_view ToString(Scope s) { return s == Scope::kSingle ? "single" : "multi"; }

std::optional<Scope> ParseScope(std::string_view text) {
  if (text == "single") return Scope::kSingle;
  if (text == "multi") return Scope::kMulti;
  return std::nullopt;
}

}  // namespace rampart::billing

namespace rampart::billing {

namespace {
constexpr std::string_view kStateNames[] = {"provisioning", "running", "expired", "released",
                                            "failed"};
}

std::string_view ToString(ResourceState s) { return kStateNames[static_cast<int>(s)]; }

std::optional<ResourceState> ParseResourceState(std::string_view text) {
  for (int i = 0; i < 5; ++i) {
    if (kStateNames[i] == text) return static_cast<ResourceState>(i);
  }
  return std::nullopt;
}

}  // namespace rampart::billing
