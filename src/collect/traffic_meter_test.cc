// The meter on hand-made flow records: exact spreading, forwarding status, detection with
// sustain and cooldown, late records as revisions, packets judged together, state kept.
#include "collect/traffic_meter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

namespace rampart::collect {
namespace {

const common::IpAddress kIp = common::IpAddress::Parse("203.0.113.7").value();
const common::IpAddress kIp2 = common::IpAddress::Parse("203.0.113.8").value();
const common::IpAddress kClient = common::IpAddress::Parse("198.51.100.1").value();

FlowRecord Record(int64_t start_ms, int64_t end_ms, uint64_t bytes, uint64_t packets = 1,
                  const common::IpAddress& dst = kIp) {
  FlowRecord r;
  r.src = kClient;
  r.dst = dst;
  r.protocol = 17;
  r.bytes = bytes;
  r.packets = packets;
  r.start_ms = start_ms;
  r.end_ms = end_ms;
  return r;
}

// Detection of 1,000 bytes/s (8,000 bps) only, sustained 2 s, cooled down after 3 s.
std::vector<MeterUnit> Units(bool together = false) {
  Detection d{8'000, 0, 0, 0, 0, 2, 3};
  if (together) return {MeterUnit{"res_hdp", d, {kIp, kIp2}}};
  return {MeterUnit{"res_a", d, {kIp}}, MeterUnit{"res_b", d, {kIp2}}};
}

std::map<int64_t, WindowSample> ByWindow(const std::vector<WindowSample>& v) {
  std::map<int64_t, WindowSample> out;
  for (const auto& s : v) out[s.window_start] = s;
  return out;
}

// A meter of kIp with every threshold off (no attack: every byte is clean).
TrafficMeter UnwatchedMeter() {
  TrafficMeter m(120, /*count_bytes=*/true);
  m.Configure({MeterUnit{"res_a", Detection{0, 0, 0, 0, 0, 2, 3}, {kIp}}});
  return m;
}

// The rule of the parts, second by second, by plain division: the first and last (partial)
// seconds get the floor of their share, the whole seconds between the rest, one more each to
// the first of them. `total` over [start_ms, end_ms).
std::map<int64_t, int64_t> PartsRule(int64_t total, int64_t start, int64_t end) {
  const int64_t first_s = start / 1000, last_s = (end - 1) / 1000;
  std::map<int64_t, int64_t> out;  // second -> its part
  if (first_s == last_s) {
    out[first_s] = total;
    return out;
  }
  const auto share = [&](int64_t ms) {
    return static_cast<int64_t>(static_cast<__int128>(total) * ms / (end - start));
  };
  const int64_t first = share((first_s + 1) * 1000 - start);
  const int64_t between = last_s - first_s - 1;
  const int64_t last = between == 0 ? total - first : share(end - last_s * 1000);
  out[first_s] = first;
  out[last_s] = last;
  const int64_t rest = total - first - last;
  for (int64_t s = first_s + 1; s < last_s; ++s) {
    out[s] = rest / between + (s - first_s - 1 < rest % between ? 1 : 0);
  }
  return out;
}

TEST(TrafficMeter, BytesAreSpreadOverTheFlowInPartsThatAddUpExactly) {
  TrafficMeter m(120, /*count_bytes=*/true);
  m.Configure(Units());
  // 1,001 bytes from 10.5 s to 70.5 s: 49.5 s in the first window, 10.5 s in the second.
  m.Add(Record(1'770'000'010'500, 1'770'000'070'499, 1001), 0);
  std::vector<WindowSample> out;
  m.Flush(out);
  auto w = ByWindow(out);
  ASSERT_EQ(w.size(), 2u);
  const int64_t first = 1'770'000'000 - 1'770'000'000 % 60;
  EXPECT_EQ(w[first].clean_in_bytes + w[first + 60].clean_in_bytes, 1001);
  // 1,770,000,000 is a window start. The first and last half seconds get their share floored
  // (1,001 x 0.5 / 60 -> 8 each); the 59 whole seconds between share the other 985: 16 each
  // and one more for the first 41. The first window: 8 + 41 x 17 + 8 x 16 = 833 (825.8 in
  // exact proportion: each whole second is within a byte of its share); the second 10 x 16 + 8.
  EXPECT_EQ(w[first].clean_in_bytes, 833);
  EXPECT_EQ(w[first + 60].clean_in_bytes, 168);
  EXPECT_EQ(w[first].attack_bytes, 0);
  // Sampling multiplies; an operator's override wins over the export's rate.
  TrafficMeter sampled(120, true);
  sampled.Configure(Units());
  auto r = Record(1'770'000'000'000, 1'770'000'000'000, 10);
  r.sampling = 64;
  sampled.Add(r, 0);
  sampled.Add(r, 100);
  out.clear();
  sampled.Flush(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].clean_in_bytes, 640 + 1000);
}

// Records of any length and size (1 ms to an hour, a byte to 10 GB): the windows add up to the
// record exactly, and each window is within 3 bytes per second of its share in proportion.
// Protected IPs of both families are found, however many (IPv4 ones through their own
// open-addressing index, with collisions and wrap-around at this size), and others are not;
// a new configuration replaces the index.
TEST(TrafficMeter, EveryProtectedIpIsFoundAmongManyAndNoOther) {
  auto v4 = [](uint32_t i) {  // 10.x.y.z, x.y.z scattered (a bijection of i's low 24 bits)
    uint32_t x = i & 0xFFFFFF;
    x ^= x >> 12;
    x = (x * 0x9E3779B1u) & 0xFFFFFF;
    x ^= x >> 11;
    x = (x * 0x85EBCA6Bu) & 0xFFFFFF;
    return common::IpAddress::Parse("10." + std::to_string(x >> 16) + "." +
                                    std::to_string(x >> 8 & 255) + "." + std::to_string(x & 255))
        .value();
  };
  auto v6 = [](uint32_t i) {
    return common::IpAddress::Parse("2001:db8::" + std::to_string(i)).value();
  };
  const Detection off{0, 0, 0, 0, 0, 2, 3};
  auto units = [&](uint32_t from, uint32_t count) {
    std::vector<MeterUnit> out;
    for (uint32_t i = from; i < from + count; ++i) {
      out.push_back({"v4_" + std::to_string(i), off, {v4(i)}});
      if (i % 50 == 0) out.push_back({"v6_" + std::to_string(i), off, {v6(i)}});
    }
    return out;
  };
  constexpr int64_t kT = 1'770'000'000'000;
  for (const uint32_t from : {0u, 2'000u}) {  // then a configuration that replaces the first
    TrafficMeter m(120, /*count_bytes=*/true);
    m.Configure(units(0, 3'000));
    if (from != 0) m.Configure(units(from, 3'000));
    std::vector<FlowRecord> records;
    for (uint32_t i = 0; i < 6'000; ++i) {  // protected or not, of both families
      records.push_back(Record(kT, kT + 500, 1'000 + i, 1, v4(i)));
      if (i % 50 == 0) records.push_back(Record(kT, kT + 500, 1'000 + i, 1, v6(i)));
    }
    records.push_back(Record(kT, kT + 500, 5, 1, v4(3'000'000)));  // never protected
    m.Add(records, 0);
    std::vector<WindowSample> out;
    m.Flush(out);
    std::map<common::IpAddress, int64_t> bytes;
    for (const auto& w : out) bytes[w.ip] += w.clean_in_bytes;
    for (uint32_t i = 0; i < 6'000; ++i) {
      const bool protected_ip = i >= from && i < from + 3'000;
      EXPECT_EQ(bytes[v4(i)], protected_ip ? 1'000 + i : 0) << i;
      if (i % 50 == 0) {
        EXPECT_EQ(bytes[v6(i)], protected_ip ? 1'000 + i : 0) << i;
      }
    }
    EXPECT_EQ(m.stats().unprotected, 3'000u + 60u + 1u);
  }
}

TEST(TrafficMeter, AnyRecordsPartsAddUpAndStayWithinThreeBytesASecondOfItsShare) {
  std::mt19937_64 rng(12345);
  for (int n = 0; n < 500; ++n) {
    TrafficMeter m = UnwatchedMeter();
    const int64_t start = 1'770'000'000'000 + static_cast<int64_t>(rng() % 100'000);
    const int64_t length = static_cast<int64_t>(n % 5 == 0 ? rng() % 1'000 : rng() % 3'600'000);
    const uint64_t bytes = rng() % (n % 2 ? 1'000 : 10'000'000'000ULL);
    m.Add(Record(start, start + length, bytes, 1 + rng() % 1'000), 0);
    std::vector<WindowSample> out;
    m.Flush(out);
    const int64_t end = start + length + 1;  // the end is inclusive
    int64_t sum = 0;
    for (const auto& w : out) {
      const int64_t got = w.attack_bytes + w.clean_in_bytes;
      sum += got;
      const int64_t from = std::max(start, w.window_start * 1000);
      const int64_t to = std::min(end, (w.window_start + 60) * 1000);
      const double share = static_cast<double>(bytes) * static_cast<double>(to - from) /
                           static_cast<double>(end - start);
      const int64_t seconds = (to - from + 999) / 1000 + 1;
      EXPECT_LE(std::abs(static_cast<double>(got) - share), 3.0 * static_cast<double>(seconds))
          << "record " << n << ": " << bytes << " bytes over " << length << " ms, window "
          << w.window_start;
    }
    EXPECT_EQ(sum, static_cast<int64_t>(bytes)) << "record " << n;
  }
}

// The meter's windows equal the parts rule's sums exactly, for totals up to the 2^50 cap (the
// meter divides by reciprocals: an off-by-one there shows here).
TEST(TrafficMeter, WindowsEqualThePartsRuleExactlyUpToTheLargestTotals) {
  std::mt19937_64 rng(777);
  for (int n = 0; n < 400; ++n) {
    TrafficMeter m = UnwatchedMeter();
    const int64_t start = 1'770'000'000'000 + static_cast<int64_t>(rng() % 100'000);
    const int64_t length = static_cast<int64_t>(rng() % (n % 3 ? 3'000 : 3'600'000));
    auto r = Record(start, start + length, rng() % (uint64_t{1} << 32));
    r.sampling = n % 2 ? static_cast<uint32_t>(1 + rng() % (1 << 20)) : 1;
    const int64_t total =
        std::min<int64_t>(static_cast<int64_t>(r.bytes) * r.sampling, int64_t{1} << 50);
    m.Add(r, 0);
    std::vector<WindowSample> out;
    m.Flush(out);
    std::map<int64_t, int64_t> want;  // window start -> bytes
    for (const auto& [second, v] : PartsRule(total, start, start + length + 1)) {
      want[second - second % 60] += v;
    }
    std::map<int64_t, int64_t> got;
    for (const auto& w : out) got[w.window_start] = w.attack_bytes + w.clean_in_bytes;
    std::erase_if(want, [](const auto& kv) { return kv.second == 0; });
    EXPECT_EQ(got, want) << "record " << n << ": " << total << " bytes over " << length << " ms";
  }
}

// A record whose first seconds are settled already (late) and whose others are not: the late
// parts go straight to their windows, the rest through the ring, and together they are the
// parts rule's, exactly (the ring takes the record's changes from its first unsettled second).
TEST(TrafficMeter, ARecordPartlyLateStillGivesThePartsRulesWindows) {
  std::mt19937_64 rng(4242);
  for (int n = 0; n < 200; ++n) {
    TrafficMeter m = UnwatchedMeter();
    const int64_t start = 1'770'000'000'000 + static_cast<int64_t>(rng() % 100'000);
    const int64_t length = 2'000 + static_cast<int64_t>(rng() % 300'000);
    const int64_t end = start + length + 1;
    // Settle up to a second inside the record (the clock is the grace past it).
    const int64_t settled = start / 1000 + 1 + static_cast<int64_t>(rng() % (length / 1000));
    std::vector<WindowSample> out;
    m.Advance(settled + 120, out);
    const auto r = Record(start, start + length, rng() % 10'000'000'000ULL, 1 + rng() % 5'000);
    m.Add(r, 0);
    m.Flush(out);
    std::map<int64_t, int64_t> want, got;
    for (const auto& [second, v] : PartsRule(static_cast<int64_t>(r.bytes), start, end)) {
      if (v != 0) want[second - second % 60] += v;
    }
    for (const auto& w : out) got[w.window_start] += w.attack_bytes + w.clean_in_bytes;
    EXPECT_EQ(got, want) << "record " << n << ": settled at " << settled << ", " << length
                         << " ms from " << start;
    EXPECT_EQ(m.stats().late, 1u);
  }
}

TEST(TrafficMeter, TheExportersForwardingStatusDecidesWhereItIsGiven) {
  TrafficMeter m(120, true);
  m.Configure(Units());
  auto dropped = Record(1'770'000'000'000, 1'770'000'000'500, 600);
  dropped.forwarding_status = 2;
  auto forwarded = Record(1'770'000'000'000, 1'770'000'000'500, 50);
  forwarded.forwarding_status = 1;
  m.Add(dropped, 0);
  m.Add(forwarded, 0);
  auto outbound = Record(1'770'000'000'000, 1'770'000'000'000, 70);
  std::swap(outbound.src, outbound.dst);
  m.Add(outbound, 0);
  m.Add(Record(1'770'000'000'000, 1'770'000'000'000, 5, 1,
               common::IpAddress::Parse("192.0.2.99").value()),
        0);  // not protected
  std::vector<WindowSample> out;
  m.Flush(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attack_bytes, 600);
  EXPECT_EQ(out[0].attack_bps(), 600 * 8 / 60);
  EXPECT_EQ(out[0].clean_in_bytes, 50);
  EXPECT_EQ(out[0].out_bytes, 70);
  EXPECT_EQ(m.stats().unprotected, 1u);
}

TEST(TrafficMeter, AnAttackStartsAfterItsSustainAndEndsAfterItsCooldown) {
  TrafficMeter m(5, /*count_bytes=*/true);
  m.Configure(Units());
  const int64_t t0 = 1'770'000'000;  // seconds; its window starts at t0 - 40
  for (int64_t s = t0; s < t0 + 5; ++s) m.Add(Record(s * 1000, s * 1000 + 999, 2000), 0);
  m.Add(Record((t0 + 7) * 1000, (t0 + 7) * 1000, 10), 0);    // in the cooldown: attack
  m.Add(Record((t0 + 12) * 1000, (t0 + 12) * 1000, 30), 0);  // after it: clean
  std::vector<WindowSample> out;
  m.Advance(t0 + 100, out);
  ASSERT_EQ(out.size(), 1u);
  // t0 exceeds once (clean); from t0+1 the attack runs: 4 x 2,000 + 10.
  EXPECT_EQ(out[0].attack_bytes, 8010);
  EXPECT_EQ(out[0].clean_in_bytes, 2030);
  EXPECT_EQ(m.stats().attacks_started, 1u);
  EXPECT_EQ(m.stats().attacks_open, 0u);

  // A late record for a second of the attack: attack, and the window again as revision 1
  // with its full total.
  m.Add(Record((t0 + 2) * 1000, (t0 + 2) * 1000, 100), 0);
  EXPECT_EQ(m.stats().late, 1u);
  out.clear();
  m.Advance(t0 + 101, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].revision, 1);
  EXPECT_EQ(out[0].attack_bytes, 8110);
  // Nothing changed: nothing emitted.
  out.clear();
  m.Advance(t0 + 102, out);
  EXPECT_TRUE(out.empty());
}

// Outbound bytes are reported only with --count-bytes: without it a record whose only
// protected IP is its source is skipped as unprotected; with it, its bytes are outbound.
TEST(TrafficMeter, ASourceOnlyRecordCountsOnlyWithCountBytes) {
  auto outbound = Record(1'770'000'000'000, 1'770'000'000'000, 700, 1, kClient);
  outbound.src = kIp;
  TrafficMeter attack_only(120, false), counting(120, true);
  attack_only.Configure(Units());
  counting.Configure(Units());
  attack_only.Add(outbound, 0);
  counting.Add(outbound, 0);
  EXPECT_EQ(attack_only.stats().unprotected, 1u);
  EXPECT_EQ(attack_only.stats().records, 0u);
  EXPECT_EQ(counting.stats().unprotected, 0u);
  std::vector<WindowSample> none, out;
  attack_only.Flush(none);
  counting.Flush(out);
  EXPECT_TRUE(none.empty());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ip, kIp);
  EXPECT_EQ(out[0].out_bytes, 700);
}

TEST(TrafficMeter, AWindowWaitsForItsGrace) {
  TrafficMeter m(120, false);
  m.Configure(Units());
  const int64_t w = 1'770'000'000 - 1'770'000'000 % 60;
  auto r = Record(w * 1000, w * 1000, 100);
  r.forwarding_status = 2;
  m.Add(r, 0);
  std::vector<WindowSample> out;
  m.Advance(w + 60 + 119, out);
  EXPECT_TRUE(out.empty());
  m.Advance(w + 60 + 120, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].revision, 0);
  EXPECT_EQ(out[0].clean_in_bytes, 0);  // without --count-bytes, attack only
}

TEST(TrafficMeter, APacketJudgedTogetherIsUnderAttackWhenItsTotalIs) {
  for (bool together : {false, true}) {
    TrafficMeter m(5, false);
    m.Configure(Units(together));
    const int64_t t0 = 1'770'000'000;
    for (int64_t s = t0; s < t0 + 4; ++s) {
      m.Add(Record(s * 1000, s * 1000 + 999, 600, 1, kIp), 0);  // 600 B/s each: below 1,000
      m.Add(Record(s * 1000, s * 1000 + 999, 600, 1, kIp2), 0);
    }
    std::vector<WindowSample> out;
    m.Flush(out);
    int64_t attack = 0;
    for (const auto& s : out) attack += s.attack_bytes;
    EXPECT_EQ(attack, together ? 2 * 3 * 600 : 0) << together;
  }
}

TEST(TrafficMeter, StateSurvivesARestartAndRevisionsGoOn) {
  TrafficMeter m(5, false);
  m.Configure(Units());
  const int64_t t0 = 1'770'000'000;
  auto r = Record(t0 * 1000, t0 * 1000, 100);
  r.forwarding_status = 2;
  m.Add(r, 0);
  std::vector<WindowSample> out;
  m.Advance(t0 + 100, out);
  ASSERT_EQ(out.size(), 1u);
  const std::string saved = m.SaveState();

  TrafficMeter again(5, false);
  again.Configure(Units());
  ASSERT_TRUE(again.RestoreState(saved));
  again.Add(r, 0);
  out.clear();
  again.Advance(t0 + 101, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].revision, 1);
  EXPECT_EQ(out[0].attack_bytes, 200);
  EXPECT_FALSE(again.RestoreState("X nonsense\n"));
}

// A journal: one full save, then only what changed each second. Restoring the full save and
// the changes in order gives the same state as the meter that wrote them, and the changes
// name only the windows touched (not all of them, which is what makes them cheap).
TEST(TrafficMeter, ChangesAfterAFullSaveRestoreToTheSameState) {
  TrafficMeter m(5, true);
  m.Configure(Units());
  const int64_t t0 = 1'770'000'000;
  std::vector<WindowSample> out;
  for (int64_t s = t0; s < t0 + 600; ++s) {  // 10 windows of traffic, an attack among them
    m.Add(Record(s * 1000, s * 1000 + 500, s >= t0 + 300 && s < t0 + 320 ? 5'000 : 100), 0);
    m.Add(Record(s * 1000, s * 1000 + 999, 50, 1, kIp2), 0);
    m.Advance(s, out);
  }
  std::vector<std::string> journal{m.SaveState()};
  size_t longest_change = 0;
  for (int64_t s = t0 + 600; s < t0 + 660; ++s) {
    m.Add(Record(s * 1000, s * 1000 + 999, 300), 0);
    if (s % 20 == 0) m.Add(Record((t0 + 10) * 1000, (t0 + 10) * 1000, 77), 0);  // late
    m.Advance(s, out);
    journal.push_back(m.SaveChanges());
    longest_change = std::max(longest_change, journal.back().size());
  }
  EXPECT_LT(longest_change, journal.front().size() / 2);

  TrafficMeter again(5, true);
  again.Configure(Units());
  for (const auto& part : journal) ASSERT_TRUE(again.RestoreState(part));
  EXPECT_EQ(again.SaveState(), m.SaveState());
  // And they go on alike: the late window's next revision, the same totals.
  std::vector<WindowSample> a, b;
  m.Add(Record((t0 + 10) * 1000, (t0 + 10) * 1000, 5), 0);
  again.Add(Record((t0 + 10) * 1000, (t0 + 10) * 1000, 5), 0);
  m.Advance(t0 + 700, a);
  again.Advance(t0 + 700, b);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].revision, b[i].revision);
    EXPECT_EQ(a[i].clean_in_bytes, b[i].clean_in_bytes);
    EXPECT_EQ(a[i].attack_bytes, b[i].attack_bytes);
  }
}

}  // namespace
}  // namespace rampart::collect

namespace rampart::collect {
namespace {

// Corrupt times cost nothing: a flow "lasting" months counts over its last hour (all of its
// bytes), times outside 1970-2286 are refused.
TEST(TrafficMeter, CorruptTimesAreBounded) {
  TrafficMeter m(5, true);
  m.Configure({MeterUnit{"r", {}, {kIp}}});
  m.Add(Record(1'700'000'000'000, 1'770'000'000'000, 7200), 0);
  m.Add(Record(-5, 1'770'000'000'000, 1), 0);
  m.Add(Record(1'770'000'000'000, INT64_MAX, 1), 0);
  std::vector<WindowSample> out;
  m.Flush(out);
  int64_t total = 0;
  for (const auto& w : out) {
    total += w.clean_in_bytes;
    EXPECT_GE(w.window_start, 1'770'000'000 - 3600 - 60);
  }
  EXPECT_EQ(total, 7200);
  EXPECT_EQ(m.stats().bad_time, 2u);
}

// Records ending more than 72 h before the newest clock are dropped, to the millisecond; a
// corrupt saved clock (either extreme) neither overflows nor lets an impossible record in.
TEST(TrafficMeter, RecordsOlderThan72HoursAreDroppedAndASavedClockIsBounded) {
  const int64_t now = 1'770'000'000, oldest_ms = (now - TrafficMeter::kMaxAgeS) * 1000;
  TrafficMeter m(5, true);
  m.Configure({MeterUnit{"r", {}, {kIp}}});
  std::vector<WindowSample> out;
  m.Advance(now, out);
  m.Add(Record(oldest_ms - 2000, oldest_ms - 1, 100), 0);
  EXPECT_EQ(m.stats().too_old, 1u);
  m.Add(Record(oldest_ms - 2000, oldest_ms, 100), 0);
  EXPECT_EQ(m.stats().too_old, 1u);
  EXPECT_EQ(m.stats().records, 1u);

  TrafficMeter far(5, true);
  far.Configure({MeterUnit{"r", {}, {kIp}}});
  ASSERT_TRUE(far.RestoreState("S 0 9223372036854775807\n"));
  far.Add(Record(9'999'999'999'000, 9'999'999'999'999, 100), 0);  // the latest time allowed
  EXPECT_EQ(far.stats().too_old, 1u);
  TrafficMeter early(5, true);
  early.Configure({MeterUnit{"r", {}, {kIp}}});
  ASSERT_TRUE(early.RestoreState("S 0 -9223372036854775807\n"));
  early.Add(Record(0, 999, 100), 0);
  EXPECT_EQ(early.stats().too_old, 0u);
  EXPECT_EQ(early.stats().records, 1u);
}

// Live timing: records of the last seconds arrive just before the window ends, between ticks.
TEST(TrafficMeter, RecordsArrivingBetweenTicksAreAllJudged) {
  TrafficMeter m(3, true);
  Detection d{1000, 0, 0, 0, 0, 1, 1};
  m.Configure({MeterUnit{"r", d, {kIp}}});
  const int64_t w = 1'770'000'000;
  std::vector<WindowSample> out;
  m.Advance(w + 58, out);
  m.Advance(w + 59, out);
  for (int64_t s : {57, 58, 59}) m.Add(Record((w + s) * 1000, (w + s) * 1000 + 999, 6000), 0);
  for (int64_t t = 60; t <= 63; ++t) m.Advance(w + t, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attack_bytes, 18000);
}

}  // namespace
}  // namespace rampart::collect
