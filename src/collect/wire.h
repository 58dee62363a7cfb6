// Big-endian reads for the flow decoders (NetFlow/IPFIX, sFlow). The caller checks the bounds:
// each reads exactly the bytes it names. Addresses come back as common::IpAddress (IPv4 held
// IPv4-mapped, as IpAddress holds it).
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>

#include "common/ip_address.h"

namespace rampart::collect::wire {

using Bytes = std::span<const uint8_t>;

inline uint64_t Uint(Bytes b) {  // big-endian, at most 8 bytes
  uint64_t v = 0;
  for (size_t i = 0; i < std::min<size_t>(b.size(), 8); ++i) v = (v << 8) | b[i];
  return v;
}
inline uint16_t U16(Bytes b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
inline uint32_t U32(Bytes b, size_t at) {
  return static_cast<uint32_t>(b[at]) << 24 | static_cast<uint32_t>(b[at + 1]) << 16 |
         static_cast<uint32_t>(b[at + 2]) << 8 | b[at + 3];
}

inline common::IpAddress V4(Bytes b) {
  // ::ffff:a.b.c.d written as two words: the meter reads it as words (hash, compare), and
  // byte-wide stores read back as a word stall until they land.
  uint32_t v4;
  std::memcpy(&v4, b.data(), 4);
  const uint64_t high = uint64_t{v4} << 32 | 0xffff0000u;  // bytes 8..15, little-endian
  static_assert(std::endian::native == std::endian::little);
  common::IpAddress ip;
  std::memset(ip.mutable_bytes().data(), 0, 8);
  std::memcpy(ip.mutable_bytes().data() + 8, &high, 8);
  return ip;
}
inline common::IpAddress V6(Bytes b) {
  common::IpAddress ip;
  std::memcpy(ip.mutable_bytes().data(), b.data(), 16);
  return ip;
}

}  // namespace rampart::collect::wire
