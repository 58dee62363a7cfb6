// Forwarded business traffic, rated for one hdip and one billing day (product.md §5).
//
// By traffic: (inbound + outbound bytes) / 10^9 x price per GB, rounded once.
// By bandwidth: each 5-minute bucket's bandwidth is max(in, out) x 8 / 300 s; the day's
// measure is the largest bucket (`peak`) or the 95th percentile (`p95`: the top
// floor(5 % x buckets) dropped, the largest left), over every bucket of the day, empty ones
// included; billable Mbps = ceil((measure - included) / 10^6) when positive. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "catalog/pricebook.h"
#include "common/money.h"
#include "common/time.h"

namespace rampart::billing {

inline constexpr int64_t kBucketSeconds = 300;

// A day's forwarded bytes in 5-minute buckets; bucket i starts at first_start + 300 i.
struct ForwardedTraffic {
  common::Instant first_start;
  std::span<const int64_t> in_bytes;
  std::span<const int64_t> out_bytes;  // same length as in_bytes
};

struct TrafficMeasure {
  int64_t in_bytes = 0;
  int64_t out_bytes = 0;
  common::Money per_gb;
};

struct BandwidthMeasure {
  catalog::BandwidthMeasure measure = catalog::BandwidthMeasure::kPeak;
  int64_t buckets = 0;
  int64_t dropped = 0;                       // top buckets dropped (p95)
  std::optional<common::Instant> bucket_at;  // the measured bucket's start
  int64_t bucket_bytes = 0;                  // its max(in, out)
  int64_t measure_bps = 0;                   // bucket_bytes x 8 / 300, rounded down
  int64_t included_mbps = 0;
  int64_t billable_mbps = 0;
  common::Money per_mbps_day;
};

struct TrafficCharge {
  common::Money amount;
  TrafficMeasure measure;
};
struct BandwidthCharge {
  common::Money amount;
  BandwidthMeasure measure;
};

TrafficCharge RateByTraffic(const catalog::ForwardingPrices& prices, int64_t in_bytes,
                            int64_t out_bytes);

BandwidthCharge RateByBandwidth(const catalog::ForwardingPrices& prices, int64_t included_mbps,
                                const ForwardedTraffic& traffic);

}  // namespace rampart::billing
