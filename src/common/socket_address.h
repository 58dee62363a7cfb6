// Conversions between IpAddress (+ port) and the kernel's socket addresses. Pure; no
// allocation (the UDP path calls them per datagram).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "common/ip_address.h"

namespace rampart::common {

// `ip` (IPv4-mapped held as IPv4) and `port` as a sockaddr_in or sockaddr_in6; returns its size.
socklen_t ToSockAddr(const IpAddress& ip, uint16_t port, sockaddr_storage& out);
// The address and port of an AF_INET or AF_INET6 socket address (IPv4-mapped IPv6 read as IPv4).
IpAddress FromSockAddr(const sockaddr_storage& sa, uint16_t* port);
// "ip:port", "[ip]:port" for IPv6.
std::string HostPort(const IpAddress& ip, uint16_t port);

}  // namespace rampart::common
