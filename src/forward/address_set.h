// AddressSet: a policy's black or white list (at most a few thousand CIDRs) as sorted,
// merged address ranges, so a lookup per packet is a binary search. Value type; const
// methods are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/ip_address.h"

namespace rampart::forward {

class AddressSet {
 public:
  void Add(const common::Cidr& cidr);  // then Seal() before lookups
  void Seal();                         // sorts and merges
  bool Contains(const common::IpAddress& ip) const;
  bool empty() const { return ranges_.empty(); }
  bool operator==(const AddressSet&) const = default;

 private:
  using Key = std::array<uint8_t, 16>;
  std::vector<std::pair<Key, Key>> ranges_;  // inclusive, sorted, disjoint after Seal()
};

}  // namespace rampart::forward
