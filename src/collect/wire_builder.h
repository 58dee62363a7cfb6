// WireBuilder: datagrams built byte by byte for the decoders' tests (big-endian integers of
// 1, 2, 4 or 8 bytes, IPv4 addresses, other builders). Value type; grows as it is written.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace rampart::collect {

struct WireBuilder {
  std::vector<uint8_t> b;
  WireBuilder& u8(uint64_t v) { return put(v, 1); }
  WireBuilder& u16(uint64_t v) { return put(v, 2); }
  WireBuilder& u32(uint64_t v) { return put(v, 4); }
  WireBuilder& u64(uint64_t v) { return put(v, 8); }
  WireBuilder& ip4(uint8_t a, uint8_t b2, uint8_t c, uint8_t d) {
    for (uint8_t x : {a, b2, c, d}) b.push_back(x);
    return *this;
  }
  WireBuilder& raw(const WireBuilder& w) {
    // Byte by byte: g++ 12 -O3 warns falsely on inserting one vector into another.
    for (uint8_t x : w.b) b.push_back(x);
    return *this;
  }
  WireBuilder& put(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  size_t size() const { return b.size(); }
};

}  // namespace rampart::collect
