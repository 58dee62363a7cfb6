#include "metering/day_ingest.h"

#include <gtest/gtest.h>

#include "catalog/pricebook_loader.h"

namespace rampart::metering {
namespace {

using common::IpAddress;
using common::ParseRfc3339;

constexpr int64_t G = billing::kBitsPerGbit;
const common::Day kDay = std::chrono::year{2026} / 11 / 26;
const common::Instant kStart = ParseRfc3339("2026-11-25T16:00:00Z").value();
const common::Instant kEnd = ParseRfc3339("2026-11-26T16:00:00Z").value();

RatedResource Hdip(std::string id, std::string tenant, const char* ip, int64_t base,
                   int64_t elastic) {
  RatedResource r;
  r.id = std::move(id);
  r.tenant = std::move(tenant);
  r.spec.region = "cn-south";
  r.spec.line = "bgp";
  r.spec.base_gbps = base;
  r.spec.elastic_gbps = elastic;
  r.ips = {IpAddress::Parse(ip).value()};
  r.timeline = {billing::SegmentFor(kStart, r.spec, billing::ResourceState::kRunning, false)};
  return r;
}

UsageSample Sample(const char* ip, const char* at, int64_t attack, int64_t in = 0,
                   int64_t out = 0) {
  UsageSample s;
  s.ip = IpAddress::Parse(ip).value();
  s.window_start = ParseRfc3339(at).value();
  s.attack_bps = attack;
  s.in_bytes = in;
  s.out_bytes = out;
  return s;
}

TEST(DayIngest, RepeatsCountOnceAndConflictsAreRefused) {
  std::vector<RatedResource> rs = {Hdip("r1", "t1", "203.0.113.7", 20, 50)};
  auto ingest = DayIngest::Create(kStart, kEnd, rs).value();
  common::Error why;
  const auto s = Sample("203.0.113.7", "2026-11-26T02:00:00Z", 45 * G);
  EXPECT_EQ(ingest->Add(s, std::nullopt, &why), IngestOutcome::kAccepted);
  EXPECT_EQ(ingest->Add(s, std::nullopt, &why), IngestOutcome::kDuplicate);
  auto changed = s;
  changed.attack_bps += 1;
  EXPECT_EQ(ingest->Add(changed, std::nullopt, &why), IngestOutcome::kRejected);
  EXPECT_EQ(why.code, common::Code::kConflict);
  // The same start with the other window length is a different window.
  auto five = s;
  five.window_s = 300;
  EXPECT_EQ(ingest->Add(five, std::nullopt, &why), IngestOutcome::kAccepted);
  EXPECT_EQ(ingest->UsageOf(0)->attack().attack_bps[600], 90 * G);
}

// dataplane.md §1: different sources add up; from one source a higher revision replaces the
// copy (the day's usage follows), the same revision differing is a conflict, a lower one stale.
TEST(DayIngest, SourcesAddUpAndRevisionsReplace) {
  std::vector<RatedResource> rs = {Hdip("r1", "t1", "203.0.113.7", 20, 50)};
  auto ingest = DayIngest::Create(kStart, kEnd, rs).value();
  common::Error why;
  auto a = Sample("203.0.113.7", "2026-11-26T02:00:00Z", 30 * G, 1000, 10);
  a.source = "site-a";
  auto b = a;
  b.source = "site-b";
  b.attack_bps = 15 * G;
  b.in_bytes = 500;
  EXPECT_EQ(ingest->Add(a, std::nullopt, &why), IngestOutcome::kAccepted);
  EXPECT_EQ(ingest->Add(b, std::nullopt, &why), IngestOutcome::kAccepted);
  EXPECT_EQ(ingest->UsageOf(0)->attack().attack_bps[600], 45 * G);
  EXPECT_EQ(ingest->UsageOf(0)->traffic().in_bytes[120], 1500);

  auto corrected = a;
  corrected.revision = 1;
  corrected.attack_bps = 40 * G;
  corrected.in_bytes = 1200;
  EXPECT_EQ(ingest->Add(corrected, std::nullopt, &why), IngestOutcome::kReplaced);
  EXPECT_EQ(ingest->UsageOf(0)->attack().attack_bps[600], 55 * G);
  EXPECT_EQ(ingest->UsageOf(0)->traffic().in_bytes[120], 1700);
  EXPECT_EQ(ingest->UsageOf(0)->traffic().out_bytes[120], 20);  // 10 from each source
  EXPECT_EQ(ingest->Add(corrected, std::nullopt, &why), IngestOutcome::kDuplicate);

  EXPECT_EQ(ingest->Add(a, std::nullopt, &why), IngestOutcome::kRejected);
  EXPECT_EQ(why.code, common::Code::kStaleRevision);
  auto differing = corrected;
  differing.attack_bps += 1;
  EXPECT_EQ(ingest->Add(differing, std::nullopt, &why), IngestOutcome::kRejected);
  EXPECT_EQ(why.code, common::Code::kConflict);
  EXPECT_EQ(ingest->UsageOf(0)->attack().attack_bps[600], 55 * G);

  auto bad = a;
  bad.source = "Site A";
  EXPECT_EQ(ingest->Add(bad, std::nullopt, &why), IngestOutcome::kRejected);
  EXPECT_EQ(why.code, common::Code::kInvalidSource);
  bad.source = std::string(65, 'a');
  EXPECT_EQ(ingest->Add(bad, std::nullopt, &why), IngestOutcome::kRejected);
  EXPECT_EQ(why.code, common::Code::kInvalidSource);
  bad.source = "a";
  bad.revision = -1;
  EXPECT_EQ(ingest->Add(bad, std::nullopt, &why), IngestOutcome::kRejected);
  EXPECT_EQ(why.code, common::Code::kInvalidRevision);
}

TEST(DayIngest, SortsOutUnknownIpsOtherDaysAndInvalidSamples) {
  std::vector<RatedResource> rs = {Hdip("r1", "t1", "203.0.113.7", 20, 50)};
  auto ingest = DayIngest::Create(kStart, kEnd, rs).value();
  common::Error why;
  EXPECT_EQ(ingest->Add(Sample("203.0.113.9", "2026-11-26T02:00:00Z", 1), std::nullopt, &why),
            IngestOutcome::kRejected);
  EXPECT_EQ(why.code, common::Code::kUnknownIp);
  EXPECT_EQ(ingest->Add(Sample("203.0.113.7", "2026-11-25T15:59:00Z", 1), std::nullopt, &why),
            IngestOutcome::kOutsideDay);
  EXPECT_EQ(ingest->Add(Sample("203.0.113.7", "2026-11-26T16:00:00Z", 1), std::nullopt, &why),
            IngestOutcome::kOutsideDay);
  EXPECT_EQ(ingest->Add(Sample("203.0.113.7", "2026-11-26T02:00:00Z", -1), std::nullopt, &why),
            IngestOutcome::kRejected);
  EXPECT_EQ(why.code, common::Code::kNegativeValue);
  EXPECT_EQ(ingest->UsageOf(0), nullptr);
}

TEST(DayIngest, AnIpBelongsToOneResource) {
  std::vector<RatedResource> rs = {Hdip("r1", "t1", "203.0.113.7", 20, 50),
                                   Hdip("r2", "t2", "203.0.113.7", 20, 50)};
  auto ingest = DayIngest::Create(kStart, kEnd, rs);
  ASSERT_FALSE(ingest.has_value());
  EXPECT_EQ(ingest.error().code, common::Code::kIpConflict);
}

TEST(RateDay, OneBillPerTenantWithItsLines) {
  std::vector<RatedResource> rs = {
      Hdip("r1", "acme", "203.0.113.7", 20, 50), Hdip("r2", "acme", "203.0.113.8", 20, 0),
      Hdip("r3", "zeta", "203.0.113.9", 30, 100), Hdip("r4", "quiet", "203.0.113.10", 30, 100)};
  rs[2].spec.forwarding_mode = billing::ForwardingMode::kByBandwidth;
  auto ingest = DayIngest::Create(kStart, kEnd, rs).value();
  common::Error why;
  ingest->Add(Sample("203.0.113.7", "2026-11-26T02:00:00Z", 45 * G), std::nullopt, &why);
  ingest->Add(Sample("203.0.113.8", "2026-11-26T02:00:00Z", 45 * G, 1'000'000'000, 0), std::nullopt,
              &why);
  ingest->Add(Sample("203.0.113.9", "2026-11-26T03:00:00Z", 90 * G, 0, 7'500'000'000), std::nullopt,
              &why);
  auto bills = RateDay(catalog::DefaultPriceBook(), kDay, rs, *ingest, true).value();
  ASSERT_EQ(bills.size(), 3u);
  EXPECT_EQ(bills[0].tenant, "acme");
  ASSERT_EQ(bills[0].lines.size(), 3u);
  EXPECT_EQ(bills[0].lines[0].amount.ToString(), "3500.00");  // r1 elastic
  EXPECT_EQ(bills[0].lines[1].amount.ToString(), "0.00");     // r2 elastic off
  EXPECT_EQ(bills[0].lines[2].kind, billing::LineKind::kForwardingTraffic);
  EXPECT_EQ(bills[0].lines[2].amount.ToString(), "0.80");  // 1 GB x 0.80
  EXPECT_EQ(bills[0].total.ToString(), "3500.80");
  EXPECT_EQ(bills[1].tenant, "quiet");
  EXPECT_TRUE(bills[1].lines.empty());
  EXPECT_EQ(bills[2].tenant, "zeta");
  ASSERT_EQ(bills[2].lines.size(), 2u);
  EXPECT_EQ(bills[2].lines[0].amount.ToString(), "6600.00");  // E = 90 - 30 -> (50, 60]
  EXPECT_EQ(bills[2].lines[1].kind, billing::LineKind::kForwardingBandwidth);
  EXPECT_EQ(bills[2].lines[1].amount.ToString(), "300.00");  // 200 Mbps -> 100 billable x 3.00
}

TEST(RateDay, RefusesAResourceNotOnSale) {
  std::vector<RatedResource> rs = {Hdip("r1", "acme", "203.0.113.7", 25, 50)};
  auto ingest = DayIngest::Create(kStart, kEnd, rs).value();
  auto bills = RateDay(catalog::DefaultPriceBook(), kDay, rs, *ingest, true);
  ASSERT_FALSE(bills.has_value());
  EXPECT_NE(bills.error().message.find("resource r1: base_gbps 25"), std::string::npos);
}

}  // namespace
}  // namespace rampart::metering
