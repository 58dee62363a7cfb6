// IpAddress: an IPv4 or IPv6 address as 16 bytes (IPv4 held IPv4-mapped, ::ffff:a.b.c.d), so
// both families share one key type in maps. Value type; hashable.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

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
  std::array<uint8_t, 16>& mutable_bytes() { return bytes_; }
  // Two 8-byte compares (the collector's hot path compares addresses for every record; the
  // defaulted one called memcmp).
  bool operator==(const IpAddress& o) const {
    uint64_t a[2], b[2];
    std::memcpy(a, bytes_.data(), 16);
    std::memcpy(b, o.bytes_.data(), 16);
    return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
  }
  auto operator<=>(const IpAddress&) const = default;

 private:
  std::array<uint8_t, 16> bytes_{};
};

// A block of addresses, "203.0.113.0/28" or "2001:db8::/120". Value type.
class Cidr {
 public:
  // `invalid_cidr` for bad text, a prefix out of range, or host bits set (the message gives
  // the network address meant).
  static Result<Cidr> Parse(std::string_view text);
  const IpAddress& network() const { return network_; }
  int prefix() const { return prefix_; }  // in the address family's own bits (v4: 0-32)
  // Number of addresses, capped at 2^62 (an IPv6 /64 and wider).
  int64_t size() const;
  // The address `offset` places after the network address (offset < size()).
  IpAddress At(int64_t offset) const;
  bool Overlaps(const Cidr& other) const;
  bool Contains(const IpAddress& ip) const;
  std::string ToString() const;

 private:
  int Bits128() const { return network_.is_v4() ? 96 + prefix_ : prefix_; }
  IpAddress network_;
  int prefix_ = 0;
};

// A 64x64->128-bit multiply of the two halves, folded: every output bit depends on every
// input bit, so boost::unordered_flat_map (the collector's IP table) uses it as is instead of
// mixing it again (is_avalanching), and std::unordered_map's buckets spread as well.
struct IpAddressHash {
  using is_avalanching = std::true_type;
  size_t operator()(const IpAddress& ip) const {
    uint64_t a, b;
    std::memcpy(&a, ip.bytes().data(), 8);
    std::memcpy(&b, ip.bytes().data() + 8, 8);
    const unsigned __int128 m =
        static_cast<unsigned __int128>(a ^ 0x9E3779B97F4A7C15ULL) * (b ^ 0xD6E8FEB86659FD93ULL);
    return static_cast<size_t>(static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64));
  }
};

}  // namespace rampart::common
