#include "billing/bill_document.h"

#include <gtest/gtest.h>

namespace rampart::billing {
namespace {

using common::Money;

common::Instant At(int64_t s) { return common::FromEpochSeconds(s); }

// A closed bill with a line of every kind, optional times both set and unset, a negative
// excess (no charge) and a p95 bandwidth.
DailyBill EveryKind() {
  DailyBill bill;
  bill.day = std::chrono::year{2026} / 11 / 26;
  bill.tenant = "acme";
  bill.closed = true;
  ElasticMeasure charged{45'000'000'000,
                         At(1'795'000'000),
                         25'000'000'000,
                         At(1'795'000'060),
                         20'000'000'000,
                         50'000'000'000,
                         catalog::ElasticRange{20, 30, Money::FromYuan(3500)}};
  bill.Add({"r1", LineKind::kElastic, Money::FromYuan(3500), charged});
  bill.Add({"r2", LineKind::kElastic, Money(),
            ElasticMeasure{0, std::nullopt, -20'000'000'000, std::nullopt, 20'000'000'000,
                           50'000'000'000, std::nullopt}});
  bill.Add({"r3", LineKind::kForwardingTraffic, Money::FromFen(120040),
            TrafficMeasure{300'000'000'000, 1'200'500'000'000, Money::FromFen(80)}});
  bill.Add({"r3", LineKind::kForwardingBandwidth, Money::FromFen(1999),
            BandwidthMeasure{catalog::BandwidthMeasure::kP95, 288, 14, At(1'795'000'300),
                             3'750'000'000, 100'000'000, 50, 50, Money::FromFen(40)}});
  bill.Add({"r1", LineKind::kAdjustment, Money::FromFen(-1000),
            AdjustmentMeasure{std::chrono::year{2026} / 11 / 25, Money::FromYuan(1000),
                              Money::FromYuan(990)}});
  return bill;
}

TEST(BillDocument, AVersion1DocumentGivesBackTheSameBill) {
  const DailyBill bill = EveryKind();
  const std::string doc = EncodeBill(bill);
  EXPECT_NE(doc.find(R"("version":1)"), std::string::npos) << doc;
  auto back = DecodeBill(doc);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->day, bill.day);
  EXPECT_EQ(back->tenant, "acme");
  EXPECT_TRUE(back->closed);
  EXPECT_EQ(back->total, bill.total);
  ASSERT_EQ(back->lines.size(), 5u);
  const auto& charged = std::get<ElasticMeasure>(back->lines[0].measure);
  EXPECT_EQ(charged.excess_at, At(1'795'000'060));
  ASSERT_TRUE(charged.range);
  EXPECT_EQ(charged.range->daily, Money::FromYuan(3500));
  const auto& calm = std::get<ElasticMeasure>(back->lines[1].measure);
  EXPECT_EQ(calm.excess_bps, -20'000'000'000) << "kept as rated, not as the API shows it";
  EXPECT_FALSE(calm.attack_peak_at);
  EXPECT_FALSE(calm.range);
  const auto& bandwidth = std::get<BandwidthMeasure>(back->lines[3].measure);
  EXPECT_EQ(bandwidth.measure, catalog::BandwidthMeasure::kP95);
  EXPECT_EQ(bandwidth.dropped, 14);
  EXPECT_EQ(std::get<AdjustmentMeasure>(back->lines[4].measure).corrected, Money::FromYuan(990));
  EXPECT_EQ(EncodeBill(*back), doc) << "nothing is lost: the document is the bill";
}

TEST(BillDocument, AnOpenBillWithoutATenantAndWithoutLines) {
  DailyBill bill;
  bill.day = std::chrono::year{2026} / 1 / 1;
  auto back = DecodeBill(EncodeBill(bill));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_FALSE(back->closed);
  EXPECT_TRUE(back->tenant.empty());
  EXPECT_TRUE(back->lines.empty());
}

TEST(BillDocument, ABrokenDocumentIsAStorageErrorNamingWhatIsWrong) {
  const std::string good = EncodeBill(EveryKind());
  auto broken = [&](std::string_view from, std::string_view to) {
    std::string doc = good;
    const auto at = doc.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) doc.replace(at, from.size(), to);
    return DecodeBill(doc);
  };
  struct Case {
    std::string_view from, to, says;
  } cases[] = {
      {R"("version":1)", R"("version":2)", "unknown version 2"},
      {R"("amount":350000)", R"("amount":"3500.00")", "\"amount\""},  // v0's encoding in v1
      {R"("in_bytes":)", R"("in_byte":)", "\"in_bytes\""},
      {R"("kind":"adjustment")", R"("kind":"refund")", "\"kind\""},
      {R"("measure":"p95")", R"("measure":"p99")", "\"measure\""},
      {R"("status":"closed")", R"("status":"paid")", "\"status\""},
      {R"("total":)", R"("total":1,"x":)", "not the sum of its lines"},
      {R"("day":"2026-11-26")", R"("day":"2026-02-30")", "\"day\""},
  };
  for (const auto& c : cases) {
    auto r = broken(c.from, c.to);
    ASSERT_FALSE(r) << c.to;
    EXPECT_EQ(r.error().code, common::Code::kStorageError);
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
  }
  for (std::string_view doc : {"", "{not json", "[]", "{}", R"({"version":1})"}) {
    auto r = DecodeBill(doc);
    ASSERT_FALSE(r) << doc;
    EXPECT_EQ(r.error().code, common::Code::kStorageError) << doc;
  }
}

}  // namespace
}  // namespace rampart::billing
