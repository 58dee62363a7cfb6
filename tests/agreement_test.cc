// `rampart rate` and the service agree: the same resources and samples, rated offline from
// files and by the server's day close, give the same lines, amounts and measures.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "common/time.h"
#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

TEST(Agreement, RateAndTheServiceGiveTheSameBill) {
  Server s;
  for (const char* pool :
       {R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/28"})",
        R"({"region": "ap-hongkong", "line": "bgp", "cidr": "203.0.113.16/28"})"}) {
    ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools", pool).status, 201);
  }
  auto [tenant, key] = s.NewTenant("acme", "1000000.00");
  ASSERT_EQ(
      s.Admin("POST", "/v1/admin/tenants/" + tenant + "/prefixes", R"({"cidr": "192.0.2.0/24"})")
          .status,
      201);
  const auto meter =
      Str(s.Admin("POST", "/v1/admin/tenants/" + tenant + "/keys", R"({"role": "meter"})").Json(),
          "key");
  for (
      const char* order :
      {R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "elastic_gbps": 50, "months": 1})",
       R"({"product": "hdip", "region": "ap-hongkong", "line": "bgp", "base_gbps": 30, "elastic_gbps": 100, "forwarding_mode": "by_bandwidth", "months": 1})",
       R"({"product": "hdp", "region": "cn-east", "scope": "multi", "ip_count": 5, "base_gbps": 20, "elastic_gbps": 60, "months": 3})"}) {
    const auto o = s.Call("POST", "/v1/orders", key, order);
    ASSERT_EQ(s.Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", key).status, 200);
  }
  s.Advance(300);
  auto resources = s.Call("GET", "/v1/resources", key).Json().at("items").as_array();
  ASSERT_EQ(resources.size(), 3u);
  const std::string packet = Str(resources[2], "id");
  for (const char* ip : {"192.0.2.1", "192.0.2.2"}) {
    ASSERT_EQ(s.Call("POST", "/v1/resources/" + packet + "/bindings", key,
                     std::string(R"({"ip": ")") + ip + "\"}")
                  .status,
              201);
  }
  resources = s.Call("GET", "/v1/resources", key).Json().at("items").as_array();
  std::vector<std::string> ips;
  for (const auto& r : resources) {
    for (const auto& ip : r.at("ips").as_array()) ips.emplace_back(ip.as_string());
  }
  ASSERT_EQ(ips.size(), 4u);

  // A day of seeded usage after delivery: 00:10Z to 15:59Z (the day ends at 16:00Z).
  std::mt19937_64 rng(20261126);
  std::ostringstream csv, ndjson;
  csv << "window_start,window_s,ip,attack_bps,in_bytes,out_bytes\n";
  const auto first = common::ParseRfc3339("2026-11-26T00:10:00Z").value();
  for (int m = 0; m < 950; ++m) {
    const std::string at = common::FormatRfc3339(first + std::chrono::minutes(m));
    for (const auto& ip : ips) {
      const int64_t attack = rng() % 40 == 0 ? static_cast<int64_t>(rng() % 90'000'000'000) : 0;
      const int64_t in = static_cast<int64_t>(rng() % 5'000'000'000),
                    out = static_cast<int64_t>(rng() % 9'000'000'000);
      csv << at << ",60," << ip << "," << attack << "," << in << "," << out << "\n";
      ndjson << R"({"ip": ")" << ip << R"(", "window_start": ")" << at << R"(", "attack_bps": )"
             << attack << R"(, "in_bytes": )" << in << R"(, "out_bytes": )" << out << "}\n";
    }
  }
  ASSERT_EQ(s.Admin("POST", "/v1/admin/clock", R"({"now": "2026-11-26T16:05:00Z"})").status, 200);
  const auto posted =
      s.Call("POST", "/v1/usage", meter, ndjson.str(), {{"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(posted.status, 200);
  EXPECT_EQ(posted.Json().at("accepted").as_int64(), 950 * 4);
  ASSERT_EQ(s.Admin("POST", "/v1/admin/clock", R"({"now": "2026-11-26T17:00:00Z"})").status, 200);
  const auto served = s.Call("GET", "/v1/bills/2026-11-26", key).Json();

  // The same resources (as the API lists them) and samples, rated offline.
  const std::string dir = s.data_dir();
  std::ofstream(dir + "/resources.json") << boost::json::serialize(resources);
  std::ofstream(dir + "/usage.csv") << csv.str();
  const std::string cmd = std::string(RAMPART_BINARY) + " rate -q --resources " + dir +
                          "/resources.json --usage " + dir + "/usage.csv --day 2026-11-26 -o " +
                          dir + "/bills.json 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(dir + "/bills.json");
  const auto offline =
      boost::json::parse(std::string((std::istreambuf_iterator<char>(in)), {})).as_array();
  ASSERT_EQ(offline.size(), 1u);

  const auto a = served.at("lines").as_array();
  const auto b = offline[0].at("lines").as_array();
  ASSERT_EQ(a.size(), b.size()) << served << "\n" << offline;
  ASSERT_GE(a.size(), 5u);  // elastic and forwarding lines of several resources
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << i;
  EXPECT_EQ(served.at("total"), offline[0].at("total"));
  EXPECT_NE(Str(served, "total"), "0.00");
}

}  // namespace
}  // namespace rampart::testing
