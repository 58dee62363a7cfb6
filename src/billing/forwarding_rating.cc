#include "billing/forwarding_rating.h"

#include <algorithm>
#include <cassert>
#include <numeric>
#include <vector>

namespace rampart::billing {

TrafficCharge RateByTraffic(const catalog::ForwardingPrices& prices, int64_t in_bytes,
                            int64_t out_bytes) {
  TrafficCharge c;
  c.measure = {in_bytes, out_bytes, prices.per_gb};
  c.amount = common::Money::RoundHalfUp((__int128(in_bytes) + out_bytes) * prices.per_gb.fen(),
                                        1'000'000'000);
  return c;
}

BandwidthCharge RateByBandwidth(const catalog::ForwardingPrices& prices, int64_t included_mbps,
                                const ForwardedTraffic& traffic) {
  assert(traffic.in_bytes.size() == traffic.out_bytes.size());
  const size_t n = traffic.in_bytes.size();
  BandwidthCharge c;
  BandwidthMeasure& m = c.measure;
  m.measure = prices.measure;
  m.buckets = static_cast<int64_t>(n);
  m.included_mbps = included_mbps;
  m.per_mbps_day = prices.per_mbps_day;
  if (n == 0) return c;

  std::vector<int64_t> bucket(n);
  for (size_t i = 0; i < n; ++i) bucket[i] = std::max(traffic.in_bytes[i], traffic.out_bytes[i]);
  // Indices ordered by bytes descending, earliest first among equals: the measured bucket is
  // the one at position `dropped`.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  m.dropped =
      prices.measure == catalog::BandwidthMeasure::kP95 ? static_cast<int64_t>(n) * 5 / 100 : 0;
  const auto nth = order.begin() + m.dropped;
  std::nth_element(order.begin(), nth, order.end(), [&](size_t a, size_t b) {
    return bucket[a] != bucket[b] ? bucket[a] > bucket[b] : a < b;
  });
  const size_t chosen = *nth;
  m.bucket_bytes = bucket[chosen];
  if (m.bucket_bytes > 0) {
    m.bucket_at =
        traffic.first_start + common::Seconds(static_cast<int64_t>(chosen) * kBucketSeconds);
  }
  const __int128 bits = __int128(m.bucket_bytes) * 8;
  m.measure_bps = static_cast<int64_t>(bits / kBucketSeconds);
  // measure - included > 0  <=>  bits > included x 10^6 x 300; ceil in whole Mbps.
  const __int128 included_bits = __int128(included_mbps) * 1'000'000 * kBucketSeconds;
  constexpr __int128 kMbpsBits = __int128(1'000'000) * kBucketSeconds;
  if (bits > included_bits) {
    m.billable_mbps = static_cast<int64_t>((bits - included_bits + kMbpsBits - 1) / kMbpsBits);
  }
  c.amount = common::Money::FromFen(m.billable_mbps * prices.per_mbps_day.fen());
  return c;
}

}  // namespace rampart::billing
