// Attack detection thresholds, the contract between a resource's protection policy (the
// server fills in what the policy leaves out) and `rampart collect`'s meter, which judges
// each second against them (docs/dataplane.md, "Attack traffic"). The defaults: an IP
// receiving more than 1 Gbps, 200 kpps, 50k SYN/s, 100k UDP or 20k ICMP packets/s for 2 s in
// a row is under attack; the attack is over after 60 s below all of them. 0 = not watched.
// Plain data.
#pragma once

#include <cstdint>

namespace rampart::common {

struct Detection {
  int64_t bps = 1'000'000'000;
  int64_t pps = 200'000;
  int64_t syn_pps = 50'000;
  int64_t udp_pps = 100'000;
  int64_t icmp_pps = 20'000;
  int64_t sustain_s = 2;
  int64_t cooldown_s = 60;
};

}  // namespace rampart::common
