// `rampart rate` and the service agree: the same resources and samples, rated offline from
// files and by the server's day close, give the same lines, amounts and measures.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
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
  struct Sample {
    int minute;
    std::string ip;
    int64_t attack, in, out;
  };
  std::vector<Sample> samples;
  csv << "window_start,window_s,ip,attack_bps,in_bytes,out_bytes\n";
  const auto first = common::ParseRfc3339("2026-11-26T00:10:00Z").value();
  for (int m = 0; m < 950; ++m) {
    const std::string at = common::FormatRfc3339(first + std::chrono::minutes(m));
    for (const auto& ip : ips) {
      const int64_t attack = rng() % 40 == 0 ? static_cast<int64_t>(rng() % 90'000'000'000) : 0;
      const int64_t in = static_cast<int64_t>(rng() % 5'000'000'000),
                    out = static_cast<int64_t>(rng() % 9'000'000'000);
      csv << at << ",60," << ip << "," << attack << "," << in << "," << out << "\n";
      samples.push_back({m, ip, attack, in, out});
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

  // And both equal the answer worked out here from product.md §4, §5 and §9 alone (the price
  // table rows these resources can reach, written from the spec), not from either path.
  const std::map<std::string, std::vector<int64_t>> elastic_yuan = {
      // (0,10], (10,20], ... per 10 Gbps for hdip; per 20 Gbps for hdp.
      {"mainland_bgp", {1'000, 2'200, 3'500, 4'800, 5'700, 6'600, 7'500, 8'400, 9'300, 10'200}},
      {"overseas", {1'280, 2'800, 4'500, 6'100, 7'300, 8'400, 9'600, 10'700, 11'900, 13'000}},
      {"hdp_mainland", {2'200, 4'800, 6'600, 8'400, 10'200}}};
  auto yuan = [](int64_t fen) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(fen / 100),
                  static_cast<long long>(fen % 100));
    return std::string(buf);
  };
  std::map<std::pair<std::string, std::string>, std::string> expected;  // (resource, kind)
  for (const auto& r : resources) {
    const std::string id = Str(r, "id"), product = Str(r, "product"), region = Str(r, "region");
    std::set<std::string> own;
    for (const auto& ip : r.at("ips").as_array()) own.emplace(ip.as_string());
    const int64_t base = r.at("base_gbps").as_int64() * 1'000'000'000;
    const int64_t ceiling = r.at("elastic_gbps").as_int64() * 1'000'000'000;
    // Per window: the packet's attack is the sum over its IPs (§4); per 5-minute bucket the
    // forwarded bytes (§5).
    std::map<int, int64_t> attack;
    std::map<int, std::pair<int64_t, int64_t>> bucket;
    int64_t bytes = 0;
    for (const auto& x : samples) {
      if (!own.count(x.ip)) continue;
      attack[x.minute] += x.attack;
      bucket[(x.minute + 10) / 5].first += x.in;  // minute 0 is 00:10Z: buckets align to it
      bucket[(x.minute + 10) / 5].second += x.out;
      bytes += x.in + x.out;
    }
    int64_t excess = 0;
    for (const auto& [m, a] : attack) excess = std::max(excess, std::min(a, ceiling) - base);
    if (excess > 0) {
      const bool hdp = product == "hdp";
      const auto& table = elastic_yuan.at(hdp                       ? "hdp_mainland"
                                          : region == "ap-hongkong" ? "overseas"
                                                                    : "mainland_bgp");
      const int64_t width = (hdp ? 20 : 10) * int64_t{1'000'000'000};
      const size_t range = static_cast<size_t>((excess + width - 1) / width) - 1;  // (lo, hi]
      ASSERT_LT(range, table.size()) << id;
      expected[{id, "elastic"}] = yuan(table[range] * 100);
    }
    if (product != "hdip") continue;
    if (Str(r, "forwarding_mode") == "by_traffic") {
      // bytes / 10^9 x 0.80 (cn-south), half-up to the fen.
      expected[{id, "forwarding_traffic"}] = yuan((bytes * 80 + 500'000'000) / 1'000'000'000);
    } else {
      int64_t peak_bytes = 0;
      for (const auto& [b, io] : bucket) peak_bytes = std::max({peak_bytes, io.first, io.second});
      // Mbps over the included 100, rounded up: (bytes x 8 / 300 - 10^8) / 10^6; HK 3.00.
      const int64_t over = peak_bytes * 8 - int64_t{100'000'000} * 300;
      const int64_t mbps = over <= 0 ? 0 : (over + 300'000'000 - 1) / 300'000'000;
      if (mbps > 0) expected[{id, "forwarding_bandwidth"}] = yuan(mbps * 300);
    }
  }
  std::map<std::pair<std::string, std::string>, std::string> got;
  for (const auto& l : a) got[{Str(l, "resource"), Str(l, "kind")}] = Str(l, "amount");
  EXPECT_EQ(got, expected);
  ASSERT_EQ(expected.size(), 5u);  // every line kind this day can have, each worked out
}

}  // namespace
}  // namespace rampart::testing
