#include "common/ip_address.h"

#include <gtest/gtest.h>

namespace rampart::common {
namespace {

TEST(IpAddress, ParsesBothFamiliesCanonically) {
  EXPECT_EQ(IpAddress::Parse("203.0.113.7")->ToString(), "203.0.113.7");
  EXPECT_TRUE(IpAddress::Parse("203.0.113.7")->is_v4());
  EXPECT_EQ(IpAddress::Parse("2001:DB8:0:0::1")->ToString(), "2001:db8::1");
  EXPECT_FALSE(IpAddress::Parse("2001:db8::1")->is_v4());
  EXPECT_EQ(IpAddress::Parse("::ffff:203.0.113.7").value(),
            IpAddress::Parse("203.0.113.7").value());
}

TEST(IpAddress, RejectsNonAddresses) {
  for (const char* bad :
       {"", "203.0.113", "203.0.113.256", "example.com", "1.2.3.4 ", "::g", "203.0.113.7/32"}) {
    auto r = IpAddress::Parse(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, "invalid_ip");
  }
}

}  // namespace
}  // namespace rampart::common
