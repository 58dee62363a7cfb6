#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "agent/state_dir.h"
#include "common/file_io.h"
#include "forward/balancer.h"
#include "forward/forward_config.h"
#include "forward/proxy_v2.h"
#include "forward/source_limits.h"
#include "forward/usage_meter.h"
#include "forward/usage_spool.h"
#include "forward/usage_state.h"

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

TEST(UsageMeter, ASnapshotKeepsTheWindowsAndARestoreHandsThemOutOnce) {
  UsageMeter m;
  m.Count(Ip("203.0.113.1"), 100, 7, 3);
  m.Count(Ip("203.0.113.1"), 130, 1, 0);  // the next window: the first is pending
  m.Count(Ip("2001:db8::1"), 130, 0, 9);
  std::vector<WindowBytes> saved;
  m.Snapshot(saved);
  ASSERT_EQ(saved.size(), 3u);
  std::vector<WindowBytes> again;
  m.Snapshot(again);
  EXPECT_EQ(again.size(), 3u) << "a snapshot takes nothing away";

  // A restart: the saved windows come back (in either order) and each goes out once, one
  // sample per address and window, with the new process's bytes of the same window in it.
  using Key = std::pair<std::string, int64_t>;
  const std::map<Key, std::pair<uint64_t, uint64_t>> want = {{{"203.0.113.1", 60}, {7, 3}},
                                                             {{"203.0.113.1", 120}, {101, 0}},
                                                             {{"2001:db8::1", 120}, {0, 9}}};
  for (bool reversed : {false, true}) {
    UsageMeter restarted;
    if (reversed) std::reverse(saved.begin(), saved.end());
    for (const auto& w : saved) restarted.Restore(w);
    restarted.Count(Ip("203.0.113.1"), 150, 100, 0);
    EXPECT_EQ(restarted.in_total(), 100u) << "restored bytes are not this process's traffic";
    std::vector<WindowBytes> out;
    restarted.Advance(180, out);
    std::map<Key, std::pair<uint64_t, uint64_t>> got;
    for (const auto& w : out) {
      EXPECT_TRUE(
          got.emplace(Key{w.ip.ToString(), w.window_start}, std::pair{w.in_bytes, w.out_bytes})
              .second)
          << "two samples of one window: " << w.ip.ToString() << " " << w.window_start;
    }
    EXPECT_EQ(got, want) << (reversed ? "reversed" : "in order");
  }
}

TEST(UsageState, RoundTripsAndRefusesDamage) {
  UsageState s;
  s.next_seq = 8;
  s.windows = {{Ip("203.0.113.1"), 120, 5, 6}, {Ip("2001:db8::7"), 180, 0, 1}};
  agent::UsageBatch b;
  b.seq = 7;
  b.id = "forward:t1:1700000000-7";
  b.body = "{\"ip\":\"203.0.113.1\"}\n{\"ip\":\"203.0.113.2\"}\n";
  b.samples = 2;
  s.batches = {b};
  const std::string text = EncodeUsageState(s);
  auto back = DecodeUsageState(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->next_seq, 8u);
  ASSERT_EQ(back->windows.size(), 2u);
  EXPECT_EQ(back->windows[1].ip.ToString(), "2001:db8::7");
  EXPECT_EQ(back->windows[0].out_bytes, 6u);
  ASSERT_EQ(back->batches.size(), 1u);
  EXPECT_EQ(back->batches[0].id, b.id);
  EXPECT_EQ(back->batches[0].body, b.body);
  EXPECT_EQ(EncodeUsageState(*back), text);

  for (const std::string& damaged : std::vector<std::string>{
           text.substr(0, text.size() - 1), text.substr(0, text.size() - 20), std::string(),
           "rampart-forward-usage 1\nW 203.0.113.1 121 1 1\nN 1\n",
           "rampart-forward-usage 1\nN 3\nB 3 x 0\n", "rampart-forward-usage 1\n",
           "rampart-forward-usage 1\nN 2\nW 203.0.113.1 60 -1 1\n",
           "rampart-forward-usage 1\nN 2\nB 1 x 2\n{}\n"}) {
    EXPECT_FALSE(DecodeUsageState(damaged)) << damaged;
  }
}

class UsageSpoolTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static agent::UsageBatch Batch(uint64_t seq) {
    agent::UsageBatch b;
    b.seq = seq;
    b.id = "forward:t:1-" + std::to_string(seq);
    b.body = "{\"n\":" + std::to_string(seq) + "}\n";
    b.samples = 1;
    return b;
  }
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("rampart_spool_" + std::to_string(::getpid()));
};

TEST_F(UsageSpoolTest, SavedBatchesAndWindowsComeBackAndGoneOnesDoNot) {
  std::vector<uint64_t> saved_up_to;
  {
    UsageState restored;
    auto spool = UsageSpool::Open(
        dir_, [&](uint64_t seq) { saved_up_to.push_back(seq); }, &restored);
    ASSERT_TRUE(spool) << spool.error().message;
    EXPECT_EQ(restored.next_seq, 1u);
    EXPECT_TRUE(restored.batches.empty());
    (*spool)->Save({Batch(1), Batch(2)}, {}, {{Ip("203.0.113.1"), 60, 1, 2}}, 3);
    ASSERT_TRUE((*spool)->Flush(std::chrono::seconds(5)));
    (*spool)->Save({Batch(3)}, {1}, {{Ip("203.0.113.1"), 120, 4, 0}}, 4);
  }  // the destructor finishes the last save
  ASSERT_FALSE(saved_up_to.empty());
  EXPECT_EQ(saved_up_to.back(), 3u) << "the outbox may send batches up to 3";

  UsageState restored;
  auto spool = UsageSpool::Open(
      dir_, [](uint64_t) {}, &restored);
  ASSERT_TRUE(spool) << spool.error().message;
  EXPECT_EQ(restored.next_seq, 4u);
  ASSERT_EQ(restored.batches.size(), 2u);
  EXPECT_EQ(restored.batches[0].seq, 2u);
  EXPECT_EQ(restored.batches[1].seq, 3u);
  EXPECT_EQ(restored.batches[1].body, Batch(3).body);
  ASSERT_EQ(restored.windows.size(), 1u);
  EXPECT_EQ(restored.windows[0].window_start, 120);
  EXPECT_EQ(restored.windows[0].in_bytes, 4u);
}

// A crash after a batch's file was written but before the windows file that counts it: the
// batch's windows are still in the windows file, so the batch file is dropped, not added.
TEST_F(UsageSpoolTest, ABatchTheWindowsFileDoesNotCountIsDropped) {
  {
    UsageState restored;
    auto spool = UsageSpool::Open(
        dir_, [](uint64_t) {}, &restored);
    ASSERT_TRUE(spool);
    (*spool)->Save({Batch(1)}, {}, {{Ip("203.0.113.1"), 60, 10, 0}}, 2);
  }
  UsageState five{.next_seq = 6, .windows = {}, .batches = {Batch(5)}};
  ASSERT_TRUE(common::WriteFileAtomically(dir_ / "batches" / "5", EncodeUsageState(five)));
  { std::ofstream(dir_ / "batches" / "6.tmp") << "cut sh"; }
  UsageState restored;
  auto spool = UsageSpool::Open(
      dir_, [](uint64_t) {}, &restored);
  ASSERT_TRUE(spool) << spool.error().message;
  ASSERT_EQ(restored.batches.size(), 1u);
  EXPECT_EQ(restored.batches[0].seq, 1u);
  EXPECT_EQ(restored.windows.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "batches" / "5"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "batches" / "6.tmp"));

  // A damaged file is said, not taken as empty.
  std::ofstream(dir_ / "usage") << "rampart-forward-usage 1\nN 2\nW 203.0.113.1 60 1";
  spool->reset();
  auto damaged = UsageSpool::Open(
      dir_, [](uint64_t) {}, &restored);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code, common::Code::kInvalidState);
  EXPECT_NE(damaged.error().message.find("usage"), std::string::npos);
}

TEST_F(UsageSpoolTest, AStateDirIsLockedForOneProcess) {
  auto first = agent::StateDir::Open(dir_);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(std::filesystem::status(dir_).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  // flock locks belong to the open file: a second open in this process conflicts as another
  // process's would.
  auto second = agent::StateDir::Open(dir_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, common::Code::kConflict);
  first->reset();
  EXPECT_TRUE(agent::StateDir::Open(dir_));
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
