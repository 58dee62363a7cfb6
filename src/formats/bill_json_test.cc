#include "formats/bill_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "billing/bill_document.h"
#include "formats/json_pretty.h"

namespace rampart::formats {
namespace {

using common::Money;

TEST(BillJson, ShapeAndMeasures) {
  billing::DailyBill bill;
  bill.day = std::chrono::year{2026} / 11 / 26;
  bill.tenant = "acme";
  bill.closed = true;
  billing::ElasticMeasure em;
  em.attack_peak_bps = 45'000'000'000;
  em.attack_peak_at = common::ParseRfc3339("2026-11-26T02:00:00Z").value();
  em.excess_bps = 25'000'000'000;
  em.excess_at = em.attack_peak_at;
  em.base_bps = 20'000'000'000;
  em.ceiling_bps = 50'000'000'000;
  em.range = catalog::ElasticRange{20, 30, Money::FromYuan(3500)};
  bill.Add({"r1", billing::LineKind::kElastic, Money::FromYuan(3500), em});
  bill.Add({"r1", billing::LineKind::kForwardingTraffic, Money::FromFen(120040),
            billing::TrafficMeasure{300'000'000'000, 1'200'500'000'000, Money::FromFen(80)}});
  bill.Add({"r1", billing::LineKind::kAdjustment, Money::FromFen(-1000),
            billing::AdjustmentMeasure{std::chrono::year{2026} / 11 / 25, Money::FromYuan(1000),
                                       Money::FromYuan(990)}});
  const auto v = BillToJson(bill);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("day").as_string(), "2026-11-26");
  EXPECT_EQ(o.at("tenant").as_string(), "acme");
  EXPECT_EQ(o.at("total").as_string(), "4690.40");
  EXPECT_EQ(o.at("status").as_string(), "closed");
  const auto& lines = o.at("lines").as_array();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(
      boost::json::serialize(lines[0]),
      R"({"resource":"r1","kind":"elastic","amount":"3500.00","measure":{"attack_peak_bps":45000000000,"attack_peak_at":"2026-11-26T02:00:00Z","excess_bps":25000000000,"excess_at":"2026-11-26T02:00:00Z","base_bps":20000000000,"ceiling_bps":50000000000,"range":{"lo_gbps":20,"hi_gbps":30},"daily_price":"3500.00"}})");
  EXPECT_EQ(lines[1].at("measure").at("total_gb").as_string(), "1500.5");
  EXPECT_EQ(lines[2].at("kind").as_string(), "adjustment");
  EXPECT_EQ(lines[2].at("amount").as_string(), "-10.00");
  EXPECT_EQ(lines[2].at("measure").at("corrects_day").as_string(), "2026-11-25");
}

// Releases before the bill document stored this JSON as the bill: it still reads back as the
// same bill (billing/bill_document.h, version 0), so old bills render unchanged.
TEST(BillJson, ABillStoredAsThisJsonByEarlierReleasesReadsBackAsTheSameBill) {
  billing::DailyBill bill;
  bill.day = std::chrono::year{2026} / 11 / 26;
  bill.tenant = "acme";
  bill.closed = true;
  billing::ElasticMeasure em{45'000'000'000,
                             common::ParseRfc3339("2026-11-26T02:00:00Z").value(),
                             25'000'000'000,
                             common::ParseRfc3339("2026-11-26T02:01:00Z").value(),
                             20'000'000'000,
                             50'000'000'000,
                             catalog::ElasticRange{20, 30, Money::FromYuan(3500)}};
  bill.Add({"r1", billing::LineKind::kElastic, Money::FromYuan(3500), em});
  bill.Add({"r2", billing::LineKind::kElastic, Money(), billing::ElasticMeasure{}});
  bill.Add({"r3", billing::LineKind::kForwardingTraffic, Money::FromFen(120040),
            billing::TrafficMeasure{300'000'000'000, 1'200'500'000'000, Money::FromFen(80)}});
  bill.Add({"r3", billing::LineKind::kForwardingBandwidth, Money::FromFen(1999),
            billing::BandwidthMeasure{catalog::BandwidthMeasure::kP95, 288, 14,
                                      common::ParseRfc3339("2026-11-26T05:00:00Z").value(),
                                      3'750'000'000, 100'000'000, 50, 50, Money::FromFen(40)}});
  bill.Add({"r1", billing::LineKind::kAdjustment, Money::FromFen(-1000),
            billing::AdjustmentMeasure{std::chrono::year{2026} / 11 / 25, Money::FromYuan(1000),
                                       Money::FromYuan(990)}});
  const std::string stored = boost::json::serialize(BillToJson(bill));
  auto back = billing::DecodeBill(stored);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->total, bill.total);
  EXPECT_EQ(boost::json::serialize(BillToJson(*back)), stored);
  // Changed money in a line without its total is caught.
  std::string tampered = stored;
  tampered.replace(tampered.find("\"1200.40\""), 9, "\"1200.41\"");
  EXPECT_FALSE(billing::DecodeBill(tampered));
}

TEST(BillJson, NoTenantIsNull) {
  billing::DailyBill bill;
  bill.day = std::chrono::year{2026} / 1 / 1;
  EXPECT_TRUE(BillToJson(bill).at("tenant").is_null());
  EXPECT_EQ(BillToJson(bill).at("status").as_string(), "open");
}

TEST(JsonPretty, IndentsAndRoundTrips) {
  const auto v = boost::json::parse(R"({"a":[1,{"b":"x\"y"}],"c":{},"d":[]})");
  const std::string text = PrettyJson(v);
  EXPECT_EQ(text,
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"x\\\"y\"\n    }\n  ],\n  \"c\": {},\n  "
            "\"d\": []\n}\n");
  EXPECT_EQ(boost::json::parse(text), v);
}

}  // namespace
}  // namespace rampart::formats
