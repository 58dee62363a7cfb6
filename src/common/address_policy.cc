#include "common/address_policy.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

namespace rampart::common {
namespace {

struct Range {
  std::array<uint8_t, 16> prefix;
  int bits;  // of 128
  const char* why;
};

bool Matches(const std::array<uint8_t, 16>& b, const Range& r) {
  for (int i = 0; i < r.bits; ++i) {
    const int bit = 7 - i % 8;
    if (((b[i / 8] >> bit) & 1) != ((r.prefix[i / 8] >> bit) & 1)) return false;
  }
  return true;
}

// An IPv4 range as its IPv4-mapped IPv6 prefix.
Range V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, int bits, const char* why) {
  return Range{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d}, 96 + bits, why};
}

const Range kDocumentation[] = {
    V4(192, 0, 2, 0, 24, ""),
    V4(198, 51, 100, 0, 24, ""),
    V4(203, 0, 113, 0, 24, ""),
    {{0x20, 0x01, 0x0d, 0xb8}, 32, ""},
};

const Range kRefusedV4[] = {
    V4(0, 0, 0, 0, 8, "unspecified (0.0.0.0/8)"),
    V4(10, 0, 0, 0, 8, "private (10.0.0.0/8)"),
    V4(100, 64, 0, 0, 10, "shared address space (100.64.0.0/10)"),
    V4(127, 0, 0, 0, 8, "loopback (127.0.0.0/8)"),
    V4(169, 254, 0, 0, 16, "link-local (169.254.0.0/16)"),
    V4(172, 16, 0, 0, 12, "private (172.16.0.0/12)"),
    V4(192, 0, 0, 0, 24, "IETF protocol assignments (192.0.0.0/24)"),
    V4(192, 88, 99, 0, 24, "6to4 relay anycast (192.88.99.0/24)"),
    V4(192, 168, 0, 0, 16, "private (192.168.0.0/16)"),
    V4(198, 18, 0, 0, 15, "benchmarking (198.18.0.0/15)"),
    V4(224, 0, 0, 0, 4, "multicast (224.0.0.0/4)"),
    V4(240, 0, 0, 0, 4, "reserved (240.0.0.0/4)"),
};

const Range kRefusedV6[] = {
    {{}, 128, "unspecified (::)"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback (::1)"},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, "local-use NAT64 (64:ff9b:1::/48)"},
    {{0x01, 0x00}, 64, "discard (100::/64)"},
    {{0x20, 0x01, 0x00, 0x00}, 23, "IETF protocol assignments and Teredo (2001::/23)"},
    {{0xfc}, 7, "unique local (fc00::/7)"},
    {{0xfe, 0x80}, 10, "link-local (fe80::/10)"},
    {{0xfe, 0xc0}, 10, "site-local (fec0::/10)"},
    {{0xff}, 8, "multicast (ff00::/8)"},
};

// The IPv4 address an IPv6 address carries, if it is one of the embeddings.
std::optional<IpAddress> EmbeddedV4(const std::array<uint8_t, 16>& b) {
  auto v4 = [](uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3) {
    IpAddress ip;
    auto& m = ip.mutable_bytes();
    m[10] = m[11] = 0xff;
    m[12] = a0, m[13] = a1, m[14] = a2, m[15] = a3;
    return ip;
  };
  const bool zero96 = std::all_of(b.begin(), b.begin() + 12, [](uint8_t x) { return x == 0; });
  // IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks); :: and ::1 are
  // judged as themselves.
  if (zero96 && (b[12] | b[13] | b[14]) != 0) return v4(b[12], b[13], b[14], b[15]);
  const std::array<uint8_t, 12> nat64 = {0x00, 0x64, 0xff, 0x9b};
  if (std::equal(nat64.begin(), nat64.end(), b.begin())) return v4(b[12], b[13], b[14], b[15]);
  if (b[0] == 0x20 && b[1] == 0x02) return v4(b[2], b[3], b[4], b[5]);  // 6to4
  return std::nullopt;
}

}  // namespace

std::optional<std::string> WhyNotPublic(const IpAddress& ip) {
  const auto& b = ip.bytes();
  for (const Range& r : kDocumentation) {
    if (Matches(b, r)) return std::nullopt;
  }
  if (ip.is_v4()) {
    if (b[12] == 255 && b[13] == 255 && b[14] == 255 && b[15] == 255) return "broadcast";
    for (const Range& r : kRefusedV4) {
      if (Matches(b, r)) return std::string(r.why);
    }
    return std::nullopt;
  }
  if (auto v4 = EmbeddedV4(b)) {
    if (auto why = WhyNotPublic(*v4)) return *why + ", carried in IPv6";
    return std::nullopt;
  }
  for (const Range& r : kRefusedV6) {
    if (Matches(b, r)) return std::string(r.why);
  }
  if ((b[0] & 0xe0) != 0x20) return "not global unicast (outside 2000::/3)";
  return std::nullopt;
}

bool IsNumericHostName(std::string_view name) {
  if (name.empty()) return false;
  // The last label decides: no top-level domain is all digits or a 0x hex number.
  std::string_view last = name;
  if (last.back() == '.') last.remove_suffix(1);
  if (const size_t dot = last.rfind('.'); dot != std::string_view::npos)
    last = last.substr(dot + 1);
  if (last.empty()) return true;
  if (std::all_of(last.begin(), last.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return true;
  }
  if (last.size() > 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
    return std::all_of(last.begin() + 2, last.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  }
  return false;
}

}  // namespace rampart::common
