// DayUsage: one resource's usage over one billing day, gathered from its samples into the
// shapes the billing core rates: attack per minute-aligned window start (summed over the
// resource's IPs, so a multi-IP packet's windows with the same start add up) and forwarded
// bytes per 5-minute bucket.
//
// Memory: 8 bytes per minute plus 16 per bucket (~16 KiB a day). Not thread-safe; one
// accumulator per resource and day.
#pragma once

#include <cstdint>
#include <vector>

#include "billing/elastic_rating.h"
#include "billing/forwarding_rating.h"
#include "common/time.h"
#include "metering/sample.h"

namespace rampart::metering {

class DayUsage {
 public:
  // The day [day_start, day_end); both on whole minutes, and on 5-minute marks for real
  // zones (all UTC offsets are multiples of 15 minutes).
  DayUsage(common::Instant day_start, common::Instant day_end);

  // Adds a validated sample whose window starts within the day.
  void Add(const UsageSample& sample);

  billing::AttackSeries attack() const { return {day_start_, 60, attack_bps_}; }
  billing::ForwardedTraffic traffic() const { return {day_start_, in_bytes_, out_bytes_}; }
  bool Contains(common::Instant window_start) const {
    return window_start >= day_start_ && window_start < day_end_;
  }

 private:
  common::Instant day_start_;
  common::Instant day_end_;
  std::vector<int64_t> attack_bps_;  // per minute
  std::vector<int64_t> in_bytes_;    // per 5-minute bucket
  std::vector<int64_t> out_bytes_;
};

}  // namespace rampart::metering
