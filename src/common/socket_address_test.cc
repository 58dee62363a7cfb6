#include "common/socket_address.h"

#include <gtest/gtest.h>

namespace rampart::common {
namespace {

TEST(SocketAddress, RoundTripsBothFamiliesWithTheirPorts) {
  for (const char* text : {"203.0.113.7", "2001:db8::1", "::"}) {
    const IpAddress ip = IpAddress::Parse(text).value();
    sockaddr_storage sa;
    const socklen_t len = ToSockAddr(ip, 2055, sa);
    EXPECT_EQ(len, ip.is_v4() ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)) << text;
    EXPECT_EQ(sa.ss_family, ip.is_v4() ? AF_INET : AF_INET6) << text;
    uint16_t port = 0;
    EXPECT_EQ(FromSockAddr(sa, &port), ip) << text;
    EXPECT_EQ(port, 2055) << text;
  }
  // An IPv4-mapped IPv6 address is the IPv4 address (as IpAddress holds it), on an IPv4 socket.
  sockaddr_storage sa;
  EXPECT_EQ(ToSockAddr(IpAddress::Parse("::ffff:198.51.100.1").value(), 53, sa),
            sizeof(sockaddr_in));
  EXPECT_EQ(FromSockAddr(sa, nullptr).ToString(), "198.51.100.1");
}

TEST(SocketAddress, HostPortBracketsIpv6) {
  EXPECT_EQ(HostPort(IpAddress::Parse("203.0.113.7").value(), 80), "203.0.113.7:80");
  EXPECT_EQ(HostPort(IpAddress::Parse("2001:db8::1").value(), 443), "[2001:db8::1]:443");
}

}  // namespace
}  // namespace rampart::common
