#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "forward/balancer.h"
#include "forward/forward_config.h"
#include "forward/proxy_v2.h"
#include "forward/source_limits.h"
#include "forward/usage_meter.h"

namespace rampart::forward {
namespace {

common::IpAddress Ip(const char* text) { return *common::IpAddress::Parse(text); }

TEST(AddressSet, MergedRangesAnswerMembership) {
  AddressSet s;
  s.Add(*common::Cidr::Parse("203.0.113.0/28"));
  s.Add(*common::Cidr::Parse("203.0.113.8/29"));  // inside the first
  s.Add(*common::Cidr::Parse("2001:db8::/64"));
  s.Seal();
  EXPECT_TRUE(s.Contains(Ip("203.0.113.0")));
  EXPECT_TRUE(s.Contains(Ip("203.0.113.15")));
  EXPECT_FALSE(s.Contains(Ip("203.0.113.16")));
  EXPECT_FALSE(s.Contains(Ip("198.51.100.1")));
  EXPECT_TRUE(s.Contains(Ip("2001:db8::ffff")));
  EXPECT_FALSE(s.Contains(Ip("2001:db8:0:1::")));
}

TEST(ProxyV2, HeaderForTcpOverIpv4) {
  std::array<uint8_t, kProxyV2MaxSize> out{};
  const size_t n = WriteProxyV2(false, Ip("198.51.100.7"), 40000, Ip("203.0.113.1"), 443, out);
  ASSERT_EQ(n, 28u);
  const uint8_t want[28] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49,
                            0x54, 0x0A, 0x21, 0x11, 0x00, 0x0C, 198,  51,   100,  7,
                            203,  0,    113,  1,    0x9C, 0x40, 0x01, 0xBB};
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + 28),
            std::vector<uint8_t>(want, want + 28));
  EXPECT_EQ(WriteProxyV2(true, Ip("2001:db8::1"), 1, Ip("2001:db8::2"), 53, out), 52u);
  EXPECT_EQ(out[13], 0x22);  // UDP over IPv6
}

TEST(TokenBucket, ARateIsHeldExactlyOverTime) {
  TokenBucket b;
  int taken = 0;
  // 1,000 per second, offered every 100 us for 3 s: the full bucket (a second's burst), then
  // one per millisecond (the last one due at 3 s exactly, not offered).
  for (int64_t us = 0; us < 3'000'000; us += 100) taken += b.Take(1000, 1, us) ? 1 : 0;
  EXPECT_EQ(taken, 1000 + 3000 - 1);
  TokenBucket debt;
  debt.Charge(8000, 16000, 0);  // read 2 s worth at once
  EXPECT_GT(debt.WaitUs(8000, 0, 0), 1'000'000);
  EXPECT_EQ(debt.WaitUs(8000, 0, 2'000'001), 0);
}

TEST(SourceTable, FullTableSharesOneEntryAndSweepsIdle) {
  SourceTable t(2);
  t.Get(Ip("198.51.100.1"), 0).connections = 1;
  t.Get(Ip("198.51.100.2"), 0);
  SourceState& a = t.Get(Ip("198.51.100.3"), 0);
  SourceState& b = t.Get(Ip("198.51.100.4"), 0);
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(t.overflowed(), 2u);
  t.Sweep(20);
  EXPECT_EQ(t.size(), 1u);  // the one with a connection open stays
}

TEST(UsageMeter, WindowsAreHandedOutOnceWhenTheyEnd) {
  UsageMeter m;
  m.Count(Ip("203.0.113.1"), 120, 100, 10);
  m.Count(Ip("203.0.113.1"), 179, 1, 2);
  m.Count(Ip("203.0.113.1"), 181, 5, 0);  // the next window: the first is pending
  std::vector<WindowBytes> out;
  m.Advance(180, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].window_start, 120);
  EXPECT_EQ(out[0].in_bytes, 101u);
  EXPECT_EQ(out[0].out_bytes, 12u);
  out.clear();
  m.Advance(180, out);
  EXPECT_TRUE(out.empty());
  m.Flush(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].window_start, 180);
  EXPECT_EQ(out[0].in_bytes, 5u);
}

Rule TwoOrigins() {
  Rule r;
  r.origins = {{"198.51.100.1", 80, 75}, {"198.51.100.2", 80, 25}};
  return r;
}

TEST(Balancer, SmoothWeightedRoundRobinGivesEachItsShare) {
  Balancer b;
  b.SetOrigins(TwoOrigins());
  b.SetAddress(0, Ip("198.51.100.1"), "");
  b.SetAddress(1, Ip("198.51.100.2"), "");
  std::map<int, int> picks;
  for (int i = 0; i < 400; ++i) ++picks[b.Pick(Ip("192.0.2.1"), 0)];
  EXPECT_EQ(picks[0], 300);
  EXPECT_EQ(picks[1], 100);
  // Unhealthy after 3 failed checks: every pick goes to the other; healthy after 3 good ones.
  for (int i = 0; i < 3; ++i) b.Report(0, false);
  EXPECT_EQ(b.Pick(Ip("192.0.2.1"), 0), 1);
  EXPECT_EQ(b.Pick(Ip("192.0.2.1"), 0), 1);
  for (int i = 0; i < 3; ++i) b.Report(0, true);
  EXPECT_TRUE(b.Eligible(0));
  for (int i = 0; i < 3; ++i) b.Report(1, false);
  for (int i = 0; i < 3; ++i) b.Report(0, false);
  EXPECT_EQ(b.Pick(Ip("192.0.2.1"), 0), -1);  // none healthy: refused
}

TEST(Balancer, SourceHashKeepsAClientOnItsOrigin) {
  Rule r = TwoOrigins();
  r.source_hash = true;
  Balancer b;
  b.SetOrigins(r);
  b.SetAddress(0, Ip("198.51.100.1"), "");
  b.SetAddress(1, Ip("198.51.100.2"), "");
  std::map<int, int> picks;
  for (int c = 0; c < 4000; ++c) {
    common::IpAddress client = Ip("192.0.2.0");
    client.mutable_bytes()[14] = static_cast<uint8_t>(c >> 8);
    client.mutable_bytes()[15] = static_cast<uint8_t>(c);
    const int first = b.Pick(client, 0);
    EXPECT_EQ(b.Pick(client, 0), first);
    ++picks[first];
  }
  EXPECT_NEAR(picks[0], 3000, 150);  // weights 75:25
}

TEST(ForwardConfig, OneFrontendPerAddressAndRuleAndMalformedRefusedWhole) {
  const auto doc = boost::json::parse(R"({"version": "v1", "private_origins_allowed": true,
    "resources": [{"resource": "res_1", "product": "hdip", "ips": ["203.0.113.1", "203.0.113.2"],
      "policy": {"per_source": {"max_connections": 5}, "blacklist": ["198.51.100.0/24"]},
      "rules": [{"id": "rul_1", "protocol": "udp", "frontend_port": 53, "proxy_protocol": "v2",
                 "origins": [{"address": "origin.example", "port": 53, "weight": 0},
                             {"address": "198.51.100.9", "port": 53}]}]},
     {"resource": "res_2", "product": "hdp", "ips": ["192.0.2.9"], "policy": {}}]})");
  auto c = ParseForwardConfig(doc);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->private_origins_allowed);
  ASSERT_EQ(c->frontends.size(), 2u);
  EXPECT_EQ(c->frontends[1].ip, Ip("203.0.113.2"));
  EXPECT_TRUE(c->frontends[0].rule->udp);
  EXPECT_TRUE(c->frontends[0].rule->proxy_v2);
  EXPECT_EQ(c->frontends[0].rule->origins[0].weight, 0);
  EXPECT_EQ(c->frontends[0].rule->origins[1].weight, 100);
  EXPECT_EQ(c->frontends[0].policy->max_connections, 5);
  EXPECT_TRUE(c->frontends[0].policy->blacklist.Contains(Ip("198.51.100.3")));
  EXPECT_EQ(c->frontends[0].policy, c->frontends[1].policy);  // one per resource

  auto bad = boost::json::parse(boost::json::serialize(doc));
  bad.at("resources").as_array()[0].at("rules").as_array()[0].as_object()["frontend_port"] = 0;
  auto refused = ParseForwardConfig(bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "the configuration is malformed at resources[0].rules[0].frontend_port");
}

}  // namespace
}  // namespace rampart::forward
