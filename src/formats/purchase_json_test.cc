#include "formats/purchase_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace rampart::formats {
namespace {

common::Result<billing::PurchaseOptions> Parse(const char* text) {
  return ParsePurchaseOptions(boost::json::parse(text));
}

TEST(PurchaseJson, ReadsTheContractExamples) {
  auto hdip = Parse(R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20,
    "elastic_gbps": 50, "forwarding_mode": "by_traffic", "quantity": 1, "months": 6,
    "auto_renew": false})");
  ASSERT_TRUE(hdip.has_value()) << hdip.error().message;
  EXPECT_EQ(hdip->spec.base_gbps, 20);
  EXPECT_EQ(hdip->spec.elastic_gbps, 50);
  EXPECT_EQ(hdip->months, 6);
  auto hdp = Parse(R"({"product": "hdp", "region": "cn-east", "scope": "multi", "ip_count": 5,
    "base_gbps": 20, "elastic_gbps": 60, "quantity": 1, "months": 3})");
  ASSERT_TRUE(hdp.has_value()) << hdp.error().message;
  EXPECT_EQ(hdp->spec.product, catalog::Product::kHdp);
  EXPECT_EQ(hdp->spec.scope, billing::Scope::kMulti);
  EXPECT_EQ(hdp->spec.ip_count, 5);
}

TEST(PurchaseJson, AppliesDefaults) {
  auto o = Parse(R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20,
    "months": 1})");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->quantity, 1);
  EXPECT_EQ(o->spec.elastic_gbps, 0);
  EXPECT_EQ(o->spec.forwarding_mode, billing::ForwardingMode::kByTraffic);
  EXPECT_FALSE(o->auto_renew);
}

TEST(PurchaseJson, RefusesMalformedBodiesNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"region": "cn-south", "line": "bgp", "base_gbps": 20, "months": 1})", "product"},
      {R"({"product": "cdn", "region": "x", "base_gbps": 20, "months": 1})", "product"},
      {R"({"product": "hdip", "line": "bgp", "base_gbps": 20, "months": 1})", "region"},
      {R"({"product": "hdip", "region": "cn-south", "base_gbps": 20, "months": 1})", "line"},
      {R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": "20", "months": 1})",
       "base_gbps"},
      {R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20.5, "months": 1})",
       "base_gbps"},
      {R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": -20, "months": 1})",
       "base_gbps"},
      {R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20})", "months"},
      {R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "months": 1, "auto_renew": "yes"})",
       "auto_renew"},
      {R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "months": 1, "forwarding_mode": "by_packets"})",
       "forwarding_mode"},
      {R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "months": 1, "color": "red"})",
       "color"},
      {R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "months": 1, "ip_count": 5})",
       "ip_count"},
      {R"({"product": "hdp", "region": "cn-east", "line": "bgp", "base_gbps": 20, "months": 3})",
       "line"},
      {R"({"product": "hdp", "region": "cn-east", "scope": "all", "base_gbps": 20, "months": 3})",
       "scope"},
      {R"({"product": "hdp", "region": "cn-east", "base_gbps": 20, "months": 3, "forwarding_mode": "by_traffic"})",
       "forwarding_mode"},
      {R"("hdip")", ""},
  };
  for (const auto& [body, field] : cases) {
    auto o = Parse(body);
    ASSERT_FALSE(o.has_value()) << body;
    EXPECT_EQ(o.error().field, field) << body << " -> " << o.error().message;
    EXPECT_FALSE(o.error().message.empty());
  }
}

TEST(PurchaseJson, QuoteAnswerHasTheContractShape) {
  billing::Quote q;
  q.amount = common::Money::FromYuan(261120);
  q.lines.push_back({"hdip cn-south/bgp, base 30 Gbps", common::Money::FromYuan(25600), 6, 2,
                     common::Decimal::FromMicros(150'000), common::Money::FromYuan(261120)});
  EXPECT_EQ(
      boost::json::serialize(QuoteToJson(q)),
      R"({"amount":"261120.00","currency":"CNY","lines":[{"description":"hdip cn-south/bgp, base 30 Gbps","unit_price":"25600.00","months":6,"quantity":2,"discount":"0.15","amount":"261120.00"}]})");
}

}  // namespace
}  // namespace rampart::formats
