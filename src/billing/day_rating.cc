#include "billing/day_rating.h"

#include <cassert>
#include <numeric>

namespace rampart::billing {

void RateResourceDay(const ResourceDay& day, int64_t included_forwarding_mbps,
                     std::vector<BillLine>* out) {
  assert(day.elastic_prices != nullptr);
  ElasticCharge elastic = RateElastic(*day.elastic_prices, day.timeline, day.attack);
  if (elastic.measure.attack_peak_bps > 0) {
    out->push_back({day.resource_id, LineKind::kElastic, elastic.amount, elastic.measure});
  }
  if (day.forwarding_prices == nullptr) return;
  const int64_t in =
      std::accumulate(day.traffic.in_bytes.begin(), day.traffic.in_bytes.end(), int64_t{0});
  const int64_t outb =
      std::accumulate(day.traffic.out_bytes.begin(), day.traffic.out_bytes.end(), int64_t{0});
  if (in == 0 && outb == 0) return;
  if (day.forwarding_mode == ForwardingMode::kByTraffic) {
    TrafficCharge c = RateByTraffic(*day.forwarding_prices, in, outb);
    out->push_back({day.resource_id, LineKind::kForwardingTraffic, c.amount, c.measure});
  } else {
    BandwidthCharge c =
        RateByBandwidth(*day.forwarding_prices, included_forwarding_mbps, day.traffic);
    out->push_back({day.resource_id, LineKind::kForwardingBandwidth, c.amount, c.measure});
  }
}

}  // namespace rampart::billing
