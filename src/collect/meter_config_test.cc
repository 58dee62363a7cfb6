// What the collector watches, from the server's configuration document and rate's file.
#include "collect/meter_config.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace rampart::collect {
namespace {

TEST(MeterConfig, ThresholdsComeFromEachResourcesPolicyAndPacketsMayBeJudgedTogether) {
  const auto doc = boost::json::parse(R"({"version": "v1", "resources": [
    {"resource": "res_a", "product": "hdip", "ips": ["203.0.113.7"],
     "policy": {"blacklist": [], "detection": {"bps": 1000, "pps": 0, "syn_pps": 5,
        "udp_pps": 6, "icmp_pps": 7, "sustain_s": 1, "cooldown_s": 9, "applies_to": "each_ip"}}},
    {"resource": "res_b", "product": "hdp", "ips": ["192.0.2.1", "192.0.2.2"],
     "policy": {"detection": {"applies_to": "total"}}},
    {"resource": "res_c", "product": "hdp", "ips": ["192.0.2.3", "192.0.2.4"]}]})");
  auto units = UnitsFromJson(doc).value();
  ASSERT_EQ(units.size(), 4u);
  EXPECT_EQ(units[0].ips.size(), 1u);
  EXPECT_EQ(units[0].detection.bps, 1000);
  EXPECT_EQ(units[0].detection.pps, 0);
  EXPECT_EQ(units[0].detection.syn_pps, 5);
  EXPECT_EQ(units[0].detection.udp_pps, 6);
  EXPECT_EQ(units[0].detection.icmp_pps, 7);
  EXPECT_EQ(units[0].detection.sustain_s, 1);
  EXPECT_EQ(units[0].detection.cooldown_s, 9);
  EXPECT_EQ(units[1].ips.size(), 2u);  // the packet judged as one
  EXPECT_EQ(units[1].detection.bps, Detection{}.bps);
  EXPECT_EQ(units[2].ips.size(), 1u);  // each IP on its own
  EXPECT_EQ(units[3].ips.size(), 1u);
  EXPECT_EQ(UnitsFromJson(boost::json::parse(R"([{"id": "r", "ips": ["x"]}])")).error().code,
            common::Code::kInvalidConfig);
  EXPECT_EQ(UnitsFromJson(boost::json::parse(R"({"resources": 5})")).error().code,
            common::Code::kInvalidConfig);
}

}  // namespace
}  // namespace rampart::collect
