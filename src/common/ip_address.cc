#include "common/ip_address.h"

#include <arpa/inet.h>

namespace rampart::common {
namespace {
constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

Result<IpAddress> IpAddress::Parse(std::string_view text) {
  IpAddress ip;
  char buf[INET6_ADDRSTRLEN + 1];
  if (!text.empty() && text.size() < sizeof buf) {
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    if (inet_pton(AF_INET, buf, ip.bytes_.data() + 12) == 1) {
      std::memcpy(ip.bytes_.data(), kV4MappedPrefix, 12);
      return ip;
    }
    if (inet_pton(AF_INET6, buf, ip.bytes_.data()) == 1) return ip;
  }
  return Fail("invalid_ip", "\"" + std::string(text) + "\" is not an IPv4 or IPv6 address");
}

bool IpAddress::is_v4() const { return std::memcmp(bytes_.data(), kV4MappedPrefix, 12) == 0; }

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    inet_ntop(AF_INET, bytes_.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  }
  return buf;
}

}  // namespace rampart::common
