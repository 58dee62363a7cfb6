// The postpaid half through the real server on the simulated clock: usage ingestion
// (idempotent, validated per sample), day close (exactly once, debited), bills.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/gzip.h"
#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

class Postpaid : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(s_.Admin("POST", "/v1/admin/ip-pools",
                       R"({"region": "cn-south", "line": "bgp", "cidr": "198.51.100.7/32"})")
                  .status,
              201);
    std::tie(tenant_, key_) = s_.NewTenant("acme", "100000.00");
    const auto meter =
        s_.Admin("POST", "/v1/admin/tenants/" + tenant_ + "/keys", R"({"role": "meter"})");
    meter_ = Str(meter.Json(), "key");
    const auto o = s_.Call(
        "POST", "/v1/orders", key_,
        R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "elastic_gbps": 50, "months": 1})");
    s_.Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", key_);  // 83,400 left
    s_.Advance(300);
  }
  boost::json::value Post(const std::string& body, const std::string& type = "application/json") {
    const auto r = s_.Call("POST", "/v1/usage", meter_, body, {{"Content-Type", type}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  }
  static std::string Sample(const std::string& at, int64_t attack_gbps, int64_t in = 0,
                            int64_t out = 0) {
    return R"({"ip": "198.51.100.7", "window_start": ")" + at +
           R"(", "window_s": 60, "attack_bps": )" + std::to_string(attack_gbps * 1'000'000'000) +
           R"(, "in_bytes": )" + std::to_string(in) + R"(, "out_bytes": )" + std::to_string(out) +
           "}";
  }
  void ClockTo(const std::string& t) {
    ASSERT_EQ(s_.Admin("POST", "/v1/admin/clock", "{\"now\": \"" + t + "\"}").status, 200);
  }
  std::string Balance() { return Str(s_.Call("GET", "/v1/account", key_).Json(), "balance"); }
  std::string Resource() {
    return Str(s_.Call("GET", "/v1/resources", key_).Json().at("items").as_array()[0], "id");
  }

  Server s_;
  std::string tenant_, key_, meter_;
};

TEST_F(Postpaid, AnAttackAboveBaseIsBilledItsRangeOnceAndDebited) {
  ClockTo("2026-11-26T02:05:00Z");
  const std::string batch = "[" +
                            Sample("2026-11-26T02:00:00Z", 45, 500'000'000'000, 1'000'000'000'000) +
                            "," + Sample("2026-11-26T02:01:00Z", 30) + "]";
  auto first = Post(batch);
  EXPECT_EQ(first.at("accepted").as_int64(), 2);
  auto again = Post(batch);  // the same batch twice is billed once
  EXPECT_EQ(again.at("accepted").as_int64(), 0);
  EXPECT_EQ(again.at("duplicates").as_int64(), 2);
  // While the day is open, its estimate is the bill as rated so far; it writes nothing.
  const std::string before = Balance();
  const auto estimate = s_.Call("GET", "/v1/bills/estimate", key_);
  ASSERT_EQ(estimate.status, 200) << estimate.body;
  const auto e = estimate.Json();
  EXPECT_EQ(Str(e, "day"), "2026-11-26");
  EXPECT_EQ(Str(e, "status"), "open");
  EXPECT_TRUE(e.at("estimate").as_bool());
  EXPECT_EQ(Str(e, "as_of"), "2026-11-26T02:05:00Z");
  EXPECT_EQ(Str(e, "total"), "4700.00");
  EXPECT_EQ(e.at("lines").as_array().size(), 2u);
  EXPECT_EQ(Balance(), before);
  EXPECT_EQ(s_.Call("GET", "/v1/bills/2026-11-26", key_).status, 404);
  EXPECT_NE(s_.Call("GET", "/v1/bills/estimate?format=csv", key_).body.find(",elastic,3500.00,"),
            std::string::npos);
  // Closed 1 h after the day ends: 2026-11-27 00:00 +08 = 16:00Z, + 1 h.
  ClockTo("2026-11-26T16:59:59Z");
  EXPECT_EQ(s_.Call("GET", "/v1/bills/2026-11-26", key_).status, 404);
  ClockTo("2026-11-26T17:00:00Z");
  const auto bill = s_.Call("GET", "/v1/bills/2026-11-26", key_);
  ASSERT_EQ(bill.status, 200) << bill.body;
  const auto b = bill.Json();
  EXPECT_EQ(Str(b, "status"), "closed");
  const auto lines = b.at("lines").as_array();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(Str(lines[0], "kind"), "elastic");
  EXPECT_EQ(Str(lines[0], "amount"), "3500.00");  // E = 45 - 20 = 25 -> (20, 30]
  EXPECT_EQ(Str(lines[0].at("measure"), "attack_peak_at"), "2026-11-26T02:00:00Z");
  EXPECT_EQ(Str(lines[1], "kind"), "forwarding_traffic");
  EXPECT_EQ(Str(lines[1], "amount"), "1200.00");  // 1,500 GB x 0.80
  EXPECT_EQ(Str(b, "total"), "4700.00");
  EXPECT_EQ(Balance(), "78700.00");  // 83,400 - 4,700
  const auto ledger = s_.Call("GET", "/v1/account/ledger", key_).Json().at("items").as_array();
  EXPECT_EQ(Str(ledger.back(), "kind"), "daily_bill");
  EXPECT_EQ(Str(ledger.back(), "amount"), "-4700.00");
  // A restart and another day later: still one bill for the day, one debit.
  s_.Restart();
  ClockTo("2026-11-27T17:00:00Z");
  const auto bills = s_.Call("GET", "/v1/bills?from=2026-11-26&to=2026-11-27", key_).Json();
  ASSERT_EQ(bills.at("items").as_array().size(), 2u);
  EXPECT_EQ(Str(bills.at("items").as_array()[1], "total"), "0.00");
  EXPECT_EQ(Str(bills, "total"), "4700.00");
  // The statement's prepaid side: the order paid on the 26th (100,000 - 83,400).
  EXPECT_EQ(Str(bills, "prepaid_total"), "16600.00");
  EXPECT_EQ(Str(bills, "spent_total"), "21300.00");
  EXPECT_EQ(
      Str(s_.Call("GET", "/v1/bills?from=2026-11-27&to=2026-11-27", key_).Json(), "prepaid_total"),
      "0.00");
  EXPECT_EQ(Balance(), "78700.00");
  // CSV export.
  const auto csv = s_.Call("GET", "/v1/bills/2026-11-26?format=csv", key_);
  EXPECT_EQ(csv.headers.at("Content-Type"), "text/csv; charset=utf-8");
  // One column per measure: a spreadsheet sums the peaks or the GB of a column.
  EXPECT_EQ(csv.body.substr(0, csv.body.find('\n')),
            "day,resource,kind,amount,attack_peak_bps,attack_peak_at,excess_bps,excess_at,"
            "base_bps,ceiling_bps,range_lo_gbps,range_hi_gbps,daily_price,in_bytes,out_bytes,"
            "total_gb,price_per_gb,measure,buckets,dropped_buckets,bucket_at,bucket_bytes,"
            "bandwidth_bps,included_mbps,billable_mbps,price_per_mbps_day,corrects_day,previous,"
            "corrected");
  EXPECT_NE(csv.body.find(",elastic,3500.00,45000000000,2026-11-26T02:00:00Z,25000000000,"),
            std::string::npos)
      << csv.body;
  EXPECT_NE(csv.body.find(",forwarding_traffic,1200.00,,,,,,,,,,"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(",1500,0.80,"), std::string::npos) << csv.body;
}

TEST_F(Postpaid, WindowsAt2359And0000LandOnTheirOwnDays) {
  ClockTo("2026-11-26T16:01:00Z");
  Post("[" + Sample("2026-11-26T15:59:00Z", 45) + "," + Sample("2026-11-26T16:00:00Z", 30) + "]");
  ClockTo("2026-11-27T17:00:00Z");
  EXPECT_EQ(Str(s_.Call("GET", "/v1/bills/2026-11-26", key_).Json(), "total"), "3500.00");
  EXPECT_EQ(Str(s_.Call("GET", "/v1/bills/2026-11-27", key_).Json(), "total"), "1000.00");  // E 10
}

TEST_F(Postpaid, EachBadSampleHasItsReasonAndTheRestIsAccepted) {
  ClockTo("2026-11-29T02:05:00Z");
  const std::string ndjson =
      Sample("2026-11-29T02:00:00Z", 1) + "\n" +
      R"({"ip": "203.0.113.99", "window_start": "2026-11-29T02:00:00Z", "attack_bps": 1})" + "\n" +
      R"({"ip": "198.51.100.7", "window_start": "2026-11-29T02:00:30Z", "attack_bps": 1})" + "\n" +
      R"({"ip": "198.51.100.7", "window_start": "2026-11-29T02:20:00Z", "attack_bps": 1})" + "\n" +
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T01:00:00Z", "attack_bps": 1})" + "\n" +
      R"({"ip": "198.51.100.7", "window_start": "2026-11-29T02:01:00Z", "attack_bps": -5})" + "\n" +
      R"({"ip": "198.51.100.7", "window_start": "2026-11-29T02:01:00Z", "attack_bps": 100000000000001})" +
      "\n" +
      R"({"ip": "198.51.100.7", "window_start": "2026-11-29T02:01:00Z", "attack_bps": "lots"})" +
      "\n" + R"({"ip": "198.51.100.7", "window_start": "2026-11-29T02:01:00Z", "window_s": 120})" +
      "\n" + R"({"ip": "198.51.100.7", "window_start": "yesterday"})" + "\n" +
      R"({"ip": "not an ip", "window_start": "2026-11-29T02:01:00Z"})" + "\n" +
      R"({"ip": "198.51.100.7", "window_start": "2026-11-29T02:01:00Z", "colour": 1})" + "\n" +
      R"({"ip": "198.51.100.7", "window_start": "2026-11-29T02:00:00Z", "attack_bps": 2000000000})" +
      "\n" + R"({"ip": "198.51.100.7", "window_st)";
  const auto r = Post(ndjson, "application/x-ndjson");
  EXPECT_EQ(r.at("accepted").as_int64(), 1);
  const auto rejected = r.at("rejected").as_array();
  const std::vector<std::string> codes = {
      "unknown_ip",    "unaligned_window", "future_window",  "too_old",      "negative_value",
      "absurd_value",  "invalid_type",     "invalid_window", "invalid_time", "invalid_ip",
      "unknown_field", "conflict",         "invalid_json"};
  ASSERT_EQ(rejected.size(), codes.size()) << r;
  for (size_t i = 0; i < codes.size(); ++i) {
    EXPECT_EQ(rejected[i].at("index").as_int64(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(Str(rejected[i], "code"), codes[i]) << i;
    EXPECT_FALSE(rejected[i].at("message").as_string().empty());
  }
}

TEST_F(Postpaid, WholeBodyProblemsAre4xxAndMetersStayInTheirTenant) {
  EXPECT_EQ(
      s_.Call("POST", "/v1/usage", meter_, "{", {{"Content-Type", "application/json"}}).status,
      400);
  EXPECT_EQ(s_.Call("POST", "/v1/usage", meter_, R"({"ip": "x"})").status, 400);
  EXPECT_EQ(s_.Call("POST", "/v1/usage", meter_, "[]", {{"Content-Type", "text/csv"}}).status, 415);
  EXPECT_EQ(s_.Call("POST", "/v1/usage", meter_, "[]", {{"Content-Encoding", "br"}}).status, 415);
  EXPECT_EQ(s_.Call("POST", "/v1/usage", key_, "[]").status, 403);  // a tenant key
  EXPECT_EQ(s_.Call("POST", "/v1/usage", meter_, "[" + std::string(33 << 20, ' ') + "]").status,
            413);
  auto [other, other_key] = s_.NewTenant("other", "0");
  const auto their_meter =
      Str(s_.Admin("POST", "/v1/admin/tenants/" + other + "/keys", R"({"role": "meter"})").Json(),
          "key");
  ClockTo("2026-11-26T02:05:00Z");
  const auto r =
      s_.Call("POST", "/v1/usage", their_meter, "[" + Sample("2026-11-26T02:00:00Z", 45) + "]");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Str(r.Json().at("rejected").as_array()[0], "code"), "unknown_ip");
  // The admin may report for anyone.
  EXPECT_EQ(s_.Call("POST", "/v1/usage", kAdminKey, "[" + Sample("2026-11-26T02:00:00Z", 45) + "]")
                .Json()
                .at("accepted")
                .as_int64(),
            1);
  EXPECT_EQ(s_.Call("GET", "/v1/bills?from=2026-13-01", key_).status, 400);
  EXPECT_EQ(s_.Call("GET", "/v1/bills/yesterday", key_).status, 400);
}

TEST_F(Postpaid, ALateSampleBillsTheExactDifferenceOnTheNextBill) {
  ClockTo("2026-11-26T02:05:00Z");
  Post("[" + Sample("2026-11-26T02:00:00Z", 30) + "]");  // E 10 -> 1,000
  ClockTo("2026-11-26T17:00:00Z");
  EXPECT_EQ(Str(s_.Call("GET", "/v1/bills/2026-11-26", key_).Json(), "total"), "1000.00");
  // A late sample (within 72 h) raises the closed day's peak to 45: E 25 -> 3,500.
  EXPECT_EQ(Post("[" + Sample("2026-11-26T03:00:00Z", 45) + "]").at("accepted").as_int64(), 1);
  ClockTo("2026-11-27T17:00:00Z");
  const auto next = s_.Call("GET", "/v1/bills/2026-11-27", key_).Json();
  const auto lines = next.at("lines").as_array();
  ASSERT_EQ(lines.size(), 1u) << next;
  EXPECT_EQ(Str(lines[0], "kind"), "adjustment");
  EXPECT_EQ(Str(lines[0], "amount"), "2500.00");
  EXPECT_EQ(Str(lines[0].at("measure"), "corrects_day"), "2026-11-26");
  EXPECT_EQ(Str(lines[0].at("measure"), "previous"), "1000.00");
  EXPECT_EQ(Str(lines[0].at("measure"), "corrected"), "3500.00");
  EXPECT_EQ(Str(next, "total"), "2500.00");
  EXPECT_EQ(Balance(), "79900.00");  // 83,400 - 1,000 - 2,500
  // The closed bill itself is unchanged; nothing is adjusted twice.
  EXPECT_EQ(Str(s_.Call("GET", "/v1/bills/2026-11-26", key_).Json(), "total"), "1000.00");
  ClockTo("2026-11-28T17:00:00Z");
  EXPECT_TRUE(s_.Call("GET", "/v1/bills/2026-11-28", key_).Json().at("lines").as_array().empty());
}

// dataplane.md §1: two sources' samples of one window add up (two scrubbing sites each see
// part of the attack); one source's higher revision replaces its own copy only.
TEST_F(Postpaid, SourcesAddUpAndARevisionReplacesOnlyItsSourcesCopy) {
  ClockTo("2026-11-26T02:05:00Z");
  auto with = [](std::string sample, const std::string& source, int revision) {
    sample.pop_back();
    return sample + R"(, "source": ")" + source + R"(", "revision": )" + std::to_string(revision) +
           "}";
  };
  const std::string a0 = with(Sample("2026-11-26T02:00:00Z", 20, 100), "site-a", 0);
  const std::string b0 = with(Sample("2026-11-26T02:00:00Z", 15, 50), "site-b", 0);
  auto r = Post("[" + a0 + "," + b0 + "]");
  EXPECT_EQ(r.at("accepted").as_int64(), 2) << r;
  auto windows = [&](const std::string& query) {
    const auto u =
        s_.Call("GET", "/v1/resources/" + Resource() + "/usage?day=2026-11-26" + query, key_);
    EXPECT_EQ(u.status, 200) << u.body;
    return u.Json().at("windows").as_array();
  };
  auto summed = windows("");
  ASSERT_EQ(summed.size(), 1u);
  EXPECT_EQ(summed[0].at("attack_bps").as_int64(), 35'000'000'000);
  EXPECT_EQ(summed[0].at("in_bytes").as_int64(), 150);

  // site-a corrects its window (late flow records); site-b's copy stands.
  r = Post("[" + with(Sample("2026-11-26T02:00:00Z", 30, 120), "site-a", 1) + "]");
  EXPECT_EQ(r.at("accepted").as_int64(), 1) << r;
  EXPECT_EQ(r.at("replaced").as_int64(), 1) << r;
  summed = windows("");
  EXPECT_EQ(summed[0].at("attack_bps").as_int64(), 45'000'000'000);
  EXPECT_EQ(summed[0].at("in_bytes").as_int64(), 170);
  const auto per = windows("&by=source");
  ASSERT_EQ(per.size(), 2u);
  EXPECT_EQ(Str(per[0], "source"), "site-a");
  EXPECT_EQ(per[0].at("revision").as_int64(), 1);
  EXPECT_EQ(per[0].at("attack_bps").as_int64(), 30'000'000'000);
  EXPECT_EQ(Str(per[1], "source"), "site-b");
  EXPECT_EQ(per[1].at("revision").as_int64(), 0);
  EXPECT_EQ(
      s_.Call("GET", "/v1/resources/" + Resource() + "/usage?day=2026-11-26&by=ip", key_).status,
      400);

  // Older, equal-but-different and repeated copies.
  r = Post("[" + a0 + "," + with(Sample("2026-11-26T02:00:00Z", 31, 120), "site-a", 1) + "," +
           with(Sample("2026-11-26T02:00:00Z", 30, 120), "site-a", 1) + "," +
           with(Sample("2026-11-26T02:00:00Z", 1), "Site A", 0) + "]");
  EXPECT_EQ(r.at("accepted").as_int64(), 0) << r;
  EXPECT_EQ(r.at("duplicates").as_int64(), 1) << r;
  const auto rejected = r.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 3u) << r;
  EXPECT_EQ(Str(rejected[0], "code"), "stale_revision");
  EXPECT_EQ(Str(rejected[1], "code"), "conflict");
  EXPECT_EQ(Str(rejected[2], "code"), "invalid_source");

  // Without a source a sample is its key's: the same meter's repeat is a duplicate, another
  // meter's sample adds up.
  EXPECT_EQ(Post("[" + Sample("2026-11-26T02:00:00Z", 5) + "]").at("accepted").as_int64(), 1);
  EXPECT_EQ(Post("[" + Sample("2026-11-26T02:00:00Z", 5) + "]").at("duplicates").as_int64(), 1);
  const auto other =
      Str(s_.Admin("POST", "/v1/admin/tenants/" + tenant_ + "/keys", R"({"role": "meter"})").Json(),
          "key");
  EXPECT_EQ(s_.Call("POST", "/v1/usage", other, "[" + Sample("2026-11-26T02:00:00Z", 5) + "]")
                .Json()
                .at("accepted")
                .as_int64(),
            1);
  EXPECT_EQ(windows("")[0].at("attack_bps").as_int64(), 55'000'000'000);

  // The bill sees the sum: the day's peak is 30 + 15 + 5 + 5 = 55 Gbps.
  ClockTo("2026-11-26T17:00:00Z");
  const auto bill = s_.Call("GET", "/v1/bills/2026-11-26", key_).Json();
  ASSERT_EQ(Str(bill.at("lines").as_array()[0], "kind"), "elastic") << bill;
  EXPECT_EQ(bill.at("lines").as_array()[0].at("measure").at("attack_peak_bps").as_int64(),
            55'000'000'000)
      << bill;
}

// A correction of a closed day (within 72 h) re-rates it into an adjustment line, like a late
// sample; the closed bill stays as it was.
TEST_F(Postpaid, ACorrectionOfAClosedDayIsAnAdjustment) {
  ClockTo("2026-11-26T02:05:00Z");
  const std::string first = R"([{"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z",
      "attack_bps": 45000000000, "source": "collect:sz"}])";
  Post(first);  // E 25 -> 3,500
  ClockTo("2026-11-26T17:00:00Z");
  EXPECT_EQ(Str(s_.Call("GET", "/v1/bills/2026-11-26", key_).Json(), "total"), "3500.00");
  const std::string corrected = R"([{"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z",
      "attack_bps": 30000000000, "source": "collect:sz", "revision": 1}])";
  EXPECT_EQ(Post(corrected).at("replaced").as_int64(), 1);  // E 10 -> 1,000
  ClockTo("2026-11-27T17:00:00Z");
  const auto next = s_.Call("GET", "/v1/bills/2026-11-27", key_).Json();
  const auto lines = next.at("lines").as_array();
  ASSERT_EQ(lines.size(), 1u) << next;
  EXPECT_EQ(Str(lines[0], "kind"), "adjustment");
  EXPECT_EQ(Str(lines[0], "amount"), "-2500.00");
  EXPECT_EQ(Str(lines[0].at("measure"), "corrected"), "1000.00");
  EXPECT_EQ(Str(s_.Call("GET", "/v1/bills/2026-11-26", key_).Json(), "total"), "3500.00");
}

TEST_F(Postpaid, ADebtPutsTheAccountInArrearsAndWindowsThenCarryNoElastic) {
  ASSERT_EQ(s_.Admin("POST", "/v1/admin/ip-pools",
                     R"({"region": "cn-south", "line": "bgp", "cidr": "198.51.100.8/32"})")
                .status,
            201);
  auto [poor, key] = s_.NewTenant("poor", "17000.00");
  const auto meter =
      Str(s_.Admin("POST", "/v1/admin/tenants/" + poor + "/keys", R"({"role": "meter"})").Json(),
          "key");
  const auto o = s_.Call(
      "POST", "/v1/orders", key,
      R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "elastic_gbps": 50, "months": 1})");
  ASSERT_EQ(s_.Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", key).status,
            200);  // 400 left
  s_.Advance(300);
  auto sample = [](const std::string& at, int gbps) {
    return R"([{"ip": "198.51.100.8", "window_start": ")" + at + R"(", "attack_bps": )" +
           std::to_string(int64_t{gbps} * 1'000'000'000) + "}]";
  };
  ClockTo("2026-11-26T02:05:00Z");
  ASSERT_EQ(s_.Call("POST", "/v1/usage", meter, sample("2026-11-26T02:00:00Z", 45)).status, 200);
  ClockTo("2026-11-26T17:00:00Z");  // day close: 3,500 against 400
  auto account = s_.Call("GET", "/v1/account", key).Json();
  EXPECT_EQ(Str(account, "balance"), "-3100.00");
  EXPECT_TRUE(account.at("in_arrears").as_bool());
  // The next day's attack, while in arrears, carries no elastic charge.
  ClockTo("2026-11-27T02:05:00Z");
  ASSERT_EQ(s_.Call("POST", "/v1/usage", meter, sample("2026-11-27T02:00:00Z", 45)).status, 200);
  ClockTo("2026-11-27T17:00:00Z");
  const auto bill = s_.Call("GET", "/v1/bills/2026-11-27", key).Json();
  EXPECT_EQ(Str(bill, "total"), "0.00") << bill;
  // A top-up ends the arrears: elastic resumes and is charged again.
  s_.Admin("POST", "/v1/admin/tenants/" + poor + "/topup", R"({"amount": "10000.00"})");
  EXPECT_FALSE(s_.Call("GET", "/v1/account", key).Json().at("in_arrears").as_bool());
  ClockTo("2026-11-28T02:05:00Z");
  ASSERT_EQ(s_.Call("POST", "/v1/usage", meter, sample("2026-11-28T02:00:00Z", 45)).status, 200);
  ClockTo("2026-11-28T17:00:00Z");
  EXPECT_EQ(Str(s_.Call("GET", "/v1/bills/2026-11-28", key).Json(), "total"), "3500.00");
  std::vector<std::string> kinds;
  const auto notes =
      s_.Call("GET", "/v1/notifications?limit=200", key).Json().at("items").as_array();
  for (const auto& n : notes) kinds.push_back(Str(n, "kind"));
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "arrears_entered"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "arrears_left"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "elastic_charge"), kinds.end());
}

TEST_F(Postpaid, GzipBodiesAreInflatedAndBrokenOnesRefused) {
  ClockTo("2026-11-26T02:05:00Z");
  const std::string body = "[" + Sample("2026-11-26T02:00:00Z", 45) + "]";
  const std::string gz = common::Gzip(body);
  const auto ok = s_.Call("POST", "/v1/usage", meter_, gz,
                          {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json().at("accepted").as_int64(), 1);
  const auto broken = s_.Call("POST", "/v1/usage", meter_, gz.substr(0, gz.size() / 2),
                              {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(Str(broken.Json().at("error"), "code"), "invalid_gzip");
}

TEST(PostpaidRetention, UsageOlderThanTheRetentionIsDeletedAtDayClose) {
  Server s({"--usage-retention-days", "4"});
  ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "198.51.100.7/32"})")
                .status,
            201);
  auto [tenant, key] = s.NewTenant("acme", "100000.00");
  const auto meter =
      Str(s.Admin("POST", "/v1/admin/tenants/" + tenant + "/keys", R"({"role": "meter"})").Json(),
          "key");
  const auto o = s.Call(
      "POST", "/v1/orders", key,
      R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "months": 1})");
  s.Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", key);
  s.Advance(3600);
  ASSERT_EQ(
      s.Call("POST", "/v1/usage", meter,
             R"([{"ip": "198.51.100.7", "window_start": "2026-11-26T00:30:00Z", "attack_bps": 5}])")
          .status,
      200);
  const std::string resource(
      s.Call("GET", "/v1/resources", key).Json().at("items").as_array()[0].at("id").as_string());
  auto windows = [&] {
    return s.Call("GET", "/v1/resources/" + resource + "/usage?day=2026-11-26", key)
        .Json()
        .at("windows")
        .as_array()
        .size();
  };
  s.Admin("POST", "/v1/admin/clock",
          R"({"now": "2026-11-30T17:00:00Z"})");  // closes the 30th: keeps from the 26th
  EXPECT_EQ(windows(), 1u);
  s.Admin("POST", "/v1/admin/clock",
          R"({"now": "2026-12-01T17:00:00Z"})");  // closes Dec 1st: keeps from the 27th
  EXPECT_EQ(windows(), 0u);
  EXPECT_EQ(s.Call("GET", "/v1/bills/2026-11-26", key).status, 200);  // the bill stays
}

TEST_F(Postpaid, AttacksAboveTheBaseStartAndEnd) {
  ClockTo("2026-11-26T02:10:00Z");
  auto kinds = [&] {
    std::vector<std::string> out;
    const auto items =
        s_.Call("GET", "/v1/notifications?limit=200", key_).Json().at("items").as_array();
    for (const auto& n : items) {
      const std::string k(n.at("kind").as_string());
      if (k.rfind("attack_", 0) == 0) out.push_back(k);
    }
    return out;
  };
  Post("[" + Sample("2026-11-26T02:00:00Z", 10) + "]");  // below the base of 20
  EXPECT_TRUE(kinds().empty());
  Post("[" + Sample("2026-11-26T02:01:00Z", 45) + "," + Sample("2026-11-26T02:02:00Z", 50) + "]");
  EXPECT_EQ(kinds(), std::vector<std::string>{"attack_started"});
  Post("[" + Sample("2026-11-26T02:00:30Z", 1) + "]");  // unaligned: rejected, no effect
  Post("[" + Sample("2026-11-26T02:05:00Z", 3) + "]");
  EXPECT_EQ(kinds(), (std::vector<std::string>{"attack_started", "attack_ended"}));
  Post("[" + Sample("2026-11-26T02:03:00Z", 1) + "]");  // late and out of order: nothing new
  EXPECT_EQ(kinds().size(), 2u);
}

// product.md §7: a sample belongs to the resource protecting its IP at the window's start —
// also after the IP moved. Here an address bound to one tenant's hdp moves at 03:00 to
// another tenant's hdp; late samples from before the move still go to the first packet.
TEST_F(Postpaid, ASampleGoesToWhoeverProtectedItsIpAtTheWindow) {
  auto [other, other_key] = s_.NewTenant("globex", "100000.00");
  const std::string other_meter =
      Str(s_.Admin("POST", "/v1/admin/tenants/" + other + "/keys", R"({"role": "meter"})").Json(),
          "key");
  const std::string hdp =
      R"({"product": "hdp", "region": "cn-east", "scope": "single", "base_gbps": 10, "elastic_gbps": 50, "months": 3})";
  auto buy = [&](const std::string& key) {
    const auto o = s_.Call("POST", "/v1/orders", key, hdp);
    const auto paid = s_.Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", key);
    EXPECT_EQ(paid.status, 200) << paid.body;
    return std::string(paid.Json().at("resources").as_array()[0].as_string());
  };
  const auto prefix =
      s_.Admin("POST", "/v1/admin/tenants/" + tenant_ + "/prefixes", R"({"cidr": "192.0.2.0/24"})");
  ASSERT_EQ(prefix.status, 201) << prefix.body;
  const std::string first = buy(key_);
  const std::string second = buy(other_key);
  s_.Advance(300);
  ClockTo("2026-11-26T01:00:00Z");
  ASSERT_EQ(s_.Call("POST", "/v1/resources/" + first + "/bindings", key_, R"({"ip": "192.0.2.9"})")
                .status,
            201);
  ClockTo("2026-11-26T03:00:00Z");
  ASSERT_EQ(s_.Call("DELETE", "/v1/resources/" + first + "/bindings/192.0.2.9", key_).status, 200);
  // The block changes hands: the operator moves the prefix to the other tenant.
  ASSERT_EQ(
      s_.Admin("DELETE", "/v1/admin/tenants/" + tenant_ + "/prefixes/" + Str(prefix.Json(), "id"))
          .status,
      200);
  ASSERT_EQ(
      s_.Admin("POST", "/v1/admin/tenants/" + other + "/prefixes", R"({"cidr": "192.0.2.0/24"})")
          .status,
      201);
  ASSERT_EQ(
      s_.Call("POST", "/v1/resources/" + second + "/bindings", other_key, R"({"ip": "192.0.2.9"})")
          .status,
      201);
  ClockTo("2026-11-26T04:00:00Z");
  auto sample = [](const std::string& at, int64_t gbps) {
    return R"({"ip": "192.0.2.9", "window_start": ")" + at +
           R"(", "window_s": 60, "attack_bps": )" + std::to_string(gbps * 1'000'000'000) +
           R"(, "in_bytes": 0, "out_bytes": 0})";
  };
  const std::string before = sample("2026-11-26T02:00:00Z", 25);  // the first packet's
  const std::string after = sample("2026-11-26T03:30:00Z", 35);   // the second's
  const std::string unbound = sample("2026-11-26T00:30:00Z", 5);  // nobody's yet
  // The operator's key posts all three: each lands with its owner at its window.
  const auto r = s_.Admin("POST", "/v1/usage", "[" + before + "," + after + "," + unbound + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("accepted").as_int64(), 2);
  const auto rejected = r.Json().at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].at("index").as_int64(), 2);
  EXPECT_EQ(Str(rejected[0], "code"), "unknown_ip");
  // A tenant's meter may report only windows when its tenant protected the IP.
  const auto theirs =
      s_.Call("POST", "/v1/usage", other_meter, "[" + sample("2026-11-26T02:01:00Z", 1) + "]",
              {{"Content-Type", "application/json"}});
  EXPECT_EQ(Str(theirs.Json().at("rejected").as_array()[0], "code"), "unknown_ip");

  auto windows = [&](const std::string& key, const std::string& id) {
    std::vector<std::string> at;
    const auto u = s_.Call("GET", "/v1/resources/" + id + "/usage?day=2026-11-26", key).Json();
    for (const auto& w : u.at("windows").as_array()) at.push_back(Str(w, "window_start"));
    return at;
  };
  EXPECT_EQ(windows(key_, first), std::vector<std::string>{"2026-11-26T02:00:00Z"});
  EXPECT_EQ(windows(other_key, second), std::vector<std::string>{"2026-11-26T03:30:00Z"});

  // And each packet's bill charges its own attack: 25 - 10 = 15 and 35 - 10 = 25 Gbps excess.
  ClockTo("2026-11-26T17:00:00Z");
  const auto mine = s_.Call("GET", "/v1/bills/2026-11-26", key_).Json();
  const auto yours = s_.Call("GET", "/v1/bills/2026-11-26", other_key).Json();
  auto elastic_peak = [&](const boost::json::value& bill, const std::string& resource) {
    for (const auto& l : bill.at("lines").as_array()) {
      if (Str(l, "resource") == resource && Str(l, "kind") == "elastic") {
        return l.at("measure").at("attack_peak_bps").as_int64();
      }
    }
    return int64_t{-1};
  };
  EXPECT_EQ(elastic_peak(mine, first), 25'000'000'000);
  EXPECT_EQ(elastic_peak(yours, second), 35'000'000'000);
}

// A meter that posts every minute: each batch appends a small part to the day's block, and
// every 16th folds the parts back into one. Nothing is lost or doubled through the folds:
// duplicates and conflicts are still seen across parts, and the bill sees every window.
TEST_F(Postpaid, MinuteByMinuteBatchesAreStoredWholeAcrossParts) {
  ClockTo("2026-11-26T03:00:00Z");
  for (int m = 0; m < 40; ++m) {
    const std::string at =
        "2026-11-26T02:" + std::string(m < 10 ? "0" : "") + std::to_string(m) + ":00Z";
    const auto r = Post("[" + Sample(at, m == 17 ? 45 : 5, 1'000'000'000, 0) + "]");
    ASSERT_EQ(r.at("accepted").as_int64(), 1) << m << " " << boost::json::serialize(r);
  }
  const auto again = Post("[" + Sample("2026-11-26T02:03:00Z", 5, 1'000'000'000, 0) + "," +
                          Sample("2026-11-26T02:33:00Z", 6, 1'000'000'000, 0) + "]");
  EXPECT_EQ(again.at("duplicates").as_int64(), 1);
  EXPECT_EQ(Str(again.at("rejected").as_array()[0], "code"), "conflict");
  const auto resources = s_.Call("GET", "/v1/resources", key_).Json();
  const std::string id = Str(resources.at("items").as_array()[0], "id");
  const auto usage = s_.Call("GET", "/v1/resources/" + id + "/usage?day=2026-11-26", key_).Json();
  EXPECT_EQ(usage.at("windows").as_array().size(), 40u);
  ClockTo("2026-11-26T17:00:00Z");
  const auto bill = s_.Call("GET", "/v1/bills/2026-11-26", key_).Json();
  const auto lines = bill.at("lines").as_array();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(Str(lines[0], "amount"), "3500.00");  // the 45 Gbps minute: 25 over the base
  EXPECT_EQ(lines[0].at("measure").at("attack_peak_bps").as_int64(), 45'000'000'000);
  EXPECT_EQ(Str(lines[1], "amount"), "32.00");  // 40 GB x 0.80
}

TEST_F(Postpaid, HostileBodiesNeverCrashNorHalfWrite) {
  ClockTo("2026-11-29T02:05:00Z");
  const std::string ip = R"("ip": "198.51.100.7")";
  const std::string ok_at = R"("window_start": "2026-11-29T02:00:00Z")";
  struct Case {
    std::string what, body, type;
    int status;
    std::string code;  // of the request (4xx) or of sample 0's rejection (200)
  };
  const std::string json = "application/json", nd = "application/x-ndjson";
  const std::vector<Case> cases = {
      {"NaN", "[{" + ip + ", " + ok_at + ", \"attack_bps\": NaN}]", json, 400, "invalid_json"},
      {"Infinity", "[{" + ip + ", " + ok_at + ", \"attack_bps\": Infinity}]", json, 400,
       "invalid_json"},
      {"1e400", "[{" + ip + ", " + ok_at + ", \"attack_bps\": 1e400}]", json, 200, "invalid_type"},
      {"float attack", "[{" + ip + ", " + ok_at + ", \"attack_bps\": 4.5e10}]", json, 200,
       "invalid_type"},
      {"string attack", "[{" + ip + ", " + ok_at + ", \"attack_bps\": \"45G\"}]", json, 200,
       "invalid_type"},
      {"bool bytes", "[{" + ip + ", " + ok_at + ", \"in_bytes\": true}]", json, 200,
       "invalid_type"},
      {"negative", "[{" + ip + ", " + ok_at + ", \"out_bytes\": -1}]", json, 200, "negative_value"},
      {"over 100 Tbps", "[{" + ip + ", " + ok_at + ", \"attack_bps\": 100000000000001}]", json, 200,
       "absurd_value"},
      {"int64 overflow", "[{" + ip + ", " + ok_at + ", \"attack_bps\": 9223372036854775808}]", json,
       200, "out_of_range"},
      {"future", "[{" + ip + ", \"window_start\": \"2026-11-29T02:11:00Z\"}]", json, 200,
       "future_window"},
      {"73 h old", "[{" + ip + ", \"window_start\": \"2026-11-26T01:00:00Z\"}]", json, 200,
       "too_old"},
      {"unaligned", "[{" + ip + ", \"window_start\": \"2026-11-29T02:00:01Z\"}]", json, 200,
       "unaligned_window"},
      {"unaligned 300",
       "[{" + ip + ", \"window_start\": \"2026-11-29T02:01:00Z\", \"window_s\": 300}]", json, 200,
       "unaligned_window"},
      {"window 0", "[{" + ip + ", " + ok_at + ", \"window_s\": 0}]", json, 200, "invalid_window"},
      {"fractional time", "[{" + ip + ", \"window_start\": \"2026-11-29T02:00:00.5Z\"}]", json, 200,
       "invalid_time"},
      {"unknown IP", "[{\"ip\": \"203.0.113.250\", " + ok_at + "}]", json, 200, "unknown_ip"},
      {"IPv6 unknown", "[{\"ip\": \"2001:db8::99\", " + ok_at + "}]", json, 200, "unknown_ip"},
      {"IP with port", "[{\"ip\": \"198.51.100.7:80\", " + ok_at + "}]", json, 200, "invalid_ip"},
      {"long IP", "[{\"ip\": \"" + std::string(5000, '9') + "\", " + ok_at + "}]", json, 200,
       "invalid_ip"},
      {"null sample", "[null]", json, 200, "invalid_type"},
      {"number sample", "[5]", json, 200, "invalid_type"},
      {"nested arrays", "[[{" + ip + ", " + ok_at + "}]]", json, 200, "invalid_type"},
      {"unknown field", "[{" + ip + ", " + ok_at + ", \"tenant\": \"x\"}]", json, 200,
       "unknown_field"},
      {"object body", "{" + ip + "}", json, 400, "invalid_type"},
      {"deep nesting", std::string(50, '[') + std::string(50, ']'), json, 400, "invalid_json"},
      {"truncated JSON", "[{" + ip + ", " + ok_at, json, 400, "invalid_json"},
      {"truncated NDJSON line", "{" + ip + ", " + ok_at, nd, 200, "invalid_json"},
      {"NDJSON array line", "[1,2]", nd, 200, "invalid_type"},
      {"NDJSON garbage", "\x01\x02\x03", nd, 200, "invalid_json"},
      {"wrong content type", "[]", "text/plain", 415, "unsupported_media_type"},
      {"broken gzip", "\x1f\x8b\x08garbage", json, 400, "invalid_gzip"},
      {"too many samples",
       "[" +
           [] {
             std::string a;
             for (int i = 0; i < 100001; ++i) a += (i ? ",0" : "0");
             return a;
           }() +
           "]",
       json, 413, "payload_too_large"},
  };
  ASSERT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    std::map<std::string, std::string> headers{{"Content-Type", c.type}};
    if (c.what == "broken gzip") headers["Content-Encoding"] = "gzip";
    const auto r = s_.Call("POST", "/v1/usage", meter_, c.body, headers);
    ASSERT_EQ(r.status, c.status) << c.what << ": " << r.body.substr(0, 300);
    if (c.status == 200) {
      EXPECT_EQ(r.Json().at("accepted").as_int64(), 0) << c.what;
      ASSERT_EQ(r.Json().at("rejected").as_array().size(), 1u)
          << c.what << ": " << r.body.substr(0, 300);
      EXPECT_EQ(Str(r.Json().at("rejected").as_array()[0], "code"), c.code) << c.what;
    } else {
      EXPECT_EQ(Str(r.Json().at("error"), "code"), c.code) << c.what;
    }
  }
  // A 100 MB body is refused before it is read whole.
  EXPECT_EQ(
      s_.Call("POST", "/v1/usage", meter_, std::string(100 << 20, ' '), {{"Content-Type", json}})
          .status,
      413);
  // Nothing was stored by any of them; the server still answers.
  const std::string res(
      s_.Call("GET", "/v1/resources", key_).Json().at("items").as_array()[0].at("id").as_string());
  EXPECT_TRUE(s_.Call("GET", "/v1/resources/" + res + "/usage?day=2026-11-29", key_)
                  .Json()
                  .at("windows")
                  .as_array()
                  .empty());
  EXPECT_EQ(s_.Call("GET", "/healthz").status, 200);
}

TEST(PostpaidPartitions, UsageIsPartitionedByDayOnPostgres) {
  Server s({"--usage-retention-days", "4"});
  if (s.database().empty()) GTEST_SKIP() << "PostgreSQL only";
  auto partitions = [&] {
    const std::string cmd =
        "psql -Atq \"" + s.database() +
        "\" -c \"SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = "
        "i.inhrelid WHERE i.inhparent = 'usage_blocks'::regclass ORDER BY 1\"";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[256];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
    return out;
  };
  // Started on 2026-11-26 (UTC+8): that day and the next three exist ahead of any sample.
  EXPECT_EQ(partitions(),
            "usage_blocks_default\nusage_blocks_p20261126\nusage_blocks_p20261127\n"
            "usage_blocks_p20261128\nusage_blocks_p20261129\n");
  // Closing 2026-12-01 keeps four days back (from 11-27): 11-26 is dropped, days ahead added.
  s.Admin("POST", "/v1/admin/clock", R"({"now": "2026-12-01T17:00:00Z"})");
  const std::string after = partitions();
  EXPECT_EQ(after.find("p20261126"), std::string::npos) << after;
  EXPECT_NE(after.find("p20261127"), std::string::npos) << after;
  EXPECT_NE(after.find("p20261204"), std::string::npos) << after;
}

}  // namespace
}  // namespace rampart::testing
