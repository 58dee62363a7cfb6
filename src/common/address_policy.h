// The one address policy for everything the server or an agent connects to on a tenant's
// behalf (webhook receivers, forwarding-rule origins): only globally routable unicast.
//
// Refused: loopback, unspecified, private (RFC 1918, RFC 4193), shared (CGNAT, RFC 6598),
// link-local, IPv6 site-local, multicast, benchmarking (198.18/15), IETF protocol
// assignments (192.0.0/24, 2001::/23 with Teredo), reserved (240/4, broadcast), discard
// (100::/64), the 6to4 relay anycast, local-use NAT64 (64:ff9b:1::/48), and IPv6 outside
// 2000::/3. An IPv4 address carried in IPv6 (mapped ::ffff:0:0/96, compatible ::/96, NAT64
// 64:ff9b::/96, 6to4 2002::/16) is judged as the IPv4 address it carries, so
// `[::127.0.0.1]` is loopback. The documentation ranges (192.0.2/24, 198.51.100/24,
// 203.0.113/24, 2001:db8::/32) are allowed: examples and tests use them, and nothing routes
// them. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/ip_address.h"

namespace rampart::common {

// Why `ip` may not be connected to ("loopback", "private", ...), or nothing when it may.
std::optional<std::string> WhyNotPublic(const IpAddress& ip);

// A host name made only of digits, dots and hex (`127.1`, `0177.0.0.1`, `0x7f.1`,
// `999.1.1.1`): resolvers read such names as IPv4 in forms Parse does not take, so they are
// refused as names (no top-level domain is all-numeric, RFC 3696 §2).
bool IsNumericHostName(std::string_view name);

}  // namespace rampart::common
