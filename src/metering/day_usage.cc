#include "metering/day_usage.h"

#include <cassert>

namespace rampart::metering {

DayUsage::DayUsage(common::Instant day_start, common::Instant day_end)
    : day_start_(day_start),
      day_end_(day_end),
      attack_bps_(static_cast<size_t>((day_end - day_start).count() / 60)),
      in_bytes_(static_cast<size_t>(((day_end - day_start).count() + billing::kBucketSeconds - 1) /
                                    billing::kBucketSeconds)),
      out_bytes_(in_bytes_.size()) {}

void DayUsage::Add(const UsageSample& s) {
  assert(Contains(s.window_start));
  const int64_t offset = (s.window_start - day_start_).count();
  attack_bps_[static_cast<size_t>(offset / 60)] += s.attack_bps;
  const auto bucket = static_cast<size_t>(offset / billing::kBucketSeconds);
  in_bytes_[bucket] += s.in_bytes;
  out_bytes_[bucket] += s.out_bytes;
}

}  // namespace rampart::metering
