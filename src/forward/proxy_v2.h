// The PROXY protocol version 2 header (haproxy.org's proxy-protocol.txt §2.2) that tells an
// origin who the client was: the forwarder sends it first on each TCP connection to the
// origin, and before the payload of each UDP datagram. Pure; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/ip_address.h"

namespace rampart::forward {

inline constexpr size_t kProxyV2MaxSize = 16 + 36;

// Writes the header for a connection from `client` to `frontend` (both IPv4 or both IPv6;
// mixed families are sent as IPv6, IPv4-mapped) into `out`; returns its size.
size_t WriteProxyV2(bool udp, const common::IpAddress& client, uint16_t client_port,
                    const common::IpAddress& frontend, uint16_t frontend_port,
                    std::array<uint8_t, kProxyV2MaxSize>& out);

}  // namespace rampart::forward
