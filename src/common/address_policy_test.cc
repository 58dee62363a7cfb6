#include "common/address_policy.h"

#include <gtest/gtest.h>

namespace rampart::common {
namespace {

std::optional<std::string> Why(const char* text) {
  auto ip = IpAddress::Parse(text);
  EXPECT_TRUE(ip) << text;
  return WhyNotPublic(*ip);
}

TEST(AddressPolicy, RefusesEveryNonGlobalRange) {
  for (const char* a : {"0.0.0.0",
                        "0.1.2.3",
                        "10.0.0.1",
                        "100.64.0.1",
                        "100.127.255.255",
                        "127.0.0.1",
                        "127.255.0.1",
                        "169.254.169.254",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.0.0.8",
                        "192.88.99.1",
                        "192.168.1.1",
                        "198.18.0.1",
                        "198.19.255.255",
                        "224.0.0.1",
                        "239.255.255.250",
                        "240.0.0.1",
                        "255.255.255.255",
                        "::",
                        "::1",
                        "fe80::1",
                        "fec0::1",
                        "fc00::1",
                        "fd12:3456::1",
                        "ff02::1",
                        "100::1",
                        "2001::1",
                        "2001:0:4136:e378::1",
                        "64:ff9b:1::1"}) {
    EXPECT_TRUE(Why(a).has_value()) << a;
  }
  EXPECT_EQ(*Why("127.0.0.1"), "loopback (127.0.0.0/8)");
  EXPECT_EQ(*Why("4000::1"), "not global unicast (outside 2000::/3)");
}

// The bug: [::127.0.0.1] and [64:ff9b::7f00:1] passed the webhook guard.
TEST(AddressPolicy, JudgesIpv4CarriedInIpv6AsTheIpv4) {
  EXPECT_TRUE(Why("::ffff:127.0.0.1"));  // mapped: held as the IPv4 address itself
  for (const char* a : {"::127.0.0.1", "::10.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",
                        "2002:7f00:1::1", "2002:c0a8:101::1"}) {
    auto why = Why(a);
    ASSERT_TRUE(why.has_value()) << a;
    EXPECT_NE(why->find("carried in IPv6"), std::string::npos) << *why;
  }
  EXPECT_FALSE(Why("::ffff:8.8.8.8"));
  EXPECT_FALSE(Why("64:ff9b::808:808"));
  EXPECT_FALSE(Why("2002:808:808::1"));
}

TEST(AddressPolicy, AllowsGlobalUnicastAndDocumentation) {
  for (const char* a : {"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.32.0.1",
                        "198.20.0.1", "223.255.255.255", "192.0.2.1", "198.51.100.7", "203.0.113.9",
                        "2001:db8::1", "2606:4700::1111", "2a00:1450::1"}) {
    EXPECT_FALSE(Why(a).has_value()) << a << ": " << Why(a).value_or("");
  }
}

TEST(AddressPolicy, NumericHostNamesAreNotNames) {
  for (const char* n : {"127.1", "0177.0.0.1", "1.2.3", "999.1.1.1", "2130706433", "0x7f.1",
                        "10.0.0.1.", "a.0x7f"}) {
    EXPECT_TRUE(IsNumericHostName(n)) << n;
  }
  for (const char* n : {"origin.example.com", "1.2.3.example", "3com.com", "0x.io", "a.b0"}) {
    EXPECT_FALSE(IsNumericHostName(n)) << n;
  }
}

}  // namespace
}  // namespace rampart::common
