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
    EXPECT_EQ(r.error().code, common::Code::kInvalidIp);
  }
}

TEST(Cidr, ParsesSizesAndEnumerates) {
  auto c = Cidr::Parse("203.0.113.0/28").value();
  EXPECT_EQ(c.size(), 16);
  EXPECT_EQ(c.At(0).ToString(), "203.0.113.0");
  EXPECT_EQ(c.At(15).ToString(), "203.0.113.15");
  EXPECT_TRUE(c.Contains(IpAddress::Parse("203.0.113.9").value()));
  EXPECT_FALSE(c.Contains(IpAddress::Parse("203.0.113.16").value()));
  auto v6 = Cidr::Parse("2001:db8::/120").value();
  EXPECT_EQ(v6.size(), 256);
  EXPECT_EQ(v6.At(255).ToString(), "2001:db8::ff");
  EXPECT_EQ(Cidr::Parse("2001:db8::/64")->size(), int64_t{1} << 62);
  EXPECT_EQ(Cidr::Parse("10.0.0.0/8")->At(256).ToString(), "10.0.1.0");
  EXPECT_EQ(Cidr::Parse("198.51.100.7/32")->size(), 1);
}

TEST(Cidr, Overlaps) {
  auto a = Cidr::Parse("203.0.113.0/24").value();
  EXPECT_TRUE(a.Overlaps(Cidr::Parse("203.0.113.128/25").value()));
  EXPECT_TRUE(Cidr::Parse("203.0.113.128/25")->Overlaps(a));
  EXPECT_FALSE(a.Overlaps(Cidr::Parse("203.0.114.0/24").value()));
  EXPECT_FALSE(a.Overlaps(Cidr::Parse("2001:db8::/32").value()));
}

TEST(Cidr, RejectsBadBlocks) {
  for (const char* bad : {"203.0.113.0", "203.0.113.0/33", "203.0.113.5/28", "x/8", "1.2.3.4/",
                          "2001:db8::/129", "1.2.3.0/2a"}) {
    auto r = Cidr::Parse(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, common::Code::kInvalidCidr);
  }
  EXPECT_NE(Cidr::Parse("203.0.113.5/28").error().message.find("203.0.113.0/28"),
            std::string::npos);
}

}  // namespace
}  // namespace rampart::common
