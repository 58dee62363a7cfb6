// A resource's whole life on the simulated clock, through the real server (issue: after
// delivery): upgrade, reminders, expiry, renewal while expired, release, reuse of its IP;
// auto-renewal with and without the balance; cancellation inside and outside 5 days.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/time.h"
#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

const std::string kOneMonth =
    R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "elastic_gbps": 50, "months": 1})";

class Lifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(s_.Admin("POST", "/v1/admin/ip-pools",
                       R"({"region": "cn-south", "line": "bgp", "cidr": "198.51.100.7/32"})")
                  .status,
              201);
  }
  // Buys and pays `body`, lets it be delivered; returns the resource id.
  std::string Buy(const std::string& key, const std::string& body = kOneMonth) {
    const auto o = s_.Call("POST", "/v1/orders", key, body);
    EXPECT_EQ(o.status, 201) << o.body;
    const auto paid = s_.Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", key);
    EXPECT_EQ(paid.status, 200) << paid.body;
    s_.Advance(120);  // --delivery-delay 120-120
    return std::string(paid.Json().at("resources").as_array()[0].as_string());
  }
  void ClockTo(const std::string& t) {
    const auto r = s_.Admin("POST", "/v1/admin/clock", "{\"now\": \"" + t + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  boost::json::value Resource(const std::string& key, const std::string& id) {
    return s_.Call("GET", "/v1/resources/" + id, key).Json();
  }
  std::vector<std::string> Kinds(const std::string& key) {
    std::vector<std::string> kinds;
    const auto items =
        s_.Call("GET", "/v1/notifications?limit=200", key).Json().at("items").as_array();
    for (const auto& n : items) kinds.push_back(Str(n, "kind"));
    return kinds;
  }
  std::string Balance(const std::string& key) {
    return Str(s_.Call("GET", "/v1/account", key).Json(), "balance");
  }

  Server s_{{"--delivery-delay", "120-120"}};
};

TEST_F(Lifecycle, AWholeLifeInWellUnderASecond) {
  auto [tenant, key] = s_.NewTenant("acme", "100000.00");
  const std::string id = Buy(key);
  auto r = Resource(key, id);
  EXPECT_EQ(Str(r, "state"), "running");
  EXPECT_EQ(Str(r, "delivered_at"), "2026-11-26T00:02:00Z");
  EXPECT_EQ(Str(r, "expires_at"), "2026-12-26T00:02:00Z");  // one calendar month
  EXPECT_EQ(Balance(key), "83400.00");                      // 100,000 - 16,600

  // Upgrade 20 -> 30 with exactly 21 days left: 9,000 x 21 x 12 / 365 = 6,213.70.
  ClockTo("2026-12-05T00:02:00Z");
  // The price shown before confirming is the price then charged; asking changes nothing.
  const auto fee =
      s_.Call("POST", "/v1/resources/" + id + "/upgrade/quote", key, R"({"base_gbps": 30})");
  ASSERT_EQ(fee.status, 200) << fee.body;
  EXPECT_EQ(Str(fee.Json(), "amount"), "6213.70");
  EXPECT_FALSE(fee.Json().at("elastic_switched_off").as_bool());
  EXPECT_EQ(Balance(key), "83400.00");
  const auto up = s_.Call("POST", "/v1/resources/" + id + "/upgrade", key, R"({"base_gbps": 30})");
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.Json().at("base_gbps").as_int64(), 30);
  EXPECT_EQ(up.Json().at("elastic_gbps").as_int64(), 50);  // still above the base
  EXPECT_EQ(Balance(key), "77186.30");

  // Reminders 7, 3 and 1 days before, then expiry (no auto-renew).
  ClockTo("2026-12-26T00:01:59Z");
  auto kinds = Kinds(key);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "expiry_reminder"), 3);
  EXPECT_EQ(Str(Resource(key, id), "state"), "running");
  ClockTo("2026-12-26T00:02:00Z");
  EXPECT_EQ(Str(Resource(key, id), "state"), "expired");
  EXPECT_EQ(Resource(key, id).at("ips").as_array().size(), 1u);  // kept while renewable

  // Renewal on day 3 of expiry: a new month from now, at the upgraded price.
  ClockTo("2026-12-28T12:00:00Z");
  const auto price =
      s_.Call("POST", "/v1/resources/" + id + "/renew/quote", key, R"({"months": 1})");
  ASSERT_EQ(price.status, 200) << price.body;
  EXPECT_EQ(Str(price.Json(), "amount"), "25600.00");
  EXPECT_EQ(Balance(key), "77186.30");
  const auto renewed = s_.Call("POST", "/v1/resources/" + id + "/renew", key, R"({"months": 1})");
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  EXPECT_EQ(Str(renewed.Json(), "state"), "running");
  EXPECT_EQ(Str(renewed.Json(), "expires_at"), "2027-01-28T12:00:00Z");
  EXPECT_EQ(Balance(key), "51586.30");  // - 25,600
  // The first term's release (2027-01-03 00:00 local) no longer applies.
  ClockTo("2027-01-03T00:00:00Z");
  EXPECT_EQ(Str(Resource(key, id), "state"), "running");

  // Expiry again, then release at 00:00 (UTC+8) of the 8th day after the day of expiry:
  // expired 2027-01-28 20:00 local -> released 2027-02-05 00:00 local = 2027-02-04T16:00Z.
  ClockTo("2027-01-28T12:00:00Z");
  EXPECT_EQ(Str(Resource(key, id), "state"), "expired");
  ClockTo("2027-02-04T15:59:59Z");
  EXPECT_EQ(Str(Resource(key, id), "state"), "expired");
  ClockTo("2027-02-04T16:00:00Z");
  r = Resource(key, id);
  EXPECT_EQ(Str(r, "state"), "released");
  EXPECT_TRUE(r.at("ips").as_array().empty());
  EXPECT_EQ(s_.Call("POST", "/v1/resources/" + id + "/renew", key, R"({"months": 1})").status, 409);

  // Its IP goes to the next purchase (the pool has only that one).
  auto [other, other_key] = s_.NewTenant("next", "100000.00");
  const std::string next = Buy(other_key);
  EXPECT_EQ(std::string(Resource(other_key, next).at("ips").as_array()[0].as_string()),
            "198.51.100.7");

  kinds = Kinds(key);
  for (const char* k :
       {"order_paid", "delivered", "expiry_reminder", "expired", "renewed", "released"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << k;
  }
}

TEST_F(Lifecycle, AutoRenewsAtExpiryWhenTheBalanceSuffices) {
  auto [tenant, key] = s_.NewTenant("acme", "40000.00");
  auto body = boost::json::parse(kOneMonth).as_object();
  body["auto_renew"] = true;
  const std::string id = Buy(key, boost::json::serialize(body));
  ClockTo("2026-12-26T00:02:00Z");
  const auto r = Resource(key, id);
  EXPECT_EQ(Str(r, "state"), "running");
  EXPECT_EQ(Str(r, "expires_at"), "2027-01-26T00:02:00Z");
  EXPECT_EQ(Balance(key), "6800.00");  // 40,000 - 16,600 x 2
  // Next month the balance no longer covers it: a notice, then expiry.
  ClockTo("2027-01-26T00:02:00Z");
  EXPECT_EQ(Str(Resource(key, id), "state"), "expired");
  EXPECT_EQ(Balance(key), "6800.00");
  const auto notes =
      s_.Call("GET", "/v1/notifications?limit=200", key).Json().at("items").as_array();
  bool failed_notice = false;
  for (const auto& n : notes)
    failed_notice |= Str(n, "message").find("auto-renewal failed") != std::string::npos;
  EXPECT_TRUE(failed_notice);
}

TEST_F(Lifecycle, CancelWithinFiveDaysRefundsTheUnusedValue) {
  auto [tenant, key] = s_.NewTenant("acme", "100000.00");
  const std::string id = Buy(key);
  // Day 4 after delivery: 26 of the term's 30 days unused: 16,600 x 26 / 30 = 14,386.67.
  ClockTo("2026-11-30T00:02:00Z");
  const auto c = s_.Call("POST", "/v1/resources/" + id + "/cancel", key);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(Str(c.Json(), "refund"), "14386.67");
  EXPECT_EQ(Str(c.Json(), "state"), "released");
  EXPECT_EQ(Balance(key), "97786.67");
  const auto order = s_.Call("GET", "/v1/orders", key).Json().at("items").as_array()[0];
  EXPECT_EQ(Str(order, "status"), "refunded");
  // The IP is free again.
  const std::string again = Buy(key);
  EXPECT_EQ(std::string(Resource(key, again).at("ips").as_array()[0].as_string()), "198.51.100.7");
  // Day 6: refused, with a clear error.
  ClockTo("2026-12-06T00:02:00Z");
  const auto late = s_.Call("POST", "/v1/resources/" + again + "/cancel", key);
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(Str(late.Json().at("error"), "code"), "cancel_window_passed");
  EXPECT_NE(Str(late.Json().at("error"), "message").find("within 5 days"), std::string::npos);
}

// Fen of a money string ("16598.85" -> 1659885).
int64_t Fen(const std::string& money) {
  const size_t dot = money.find('.');
  const int64_t sign = money[0] == '-' ? -1 : 1;
  const std::string whole = money.substr(money[0] == '-' ? 1 : 0, dot - (money[0] == '-'));
  return sign * (std::stoll(whole) * 100 + std::stoll(money.substr(dot + 1)));
}
std::string Yuan(int64_t fen) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(fen / 100),
                static_cast<long long>(fen % 100));
  return buf;
}
int64_t Seconds(const std::string& from, const std::string& to) {
  return (common::ParseRfc3339(to).value() - common::ParseRfc3339(from).value()).count();
}
// amount x left / term, half-up to the fen (all positive here).
int64_t ProRata(int64_t fen, int64_t left, int64_t term) {
  return (2 * fen * left + term) / (2 * term);
}

// The bug: after a renewal a cancel refunded only the order's share, pro rata over the
// renewed term. product.md §6: everything paid for the prepaid terms less the value used.
TEST_F(Lifecycle, CancelRefundsRenewalsAndUpgradesLessTheValueUsed) {
  auto [tenant, key] = s_.NewTenant("acme", "200000.00");
  const std::string id = Buy(key);  // delivered 00:02:00, 16,600.00 for one month
  const auto renewed = s_.Call("POST", "/v1/resources/" + id + "/renew", key, R"({"months": 3})");
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  const std::string expiry = Str(renewed.Json(), "expires_at");
  EXPECT_EQ(expiry, "2027-03-26T00:02:00Z");
  s_.Advance(60);  // 00:03:00
  const auto upgraded =
      s_.Call("POST", "/v1/resources/" + id + "/upgrade", key, R"({"base_gbps": 30})");
  ASSERT_EQ(upgraded.status, 200) << upgraded.body;
  const auto ledger = s_.Call("GET", "/v1/account/ledger", key).Json().at("items").as_array();
  ASSERT_EQ(ledger.size(), 4u);  // top-up, order, renewal, upgrade
  EXPECT_EQ(Str(ledger[1], "amount"), "-16600.00");
  EXPECT_EQ(Str(ledger[2], "kind"), "renewal");
  EXPECT_EQ(Str(ledger[3], "kind"), "upgrade");
  const int64_t renewal = -Fen(Str(ledger[2], "amount"));
  const int64_t upgrade = -Fen(Str(ledger[3], "amount"));
  ASSERT_GT(renewal, 0);
  ASSERT_GT(upgrade, 0);

  s_.Advance(120);  // 00:05:00, three minutes after delivery
  const std::string now = "2026-11-26T00:05:00Z";
  const int64_t expected =
      ProRata(1'660'000, Seconds(now, "2026-12-26T00:02:00Z"),
              Seconds("2026-11-26T00:02:00Z", "2026-12-26T00:02:00Z")) +
      renewal +  // its period has not begun
      ProRata(upgrade, Seconds(now, expiry), Seconds("2026-11-26T00:03:00Z", expiry));
  EXPECT_EQ(expected,
            1'659'885 + renewal +
                ProRata(upgrade, Seconds(now, expiry), Seconds("2026-11-26T00:03:00Z", expiry)));
  const auto quote = s_.Call("POST", "/v1/resources/" + id + "/cancel/quote", key);
  ASSERT_EQ(quote.status, 200) << quote.body;
  EXPECT_EQ(Str(quote.Json(), "refund"), Yuan(expected));
  const auto c = s_.Call("POST", "/v1/resources/" + id + "/cancel", key);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(Str(c.Json(), "refund"), Yuan(expected));
  EXPECT_EQ(Balance(key), Yuan(20'000'000 - 1'660'000 - renewal - upgrade + expected));
  // Cancelled once: a second try, or a quote, is refused.
  EXPECT_EQ(s_.Call("POST", "/v1/resources/" + id + "/cancel", key).status, 409);
  EXPECT_EQ(s_.Call("POST", "/v1/resources/" + id + "/cancel/quote", key).status, 409);
  EXPECT_TRUE(s_.Call("GET", "/v1/admin/tenants/" + tenant + "/ledger/verify", kAdminKey)
                  .Json()
                  .at("ok")
                  .as_bool());
}

TEST_F(Lifecycle, ElasticChangesAtOnceForwardingModeFromTheNextBillingDay) {
  auto [tenant, key] = s_.NewTenant("acme", "100000.00");
  const std::string id = Buy(key);
  auto p =
      s_.Call("PATCH", "/v1/resources/" + id, key,
              R"({"elastic_gbps": 100, "forwarding_mode": "by_bandwidth", "auto_renew": true})");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.Json().at("elastic_gbps").as_int64(), 100);
  EXPECT_TRUE(p.Json().at("auto_renew").as_bool());
  EXPECT_EQ(Str(p.Json(), "forwarding_mode"), "by_traffic");  // still today's
  EXPECT_EQ(Str(p.Json(), "pending_forwarding_mode"), "by_bandwidth");
  // 2026-11-27 00:00 in UTC+8 is 2026-11-26T16:00:00Z.
  ClockTo("2026-11-26T15:59:59Z");
  EXPECT_EQ(Str(Resource(key, id), "forwarding_mode"), "by_traffic");
  ClockTo("2026-11-26T16:00:00Z");
  EXPECT_EQ(Str(Resource(key, id), "forwarding_mode"), "by_bandwidth");
  EXPECT_EQ(Str(Resource(key, id), "pending_forwarding_mode"), "null");
  // Upgrading to the elastic peak switches elastic off.
  p = s_.Call("PATCH", "/v1/resources/" + id, key, R"({"elastic_gbps": 30})");
  ASSERT_EQ(p.status, 200) << p.body;
  const auto up = s_.Call("POST", "/v1/resources/" + id + "/upgrade", key, R"({"base_gbps": 30})");
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.Json().at("elastic_gbps").as_int64(), 0);
}

TEST_F(Lifecycle, NamesAndTagsLabelAResourceAndAreCheckedAtTheBoundary) {
  auto [tenant, key] = s_.NewTenant("acme", "100000.00");
  const std::string id = Buy(key);
  // 64 characters of Chinese are 192 bytes: characters are counted, not bytes.
  std::string chinese;
  for (int i = 0; i < 64; ++i) chinese += "网";
  auto p = s_.Call("PATCH", "/v1/resources/" + id, key,
                   R"({"name": ")" + chinese + R"(", "tags": ["prod", "游戏"]})");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(Str(p.Json(), "name"), chinese);
  auto r = Resource(key, id);
  EXPECT_EQ(Str(r, "name"), chinese);
  ASSERT_EQ(r.at("tags").as_array().size(), 2u);
  EXPECT_EQ(r.at("tags").as_array()[1].as_string(), "游戏");
  EXPECT_EQ(r.at("elastic_gbps").as_int64(), 50);  // labels change nothing else
  // A change that fails leaves the labels as they were (one transaction).
  p = s_.Call("PATCH", "/v1/resources/" + id, key, R"({"name": "web", "elastic_gbps": 10})");
  EXPECT_EQ(p.status, 400) << p.body;
  EXPECT_EQ(Str(Resource(key, id), "name"), chinese);
  p = s_.Call("PATCH", "/v1/resources/" + id, key, R"({"name": "web", "tags": []})");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(Str(p.Json(), "name"), "web");
  EXPECT_TRUE(p.Json().at("tags").as_array().empty());
  // Another tenant neither sees nor labels it.
  auto [other, other_key] = s_.NewTenant("other", "0.00");
  EXPECT_EQ(s_.Call("PATCH", "/v1/resources/" + id, other_key, R"({"name": "mine"})").status, 404);
  EXPECT_EQ(Str(Resource(key, id), "name"), "web");
  std::string eleven = "[";
  for (int i = 0; i < 11; ++i) eleven += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
  eleven += "]";
  for (const std::string& bad :
       {R"({"name": ")" + std::string(65, 'a') + R"("})", std::string(R"({"name": "a\nb"})"),
        std::string(R"({"tags": [""]})"), std::string(R"({"tags": ["a", "a"]})"),
        std::string(R"({"tags": [1]})"), R"({"tags": [")" + std::string(33, 'x') + R"("]})",
        R"({"tags": )" + eleven + "}"}) {
    const auto b = s_.Call("PATCH", "/v1/resources/" + id, key, bad);
    EXPECT_EQ(b.status, 400) << bad << " -> " << b.body;
    EXPECT_EQ(Str(b.Json().at("error"), "code"), "invalid_option") << bad;
  }
  EXPECT_EQ(Str(Resource(key, id), "name"), "web");
}

TEST_F(Lifecycle, RefusesBadChangesNamingTheField) {
  auto [tenant, key] = s_.NewTenant("acme", "100000.00");
  const std::string id = Buy(key);
  struct Bad {
    std::string method, path, body;
    int status;
    std::string code, field;
  };
  const std::vector<Bad> cases = {
      {"PATCH", "/v1/resources/" + id, R"({"elastic_gbps": 10})", 400, "invalid_option",
       "elastic_gbps"},
      {"PATCH", "/v1/resources/" + id, R"({"elastic_gbps": 401})", 400, "invalid_option",
       "elastic_gbps"},
      {"PATCH", "/v1/resources/" + id, R"({"elastic_gbps": "50"})", 400, "invalid_type",
       "elastic_gbps"},
      {"PATCH", "/v1/resources/" + id, R"({"forwarding_mode": "carrier_pigeon"})", 400,
       "invalid_option", "forwarding_mode"},
      {"PATCH", "/v1/resources/" + id, R"({"auto_renew": 1})", 400, "invalid_type", "auto_renew"},
      {"PATCH", "/v1/resources/" + id, R"({"base_gbps": 30})", 400, "unknown_field", "base_gbps"},
      {"PATCH", "/v1/resources/" + id, R"({})", 400, "invalid_option", ""},
      {"PATCH", "/v1/resources/res_nope", R"({"auto_renew": true})", 404, "not_found", ""},
      {"POST", "/v1/resources/" + id + "/renew", R"({"months": 13})", 400, "invalid_option",
       "months"},
      {"POST", "/v1/resources/" + id + "/renew", R"({})", 400, "missing_field", "months"},
      {"POST", "/v1/resources/" + id + "/upgrade", R"({"base_gbps": 10})", 400, "invalid_option",
       "base_gbps"},
      {"POST", "/v1/resources/" + id + "/upgrade", R"({"base_gbps": 25})", 400, "invalid_option",
       "base_gbps"},
      {"POST", "/v1/resources/" + id + "/upgrade", R"({"base_gbps": 300000})", 400, "out_of_range",
       "base_gbps"},
      {"POST", "/v1/resources/" + id + "/cancel", R"({"why": "x"})", 400, "unknown_field", "why"},
  };
  for (const auto& c : cases) {
    const auto r = s_.Call(c.method, c.path, key, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body << ": " << r.body;
    const auto e = r.Json().at("error");
    EXPECT_EQ(Str(e, "code"), c.code) << c.body;
    if (!c.field.empty()) {
      EXPECT_EQ(Str(e.at("details"), "field"), c.field) << c.body;
    }
  }
  // Nothing changed.
  const auto r = Resource(key, id);
  EXPECT_EQ(r.at("base_gbps").as_int64(), 20);
  EXPECT_EQ(r.at("elastic_gbps").as_int64(), 50);
  EXPECT_EQ(Balance(key), "83400.00");
  // Another tenant cannot touch it.
  auto [b, key_b] = s_.NewTenant("b", "100000.00");
  EXPECT_EQ(s_.Call("PATCH", "/v1/resources/" + id, key_b, R"({"auto_renew": true})").status, 404);
  EXPECT_EQ(s_.Call("POST", "/v1/resources/" + id + "/cancel", key_b).status, 404);
  EXPECT_EQ(s_.Call("POST", "/v1/resources/" + id + "/renew", key_b, R"({"months": 1})").status,
            404);
}

TEST_F(Lifecycle, RenewalNeedsTheBalance) {
  auto [tenant, key] = s_.NewTenant("acme", "17000.00");
  const std::string id = Buy(key);
  const auto r = s_.Call("POST", "/v1/resources/" + id + "/renew", key, R"({"months": 1})");
  EXPECT_EQ(r.status, 402);
  EXPECT_EQ(Str(Resource(key, id), "expires_at"), "2026-12-26T00:02:00Z");
  EXPECT_EQ(Balance(key), "400.00");
}

TEST_F(Lifecycle, LowBalanceIsNoticedWhenTheBalanceCrossesTheThreshold) {
  auto [tenant, key] = s_.NewTenant("acme", "100000.00");
  const auto set = s_.Call("PATCH", "/v1/account", key, R"({"low_balance_threshold": "90000.00"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Str(set.Json(), "low_balance_threshold"), "90000.00");
  EXPECT_EQ(s_.Call("PATCH", "/v1/account", key, R"({"low_balance_threshold": "-1.00"})").status,
            400);
  EXPECT_EQ(s_.Call("PATCH", "/v1/account", key, R"({"low_balance_threshold": 5})").status, 400);
  auto count = [&] {
    const auto kinds = Kinds(key);
    return std::count(kinds.begin(), kinds.end(), "low_balance");
  };
  const std::string id = Buy(key);  // 100,000 -> 83,400: crosses
  EXPECT_EQ(count(), 1);
  ASSERT_EQ(s_.Call("POST", "/v1/resources/" + id + "/renew", key, R"({"months": 1})").status, 200);
  EXPECT_EQ(count(), 1);  // already below: no new notice
  // 66,800 + 30,000 = 96,800, above again; the next renewal takes it to 80,200: a new notice.
  s_.Admin("POST", "/v1/admin/tenants/" + tenant + "/topup", R"({"amount": "30000.00"})");
  ASSERT_EQ(s_.Call("POST", "/v1/resources/" + id + "/renew", key, R"({"months": 1})").status, 200);
  EXPECT_EQ(count(), 2);
  EXPECT_EQ(Balance(key), "80200.00");
}

}  // namespace
}  // namespace rampart::testing
