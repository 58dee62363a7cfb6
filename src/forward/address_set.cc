#include "forward/address_set.h"

#include <algorithm>

namespace rampart::forward {

void AddressSet::Add(const common::Cidr& cidr) {
  Key lo = cidr.network().bytes();
  Key hi = lo;
  // The prefix in 128-bit terms (an IPv4 CIDR is held IPv4-mapped).
  const int bits = cidr.network().is_v4() ? 96 + cidr.prefix() : cidr.prefix();
  for (int bit = bits; bit < 128; ++bit) hi[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  ranges_.emplace_back(lo, hi);
}

void AddressSet::Seal() {
  std::sort(ranges_.begin(), ranges_.end());
  std::vector<std::pair<Key, Key>> merged;
  for (const auto& r : ranges_) {
    if (!merged.empty() && r.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  ranges_ = std::move(merged);
}

bool AddressSet::Contains(const common::IpAddress& ip) const {
  const Key& k = ip.bytes();
  // The last range starting at or below k.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), k,
                             [](const Key& key, const auto& r) { return key < r.first; });
  if (it == ranges_.begin()) return false;
  --it;
  return k <= it->second;
}

}  // namespace rampart::forward
