#include "common/socket_address.h"

#include <cstring>

namespace rampart::common {

socklen_t ToSockAddr(const IpAddress& ip, uint16_t port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (ip.is_v4()) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, ip.bytes().data() + 12, 4);
    return sizeof(sockaddr_in);
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&out);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  std::memcpy(&a->sin6_addr, ip.bytes().data(), 16);
  return sizeof(sockaddr_in6);
}

IpAddress FromSockAddr(const sockaddr_storage& sa, uint16_t* port) {
  IpAddress ip;
  auto& b = ip.mutable_bytes();
  if (sa.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&sa);
    b[10] = b[11] = 0xff;
    std::memcpy(b.data() + 12, &a->sin_addr, 4);
    if (port) *port = ntohs(a->sin_port);
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&sa);
    std::memcpy(b.data(), &a->sin6_addr, 16);
    if (port) *port = ntohs(a->sin6_port);
  }
  return ip;
}

std::string HostPort(const IpAddress& ip, uint16_t port) {
  return ip.is_v4() ? ip.ToString() + ":" + std::to_string(port)
                    : "[" + ip.ToString() + "]:" + std::to_string(port);
}

}  // namespace rampart::common
