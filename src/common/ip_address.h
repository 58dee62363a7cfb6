// IpAddress: an IPv4 or IPv6 address as 16 bytes (IPv4 held IPv4-mapped, ::ffff:a.b.c.d), so
// both families share one key type in maps. Value type; hashable.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace rampart::common {

class IpAddress {
 public:
  IpAddress() = default;
  // Accepts dotted IPv4 ("203.0.113.7") and any RFC 4291 IPv6 text; `invalid_ip` otherwise.
  static Result<IpAddress> Parse(std::string_view text);
  bool is_v4() const;
  // Canonical text: dotted quad for IPv4, RFC 5952 for IPv6.
  std::string ToString() const;
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  bool operator==(const IpAddress&) const = default;
  auto operator<=>(const IpAddress&) const = default;

 private:
  std::array<uint8_t, 16> bytes_{};
};

struct IpAddressHash {
  size_t operator()(const IpAddress& ip) const {
    uint64_t a, b;
    std::memcpy(&a, ip.bytes().data(), 8);
    std::memcpy(&b, ip.bytes().data() + 8, 8);
    return std::hash<uint64_t>()(a * 0x9E3779B97F4A7C15ULL ^ b);
  }
};

}  // namespace rampart::common
