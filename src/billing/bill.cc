#include "billing/bill.h"

namespace rampart::billing {

std::string_view ToString(LineKind k) {
  switch (k) {
    case LineKind::kElastic:
      return "elastic";
    case LineKind::kForwardingTraffic:
      return "forwarding_traffic";
    case LineKind::kForwardingBandwidth:
      return "forwarding_bandwidth";
    case LineKind::kAdjustment:
      return "adjustment";
  }
  return "unknown";
}

}  // namespace rampart::billing
