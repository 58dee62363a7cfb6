// The service end to end: the real `rampart serve` over HTTP on loopback, on its simulated
// clock, with a temporary SQLite database (issue: accounts, orders, payment, delivery).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "common/crypto.h"
#include "common/gzip.h"
#include "common/money.h"
#include "common/time.h"
#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

const std::string kHdipOrder =
    R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 30, "months": 6, "quantity": 2})";
const std::string kHdpOrder =
    R"({"product": "hdp", "region": "cn-east", "scope": "multi", "ip_count": 5, "base_gbps": 20, "elastic_gbps": 60, "months": 3})";

TEST(Service, HdipPurchaseFlowEndToEnd) {
  Server s;
  ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/28"})")
                .status,
            201);
  auto [tenant, key] = s.NewTenant("acme", "300000.00");
  const auto quote = s.Call("POST", "/v1/quotes", key, kHdipOrder);
  ASSERT_EQ(quote.status, 200) << quote.body;
  EXPECT_EQ(Str(quote.Json(), "amount"), "261120.00");  // worked example 6

  const auto order = s.Call("POST", "/v1/orders", key, kHdipOrder);
  ASSERT_EQ(order.status, 201) << order.body;
  EXPECT_EQ(Str(order.Json(), "amount"), "261120.00");
  EXPECT_EQ(Str(order.Json(), "status"), "unpaid");
  const std::string id = Str(order.Json(), "id");

  const auto paid = s.Call("POST", "/v1/orders/" + id + "/pay", key);
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(Str(paid.Json(), "status"), "paid");
  const auto resources = paid.Json().at("resources").as_array();
  ASSERT_EQ(resources.size(), 2u);
  const std::string r0(resources[0].as_string());
  EXPECT_EQ(Str(s.Call("GET", "/v1/resources/" + r0, key).Json(), "state"), "provisioning");

  // The ledger shows exactly the quoted amount.
  const auto ledger = s.Call("GET", "/v1/account/ledger", key).Json().at("items").as_array();
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(Str(ledger[1], "kind"), "order_payment");
  EXPECT_EQ(Str(ledger[1], "amount"), "-261120.00");
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "38880.00");

  // Not before a minute; always within five.
  s.Advance(59);
  EXPECT_EQ(Str(s.Call("GET", "/v1/resources/" + r0, key).Json(), "state"), "provisioning");
  s.Advance(300 - 59);
  const auto delivered = s.Call("GET", "/v1/orders/" + id, key).Json();
  EXPECT_EQ(Str(delivered, "status"), "delivered");
  const auto items = s.Call("GET", "/v1/resources", key).Json().at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  std::set<std::string> ips;
  for (const auto& r : items) {
    EXPECT_EQ(Str(r, "state"), "running");
    ASSERT_EQ(r.at("ips").as_array().size(), 1u);
    const std::string ip(r.at("ips").as_array()[0].as_string());
    EXPECT_EQ(ip.rfind("203.0.113.", 0), 0u) << ip;
    ips.insert(ip);
    const auto delivered_at = common::ParseRfc3339(Str(r, "delivered_at")).value();
    const auto paid_at = common::ParseRfc3339("2026-11-26T00:00:00Z").value();
    EXPECT_GE(delivered_at - paid_at, std::chrono::seconds(60));
    EXPECT_LE(delivered_at - paid_at, std::chrono::seconds(300));
    // Six calendar months after delivery.
    EXPECT_EQ(Str(r, "expires_at").substr(0, 10), "2027-05-26");
  }
  EXPECT_EQ(ips.size(), 2u);
}

TEST(Service, HdpPurchaseFlow) {
  Server s;
  auto [tenant, key] = s.NewTenant("globex", "100000.00");
  const auto order = s.Call("POST", "/v1/orders", key, kHdpOrder);
  ASSERT_EQ(order.status, 201) << order.body;
  EXPECT_EQ(Str(order.Json(), "amount"), "69750.00");  // worked example 12
  const auto paid = s.Call("POST", "/v1/orders/" + Str(order.Json(), "id") + "/pay", key);
  ASSERT_EQ(paid.status, 200) << paid.body;
  s.Advance(300);
  const auto r = s.Call("GET", "/v1/resources", key).Json().at("items").as_array();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Str(r[0], "state"), "running");
  EXPECT_EQ(Str(r[0], "scope"), "multi");
  EXPECT_EQ(r[0].at("ip_count").as_int64(), 5);
  EXPECT_TRUE(r[0].at("ips").as_array().empty());  // bound later by the customer
  // A first hdp needs 3 months; a second may be shorter.
  auto shorter = boost::json::parse(kHdpOrder).as_object();
  shorter["months"] = 1;
  EXPECT_EQ(s.Call("POST", "/v1/quotes", key, boost::json::serialize(shorter)).status, 200);
  auto [t2, key2] = s.NewTenant("newbie", "0");
  const auto refused = s.Call("POST", "/v1/quotes", key2, boost::json::serialize(shorter));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("at least 3 months"), std::string::npos);
}

TEST(Service, InsufficientBalanceChangesNothing) {
  Server s;
  ASSERT_EQ(s.AddPool("203.0.113.0/24"), 201);  // capacity to sell
  auto [tenant, key] = s.NewTenant("poor", "1000.00");
  const std::string id = Str(s.Call("POST", "/v1/orders", key, kHdipOrder).Json(), "id");
  const auto paid = s.Call("POST", "/v1/orders/" + id + "/pay", key);
  EXPECT_EQ(paid.status, 402);
  EXPECT_EQ(Str(paid.Json().at("error"), "code"), "insufficient_balance");
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status"), "unpaid");
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "1000.00");
  EXPECT_TRUE(s.Call("GET", "/v1/resources", key).Json().at("items").as_array().empty());
  EXPECT_EQ(s.Call("GET", "/v1/account/ledger", key).Json().at("items").as_array().size(), 1u);
}

TEST(Service, RetriesWithTheSameKeyAreChargedOnce) {
  Server s;
  ASSERT_EQ(s.AddPool("203.0.113.0/24"), 201);  // capacity to sell
  auto [tenant, key] = s.NewTenant("acme", "600000.00");
  const auto a = s.Call("POST", "/v1/orders", key, kHdipOrder, {{"Idempotency-Key", "create-1"}});
  const auto b = s.Call("POST", "/v1/orders", key, kHdipOrder, {{"Idempotency-Key", "create-1"}});
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(b.headers.at("Idempotent-Replayed"), "true");
  EXPECT_EQ(s.Call("GET", "/v1/orders", key).Json().at("items").as_array().size(), 1u);
  // The same key with another body is a conflict.
  auto other = boost::json::parse(kHdipOrder).as_object();
  other["quantity"] = 1;
  EXPECT_EQ(s.Call("POST", "/v1/orders", key, boost::json::serialize(other),
                   {{"Idempotency-Key", "create-1"}})
                .status,
            409);
  const std::string id = Str(a.Json(), "id");
  const auto p1 =
      s.Call("POST", "/v1/orders/" + id + "/pay", key, "", {{"Idempotency-Key", "pay-1"}});
  const auto p2 =
      s.Call("POST", "/v1/orders/" + id + "/pay", key, "", {{"Idempotency-Key", "pay-1"}});
  EXPECT_EQ(p1.status, 200);
  EXPECT_EQ(p2.status, 200);
  EXPECT_EQ(p1.body, p2.body);
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "338880.00");
}

TEST(Service, ConcurrentPaysOfOneOrderChargeOnce) {
  Server s;
  ASSERT_EQ(s.AddPool("203.0.113.0/24"), 201);  // capacity to sell
  auto [tenant, key] = s.NewTenant("acme", "600000.00");
  for (int round = 0; round < 5; ++round) {
    const std::string id = Str(s.Call("POST", "/v1/orders", key, kHdipOrder).Json(), "id");
    std::atomic<int> ok{0}, conflict{0};
    std::vector<std::thread> payers;
    for (int i = 0; i < 4; ++i) {
      payers.emplace_back([&, id] {
        const int status = s.Call("POST", "/v1/orders/" + id + "/pay", key).status;
        (status == 200 ? ok : conflict)++;
        EXPECT_TRUE(status == 200 || status == 409 || status == 402) << status;
      });
    }
    for (auto& t : payers) t.join();
    EXPECT_EQ(ok.load(), round < 2 ? 1 : 0) << "round " << round;  // 600,000 pays two orders
  }
  const auto ledger = s.Call("GET", "/v1/account/ledger", key).Json().at("items").as_array();
  EXPECT_EQ(ledger.size(), 3u);  // the top-up and two payments
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "77760.00");
}

TEST(Service, TenantsSeeOnlyTheirOwn) {
  Server s;
  ASSERT_EQ(s.AddPool("203.0.113.0/24"), 201);  // capacity to sell
  auto [a, key_a] = s.NewTenant("a", "300000.00");
  auto [b, key_b] = s.NewTenant("b", "300000.00");
  const std::string order = Str(s.Call("POST", "/v1/orders", key_a, kHdipOrder).Json(), "id");
  EXPECT_EQ(s.Call("GET", "/v1/orders/" + order, key_b).status, 404);
  EXPECT_EQ(s.Call("POST", "/v1/orders/" + order + "/pay", key_b).status, 404);
  EXPECT_TRUE(s.Call("GET", "/v1/orders", key_b).Json().at("items").as_array().empty());
  ASSERT_EQ(s.Call("POST", "/v1/orders/" + order + "/pay", key_a).status, 200);
  const std::string res(
      s.Call("GET", "/v1/orders/" + order, key_a).Json().at("resources").as_array()[0].as_string());
  EXPECT_EQ(s.Call("GET", "/v1/resources/" + res, key_b).status, 404);
  EXPECT_EQ(s.Call("GET", "/v1/resources/" + res, key_a).status, 200);
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key_b).Json(), "balance"), "300000.00");
}

TEST(Service, AuthenticationAndRoles) {
  Server s;
  auto [tenant, key] = s.NewTenant("acme", "0");
  const auto meter =
      s.Admin("POST", "/v1/admin/tenants/" + tenant + "/keys", R"({"role": "meter"})");
  ASSERT_EQ(meter.status, 201);
  const std::string meter_key = Str(meter.Json(), "key");
  EXPECT_EQ(s.Call("GET", "/v1/orders").status, 401);
  EXPECT_EQ(s.Call("GET", "/v1/orders", "rk_not_a_real_key").status, 401);
  EXPECT_EQ(s.Call("GET", "/v1/orders", "", "", {{"Authorization", "Basic abc"}}).status, 401);
  EXPECT_EQ(s.Call("GET", "/v1/orders", meter_key).status, 403);
  EXPECT_EQ(s.Call("POST", "/v1/quotes", meter_key, kHdipOrder).status, 403);
  EXPECT_EQ(s.Call("POST", "/v1/admin/tenants", key, R"({"name": "x"})").status, 403);
  EXPECT_EQ(s.Call("GET", "/v1/orders", key).status, 200);
  EXPECT_EQ(s.Call("GET", "/healthz").status, 200);  // open
  // A revoked key stops working at once.
  const std::string key_id = Str(meter.Json(), "id");
  EXPECT_EQ(s.Admin("DELETE", "/v1/admin/tenants/" + tenant + "/keys/" + key_id).status, 200);
  EXPECT_EQ(s.Call("GET", "/v1/orders", meter_key).status, 401);
  // Keys are stored hashed: the secret is nowhere the server stores anything (the WAL
  // included, where fresh rows sit), but its SHA-256 is.
  const std::string stored = s.StoredBytes();
  EXPECT_EQ(stored.find(key), std::string::npos);
  EXPECT_EQ(stored.find(key.substr(3)), std::string::npos);
  EXPECT_NE(stored.find(common::Sha256Hex(key)), std::string::npos);
}

// Capacity: an hdip order in a network without free addresses is refused before any money
// moves (409 no_capacity), and the catalogue says so. Two orders paid for the last address
// before either is delivered: the later delivery fails and is refunded in full.
TEST(Service, NoCapacityIsRefusedBeforePaymentAndALostRaceIsRefundedInFull) {
  Server s;
  auto [tenant, key] = s.NewTenant("acme", "300000.00");
  auto network = [&](const std::string& region, const std::string& line) {
    const auto catalog = s.Call("GET", "/v1/catalog", key).Json();
    for (const auto& n : catalog.at("products").at("hdip").at("networks").as_array()) {
      if (Str(n, "region") == region && Str(n, "line") == line) return n.at("available").as_bool();
    }
    ADD_FAILURE() << "no network " << region << "/" << line;
    return true;
  };
  EXPECT_FALSE(network("cn-south", "bgp"));  // no pool yet
  const auto none = s.Call("POST", "/v1/orders", key, kHdipOrder);
  EXPECT_EQ(none.status, 409) << none.body;
  EXPECT_EQ(Str(none.Json().at("error"), "code"), "no_capacity");
  ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "198.51.100.7/32"})")
                .status,
            201);
  EXPECT_TRUE(network("cn-south", "bgp"));
  // Two hdips, one address: still refused, nothing charged.
  EXPECT_EQ(s.Call("POST", "/v1/orders", key, kHdipOrder).status, 409);
  EXPECT_TRUE(s.Call("GET", "/v1/orders", key).Json().at("items").as_array().empty());
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "300000.00");

  // One each, both paid before either is delivered: one gets the address, the other fails
  // and is refunded in full.
  auto one = boost::json::parse(kHdipOrder).as_object();
  one["quantity"] = 1;
  // (And one placed now but paid only once the address is gone: refused at payment.)
  const auto late = s.Call("POST", "/v1/orders", key, boost::json::serialize(one));
  ASSERT_EQ(late.status, 201) << late.body;
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    const auto o = s.Call("POST", "/v1/orders", key, boost::json::serialize(one));
    ASSERT_EQ(o.status, 201) << o.body;
    ids.push_back(Str(o.Json(), "id"));
    ASSERT_EQ(s.Call("POST", "/v1/orders/" + ids.back() + "/pay", key).status, 200);
  }
  s.Advance(300);
  std::map<std::string, int> statuses;
  for (const auto& id : ids)
    ++statuses[Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status")];
  EXPECT_EQ(statuses["delivered"], 1);
  EXPECT_EQ(statuses["failed"], 1);
  int running = 0;
  const auto resources = s.Call("GET", "/v1/resources", key).Json();
  for (const auto& r : resources.at("items").as_array()) {
    if (Str(r, "state") == "running") {
      ++running;
      EXPECT_EQ(std::string(r.at("ips").as_array()[0].as_string()), "198.51.100.7");
    } else {
      EXPECT_EQ(Str(r, "state"), "failed");
      EXPECT_TRUE(r.at("ips").as_array().empty());
    }
  }
  EXPECT_EQ(running, 1);
  // Paid twice (130,560.00 each: half of the two-hdip order), refunded once.
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "169440.00");
  const auto ledger = s.Call("GET", "/v1/account/ledger", key).Json().at("items").as_array();
  ASSERT_EQ(ledger.size(), 4u);
  EXPECT_EQ(Str(ledger[3], "kind"), "refund");
  EXPECT_EQ(Str(ledger[3], "amount"), "130560.00");
  // The address is taken: the network shows no capacity, a new order is refused, and so is
  // paying the order placed earlier, with nothing charged.
  EXPECT_FALSE(network("cn-south", "bgp"));
  EXPECT_EQ(s.Call("POST", "/v1/orders", key, boost::json::serialize(one)).status, 409);
  const auto pay = s.Call("POST", "/v1/orders/" + Str(late.Json(), "id") + "/pay", key);
  EXPECT_EQ(pay.status, 409) << pay.body;
  EXPECT_EQ(Str(pay.Json().at("error"), "code"), "no_capacity");
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + Str(late.Json(), "id"), key).Json(), "status"),
            "unpaid");
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "169440.00");
  EXPECT_EQ(s.Call("GET", "/v1/account/ledger", key).Json().at("items").as_array().size(), 4u);
}

TEST(Service, UnpaidOrdersLapseAfter24Hours) {
  Server s;
  ASSERT_EQ(s.AddPool("203.0.113.0/24"), 201);  // capacity to sell
  auto [tenant, key] = s.NewTenant("acme", "300000.00");
  const std::string id = Str(s.Call("POST", "/v1/orders", key, kHdipOrder).Json(), "id");
  s.Advance(24 * 3600 - 1);
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status"), "unpaid");
  s.Advance(1);
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status"), "lapsed");
  EXPECT_EQ(s.Call("POST", "/v1/orders/" + id + "/pay", key).status, 409);
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "300000.00");
}

TEST(Service, ListsArePaginated) {
  Server s;
  ASSERT_EQ(s.AddPool("203.0.113.0/24"), 201);  // capacity to sell
  auto [tenant, key] = s.NewTenant("acme", "0");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(s.Call("POST", "/v1/orders", key, kHdipOrder).status, 201);
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  while (true) {
    const auto page =
        s.Call("GET", "/v1/orders?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor), key)
            .Json();
    for (const auto& o : page.at("items").as_array()) seen.insert(Str(o, "id"));
    ++pages;
    if (page.at("next_cursor").is_null()) break;
    cursor = Str(page, "next_cursor");
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(s.Call("GET", "/v1/orders?limit=0", key).status, 400);
  EXPECT_EQ(s.Call("GET", "/v1/orders?limit=201", key).status, 400);
  EXPECT_EQ(s.Call("GET", "/v1/orders?cursor=abc", key).status, 400);
}

TEST(Service, SimulatedClockSurvivesARestartAndNeverGoesBack) {
  Server s;
  EXPECT_EQ(Str(s.Admin("POST", "/v1/admin/clock", R"({"advance_s": 3600})").Json(), "now"),
            "2026-11-26T01:00:00Z");
  s.Restart();
  EXPECT_EQ(Str(s.Admin("POST", "/v1/admin/clock", R"({"advance_s": 0})").Json(), "now"),
            "2026-11-26T01:00:00Z");
  EXPECT_EQ(s.Admin("POST", "/v1/admin/clock", R"({"now": "2026-11-26T00:30:00Z"})").status, 400);
  EXPECT_EQ(
      Str(s.Admin("POST", "/v1/admin/clock", R"({"now": "2026-11-27T00:00:00Z"})").Json(), "now"),
      "2026-11-27T00:00:00Z");
}

TEST(Service, StopsGracefullyOnSigterm) {
  Server s;
  EXPECT_EQ(s.Stop(SIGTERM), 0);
}

// SIGTERM while a request is inside its transaction (held open 600 ms by the fault delay):
// the request finishes and is answered, what it did is committed, then the server exits 0.
TEST(Service, SigtermLetsTheRequestInFlightFinish) {
  setenv("RAMPART_FAULT_COMMIT_DELAY_MS", "600", 1);
  Server s;
  unsetenv("RAMPART_FAULT_COMMIT_DELAY_MS");
  auto [tenant, key] = s.NewTenant("acme", "0");
  Reply answer;
  std::thread topup([&, port = s.port(), tenant = tenant] {
    answer = Server::HttpCall(port, "POST", "/v1/admin/tenants/" + tenant + "/topup", kAdminKey,
                              R"({"amount": "12.34"})");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // inside the hold
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_EQ(s.Stop(SIGTERM), 0);
  topup.join();
  EXPECT_GE(std::chrono::steady_clock::now() - stopping, std::chrono::milliseconds(200))
      << "the server did not wait for the request";
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(Str(answer.Json(), "balance"), "12.34");
  s.Start({});
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "12.34");
}

TEST(Service, MetricsCountRequestsAndQueue) {
  Server s;
  ASSERT_EQ(s.AddPool("203.0.113.0/24"), 201);  // capacity to sell
  auto [tenant, key] = s.NewTenant("acme", "300000.00");
  const std::string id = Str(s.Call("POST", "/v1/orders", key, kHdipOrder).Json(), "id");
  s.Call("POST", "/v1/orders/" + id + "/pay", key);
  const std::string m = s.Call("GET", "/metrics").body;
  // Whole lines: "depth 3" must not pass for "depth 30".
  auto has_line = [&](const std::string& line) {
    return ("\n" + m).find("\n" + line + "\n") != std::string::npos;
  };
  EXPECT_TRUE(has_line(
      R"(rampart_http_requests_total{route="/v1/orders/{id}/pay",method="POST",status="200"} 1)"))
      << m;
  // Two deliveries and the day close are due.
  EXPECT_TRUE(has_line("rampart_job_queue_depth 3")) << m;
  EXPECT_TRUE(has_line(R"(rampart_orders_total{event="paid"} 1)")) << m;
  EXPECT_NE(m.find("\nrampart_http_request_duration_seconds_count"), std::string::npos);
  // The exposition is valid for Prometheus: every metric has HELP and TYPE, names and
  // labels well formed (it had two gauges without HELP).
  EXPECT_EQ(PromtoolProblems(m), "");
}

TEST(Service, CatalogListsWhatIsOnSale) {
  Server s;
  auto [tenant, key] = s.NewTenant("acme", "0");
  const auto c = s.Call("GET", "/v1/catalog", key);
  ASSERT_EQ(c.status, 200);
  const auto cat = c.Json();
  EXPECT_EQ(Str(cat, "billing_time_zone"), "Asia/Shanghai");
  const auto networks = cat.at("products").at("hdip").at("networks").as_array();
  ASSERT_EQ(networks.size(), 7u);
  EXPECT_EQ(Str(networks[0], "region"), "cn-south");
  EXPECT_EQ(Str(networks[0].at("base").as_array()[0], "monthly"), "8600.00");
  EXPECT_EQ(Str(networks[0].at("forwarding"), "per_gb"), "0.80");
  EXPECT_EQ(networks[0].at("max_elastic_gbps").as_int64(), 400);
  const auto hdp = cat.at("products").at("hdp");
  EXPECT_EQ(hdp.at("regions").as_array().size(), 5u);
  EXPECT_EQ(Str(hdp.at("ip_count_factors").as_array()[1], "factor"), "3.875");
  EXPECT_EQ(cat.at("months").as_array().size(), 14u);
  EXPECT_EQ(s.Call("GET", "/v1/catalog", kAdminKey).status, 200);
}

TEST(Service, RealClockDeliversByItself) {
  // Without --simulated-clock a worker runs due jobs every second; a zero delay makes the
  // delivery due at payment. Polled, bounded: the production clock path, end to end.
  Server s({}, "", /*simulated=*/false);
  ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/28"})")
                .status,
            201);
  auto [tenant, key] = s.NewTenant("acme", "300000.00");
  const std::string id = Str(s.Call("POST", "/v1/orders", key, kHdipOrder).Json(), "id");
  ASSERT_EQ(s.Call("POST", "/v1/orders/" + id + "/pay", key).status, 200);
  std::string status;
  for (int i = 0; i < 100 && status != "delivered"; ++i) {
    status = Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status");
    if (status != "delivered") std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, "delivered");
  EXPECT_EQ(s.Admin("POST", "/v1/admin/clock", R"({"advance_s": 1})").status,
            409);  // not simulated
}

TEST(Service, ReadsOptionsFromAConfigFile) {
  const std::string path = std::filesystem::temp_directory_path() /
                           ("rampart_cfg_" + std::to_string(getpid()) + ".toml");
  // The harness types --listen and --data: those typed win over the file's (which would
  // not bind); before, an option in both was refused as given twice and nothing started.
  std::ofstream(path) << "# serve options\ndelivery-delay = \"120-120\"\n"
                      << "listen = \"192.0.2.1:9\"\ndata = \"/nonexistent/rampart\"\n";
  Server s({"--config", path});
  ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/28"})")
                .status,
            201);
  auto [tenant, key] = s.NewTenant("acme", "300000.00");
  const std::string id = Str(s.Call("POST", "/v1/orders", key, kHdipOrder).Json(), "id");
  ASSERT_EQ(s.Call("POST", "/v1/orders/" + id + "/pay", key).status, 200);
  s.Advance(119);
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status"), "paid");
  s.Advance(1);
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status"), "delivered");
  std::filesystem::remove(path);
}

TEST(Service, ServesTheConsoleFromMemoryWithItsSecurityHeaders) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rampart-console-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir / "assets");
  std::ofstream(dir / "index.html") << "<!doctype html><title>console</title>";
  std::string script;
  for (int i = 0; i < 500; ++i) script += "console.log(" + std::to_string(i) + ");\n";
  std::ofstream(dir / "assets/index-abc.js") << script;
  Server s({"--console-dir", dir.string()});
  std::filesystem::remove_all(dir);  // read at start: served from memory from now on

  const auto page = s.Call("GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<!doctype html><title>console</title>");
  EXPECT_EQ(page.headers.at("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.headers.at("Cache-Control"), "no-cache");
  EXPECT_NE(page.headers.at("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  EXPECT_EQ(page.headers.at("X-Frame-Options"), "DENY");
  const auto js = s.Call("GET", "/assets/index-abc.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.headers.at("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js.headers.at("Cache-Control").find("immutable"), std::string::npos);
  EXPECT_EQ(js.body, script);
  EXPECT_EQ(js.headers.count("Content-Encoding"), 0u);
  // Compressed once at start for clients that accept gzip.
  const auto gz = s.Call("GET", "/assets/index-abc.js", "", "", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.headers.at("Content-Encoding"), "gzip");
  EXPECT_LT(gz.body.size(), script.size() / 3);
  EXPECT_EQ(common::Gunzip(gz.body, 1 << 20).value(), script);
  // Any other page path is the console's own route; an unknown asset and anything outside
  // the directory are not found; the API stays the API.
  EXPECT_EQ(s.Call("GET", "/resources/res_1").body, page.body);
  EXPECT_EQ(s.Call("GET", "/assets/missing.js").status, 404);
  EXPECT_EQ(s.Call("GET", "/assets/../../etc/passwd").status, 404);
  EXPECT_EQ(s.Call("GET", "/v1/account").status, 401);
  EXPECT_EQ(s.Call("GET", "/healthz").status, 200);
  EXPECT_EQ(s.Call("POST", "/").status, 404);

  // A console directory that was never built is refused at start, naming the fix.
  const auto data = dir.string() + "-data";
  FILE* p = popen((std::string(RAMPART_BINARY) + " serve --listen 127.0.0.1:0 --data " + data +
                   " --console-dir " + dir.string() + " 2>&1")
                      .c_str(),
                  "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_NE(pclose(p), 0);
  EXPECT_NE(out.find("npm ci && npm run build"), std::string::npos) << out;
  std::filesystem::remove_all(data);
}

// A tenant "acme" (100,000.00) whose 10 Gbps hdip, from a 4-address pool, was paid at the
// clock's start (order_paid) and delivered 300 s later (delivered). Returns {tenant, key}.
std::pair<std::string, std::string> TenantWithDeliveredHdip(Server& s) {
  EXPECT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/30"})")
                .status,
            201);
  auto [tenant, key] = s.NewTenant("acme", "100000.00");
  const auto order = s.Call("POST", "/v1/orders", key,
                            R"({"product": "hdip", "region": "cn-south", "line": "bgp",
                                "base_gbps": 10, "months": 1})");
  EXPECT_EQ(s.Call("POST", "/v1/orders/" + Str(order.Json(), "id") + "/pay", key).status, 200);
  s.Advance(300);
  return {tenant, key};
}

TEST(Service, OperatorListsPoolsAndKeysButNeverSecrets) {
  Server s;
  auto [tenant, key] = TenantWithDeliveredHdip(s);

  const auto pools = s.Admin("GET", "/v1/admin/ip-pools").Json().at("items").as_array();
  ASSERT_EQ(pools.size(), 1u);
  EXPECT_EQ(Str(pools[0], "cidr"), "203.0.113.0/30");
  EXPECT_EQ(pools[0].at("size").as_int64(), 4);
  EXPECT_EQ(pools[0].at("in_use").as_int64(), 1);

  const auto keys = s.Admin("GET", "/v1/admin/tenants/" + tenant + "/keys");
  ASSERT_EQ(keys.status, 200) << keys.body;
  EXPECT_EQ(keys.body.find(key), std::string::npos);  // the secret is never shown again
  const auto items = keys.Json().at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(Str(items[0], "role"), "tenant");
  EXPECT_TRUE(items[0].at("revoked_at").is_null());
  EXPECT_EQ(s.Admin("GET", "/v1/admin/tenants/ten_nope/keys").status, 404);
  // Tenants may not list the operator's objects.
  EXPECT_EQ(s.Call("GET", "/v1/admin/ip-pools", key).status, 403);
  EXPECT_EQ(s.Call("GET", "/v1/admin/tenants/" + tenant + "/keys", key).status, 403);

  // The account names the service's clock and billing day (UTC+8).
  const auto account = s.Call("GET", "/v1/account", key).Json();
  EXPECT_EQ(Str(account, "now"), "2026-11-26T00:05:00Z");
  EXPECT_EQ(Str(account, "billing_day"), "2026-11-26");
}

TEST(Service, OperatorDisablesAndDeletesPoolsAndWatchesTheirFreeAddresses) {
  Server s;
  auto [tenant, key] = TenantWithDeliveredHdip(s);  // 203.0.113.0/30: 1 of 4 in use
  auto pools = s.Admin("GET", "/v1/admin/ip-pools").Json();
  const std::string used = Str(pools.at("items").as_array()[0], "id");
  EXPECT_EQ(pools.at("items").as_array()[0].at("free").as_int64(), 3);
  EXPECT_NE(s.Call("GET", "/metrics")
                .body.find("rampart_ip_pool_free_addresses{region=\"cn-south\",line=\"bgp\"} 3"),
            std::string::npos);
  // Disabled: no new address from it, so the network has no capacity; the one in use stays.
  auto off = s.Admin("PATCH", "/v1/admin/ip-pools/" + used, R"({"enabled": false})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_FALSE(off.Json().at("enabled").as_bool());
  const std::string order =
      R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 10, "months": 1})";
  const auto refused = s.Call("POST", "/v1/orders", key, order);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(Str(refused.Json().at("error"), "code"), "no_capacity");
  EXPECT_NE(s.Call("GET", "/metrics")
                .body.find("rampart_ip_pool_free_addresses{region=\"cn-south\",line=\"bgp\"} 0"),
            std::string::npos);
  const auto resources = s.Call("GET", "/v1/resources", key).Json();
  EXPECT_EQ(Str(resources.at("items").as_array()[0], "state"), "running");
  // A pool with an address in use is not deleted; an unused one is, and orders go elsewhere.
  const auto busy = s.Admin("DELETE", "/v1/admin/ip-pools/" + used);
  EXPECT_EQ(busy.status, 409) << busy.body;
  EXPECT_EQ(Str(busy.Json().at("error"), "code"), "invalid_state");
  auto spare = s.Admin("POST", "/v1/admin/ip-pools",
                       R"({"region": "cn-south", "line": "bgp", "cidr": "198.51.100.0/30"})");
  ASSERT_EQ(spare.status, 201);
  const auto placed = s.Call("POST", "/v1/orders", key, order);
  ASSERT_EQ(placed.status, 201) << placed.body;
  ASSERT_EQ(s.Call("POST", "/v1/orders/" + Str(placed.Json(), "id") + "/pay", key).status, 200);
  s.Advance(300);
  bool from_spare = false;
  const auto after = s.Call("GET", "/v1/resources", key).Json();
  for (const auto& r : after.at("items").as_array()) {
    const std::string ip(r.at("ips").as_array()[0].as_string());
    from_spare = from_spare || ip.starts_with("198.51.100.");
  }
  EXPECT_TRUE(from_spare);
  auto empty = s.Admin("POST", "/v1/admin/ip-pools",
                       R"({"region": "cn-east", "line": "bgp", "cidr": "192.0.2.0/30"})");
  ASSERT_EQ(empty.status, 201);
  EXPECT_EQ(s.Admin("DELETE", "/v1/admin/ip-pools/" + Str(empty.Json(), "id")).status, 200);
  EXPECT_EQ(s.Admin("DELETE", "/v1/admin/ip-pools/" + Str(empty.Json(), "id")).status, 404);
  EXPECT_EQ(s.Admin("PATCH", "/v1/admin/ip-pools/pool_nope", R"({"enabled": true})").status, 404);
  EXPECT_EQ(s.Admin("PATCH", "/v1/admin/ip-pools/" + used, R"({"enabled": 1})").status, 400);
  EXPECT_EQ(s.Call("PATCH", "/v1/admin/ip-pools/" + used, key, R"({"enabled": true})").status, 403);
}

TEST(Service, OperatorSeesATenantAsItSeesItselfAndRevenueByDay) {
  Server s;
  auto [tenant, key] = TenantWithDeliveredHdip(s);  // 100,000 topped up, 8,600 paid
  for (const char* view : {"resources", "orders", "account/ledger", "bills?from=2026-11-01"}) {
    const std::string own = s.Call("GET", std::string("/v1/") + view, key).body;
    const std::string path = std::string(view) == "account/ledger" ? "ledger" : view;
    const auto seen = s.Admin("GET", "/v1/admin/tenants/" + tenant + "/" + path);
    ASSERT_EQ(seen.status, 200) << view << ": " << seen.body;
    EXPECT_EQ(seen.body, own) << view;
  }
  EXPECT_EQ(Str(s.Admin("GET", "/v1/admin/tenants/" + tenant + "/account").Json(), "balance"),
            "91400.00");
  EXPECT_EQ(s.Admin("GET", "/v1/admin/tenants/ten_nope/resources").status, 404);
  EXPECT_EQ(s.Call("GET", "/v1/admin/tenants/" + tenant + "/resources", key).status, 403);
  // Revenue: the 26th has the top-up and the payment; a refund on a later day counts against it.
  const auto list = s.Call("GET", "/v1/resources", key).Json();
  const auto cancel =
      s.Call("POST", "/v1/resources/" + Str(list.at("items").as_array()[0], "id") + "/cancel", key);
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  const auto revenue = s.Admin("GET", "/v1/admin/revenue?from=2026-11-25&to=2026-11-27");
  ASSERT_EQ(revenue.status, 200) << revenue.body;
  const auto r = revenue.Json();
  const auto days = r.at("items").as_array();
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(Str(days[0], "day"), "2026-11-25");
  EXPECT_EQ(Str(days[0], "revenue"), "0.00");
  EXPECT_EQ(Str(days[1], "topups"), "100000.00");
  // The cancel (the same day) refunds what its rules give back; the day keeps the rest.
  const int64_t refund = common::Money::Parse(Str(cancel.Json(), "refund"))->fen();
  EXPECT_GT(refund, 0);
  EXPECT_EQ(Str(days[1], "prepaid"), common::Money::FromFen(860000 - refund).ToString());
  EXPECT_EQ(Str(days[1], "revenue"), common::Money::FromFen(860000 - refund).ToString());
  EXPECT_EQ(Str(r, "topups"), "100000.00");
  EXPECT_EQ(Str(r, "postpaid"), "0.00");
  EXPECT_EQ(s.Admin("GET", "/v1/admin/revenue?from=2026-11-27&to=2026-11-25").status, 400);
  EXPECT_EQ(s.Admin("GET", "/v1/admin/revenue?from=2025-01-01&to=2026-11-25").status, 400);
  EXPECT_EQ(s.Admin("GET", "/v1/admin/revenue?from=yesterday").status, 400);
  EXPECT_EQ(s.Call("GET", "/v1/admin/revenue", key).status, 403);
}

TEST(Service, NotificationsReadNewestFirstOnRequest) {
  Server s;
  auto [tenant, key] = TenantWithDeliveredHdip(s);  // order_paid, then delivered
  const auto first = s.Call("GET", "/v1/notifications?order=newest&limit=1", key).Json();
  ASSERT_EQ(first.at("items").as_array().size(), 1u);
  EXPECT_EQ(Str(first.at("items").as_array()[0], "kind"), "delivered");
  const std::string cursor = Str(first, "next_cursor");
  const auto second =
      s.Call("GET", "/v1/notifications?order=newest&limit=1&cursor=" + cursor, key).Json();
  ASSERT_EQ(second.at("items").as_array().size(), 1u);
  EXPECT_EQ(Str(second.at("items").as_array()[0], "kind"), "order_paid");
  const auto oldest = s.Call("GET", "/v1/notifications", key).Json().at("items").as_array();
  ASSERT_EQ(oldest.size(), 2u);
  EXPECT_EQ(Str(oldest[0], "kind"), "order_paid");
  const auto bad = s.Call("GET", "/v1/notifications?order=sideways", key);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Str(bad.Json().at("error"), "code"), "invalid_option");
}

// The ledger and orders read newest first on request (the console's reading), page by page
// with the cursor, exactly the reverse of the default; a list with one order refuses ?order=.
TEST(Service, LedgerAndOrdersReadNewestFirstOnRequest) {
  Server s;
  auto [tenant, key] = TenantWithDeliveredHdip(s);  // a top-up, then an order paid
  for (int i = 0; i < 2; ++i) {                     // two more orders, unpaid
    const auto order = s.Call("POST", "/v1/orders", key, kHdipOrder);
    ASSERT_EQ(order.status, 201) << order.body;
  }
  for (const std::string path : {"/v1/account/ledger", "/v1/orders"}) {
    std::vector<std::string> oldest, newest;
    const auto all = s.Call("GET", path, key).Json();
    for (const auto& i : all.at("items").as_array()) {
      oldest.push_back(boost::json::serialize(i));
    }
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
      const auto r = s.Call(
          "GET", path + "?order=newest&limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor), key);
      ASSERT_EQ(r.status, 200) << r.body;
      const auto doc = r.Json();
      for (const auto& i : doc.at("items").as_array()) {
        newest.push_back(boost::json::serialize(i));
      }
      if (doc.at("next_cursor").is_null()) break;
      cursor = Str(doc, "next_cursor");
    }
    ASSERT_GE(oldest.size(), 2u) << path;
    std::reverse(newest.begin(), newest.end());
    EXPECT_EQ(newest, oldest) << path;
    EXPECT_EQ(s.Call("GET", path + "?order=sideways", key).status, 400) << path;
  }
  const auto one_order = s.Call("GET", "/v1/webhooks?order=newest", key);
  EXPECT_EQ(one_order.status, 400);
  EXPECT_EQ(Str(one_order.Json().at("error").at("details"), "field"), "order");
}

// Stored bills of either version (the bill document, or the API's JSON that earlier releases
// stored) are served and summed exactly; one that does not decode, or whose lines do not add
// up to its stored total, is the service's fault (500 with an error id, logged), never an
// exception or the client's.
TEST(Service, StoredBillsOfEitherVersionAddUpAndABrokenOneIsA500) {
  Server s;
  auto [tenant, key] = TenantWithDeliveredHdip(s);
  auto bill = [&](const std::string& day, int64_t fen, const std::string& body) {
    s.Sql("INSERT INTO bills (tenant_id, day, total_fen, body, closed_at) VALUES ('" + tenant +
          "', '" + day + "', " + std::to_string(fen) + ", '" + body + "', 0)");
  };
  // An adjustment line of `amount` as each version writes it.
  auto legacy = [&](const std::string& day, const std::string& amount) {
    return R"({"day":")" + day + R"(","tenant":")" + tenant + R"(","currency":"CNY","total":")" +
           amount +
           R"(","status":"closed","lines":[{"resource":"r1","kind":"adjustment","amount":")" +
           amount + R"(","measure":{"corrects_day":"2026-09-30","previous":"0.00","corrected":")" +
           amount + R"("}}]})";
  };
  auto v1 = [&](const std::string& day, int64_t fen) {
    const std::string f = std::to_string(fen);
    return R"({"version":1,"day":")" + day + R"(","tenant":")" + tenant +
           R"(","status":"closed","total":)" + f +
           R"(,"lines":[{"resource":"r1","kind":"adjustment","amount":)" + f +
           R"(,"measure":{"corrects_day":"2026-09-30","previous":0,"corrected":)" + f + "}}]}";
  };
  bill("2026-10-01", 123456, legacy("2026-10-01", "1234.56"));
  bill("2026-10-02", 1, v1("2026-10-02", 1));
  const auto month = s.Call("GET", "/v1/bills?from=2026-10-01&to=2026-10-31", key);
  ASSERT_EQ(month.status, 200) << month.body;
  const auto listed = month.Json();
  EXPECT_EQ(Str(listed, "total"), "1234.57");
  const auto& items = listed.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  for (const auto& [item, amount] : {std::pair{items[0], "1234.56"}, {items[1], "0.01"}}) {
    EXPECT_EQ(Str(item, "total"), amount);
    const auto& line = item.at("lines").as_array().at(0);
    EXPECT_EQ(Str(line, "amount"), amount);
    EXPECT_EQ(Str(line.at("measure"), "corrected"), amount);
    EXPECT_EQ(Str(line.at("measure"), "corrects_day"), "2026-09-30");
  }

  bill("2026-10-03", 5, "{not json");
  bill("2026-10-04", 2, v1("2026-10-04", 1));  // the lines are not the stored total
  bill("2026-10-05", 1, R"({"version":9})");
  for (const std::string day : {"2026-10-03", "2026-10-04", "2026-10-05"}) {
    for (const std::string& target :
         {"/v1/bills?from=" + day + "&to=2026-10-31", "/v1/bills/" + day}) {
      const auto r = s.Call("GET", target, key);
      EXPECT_EQ(r.status, 500) << target << " " << r.body;
      EXPECT_EQ(r.body.find("document"), std::string::npos) << "the detail stays in the log";
      EXPECT_NE(r.body.find("err_"), std::string::npos) << r.body;
    }
  }
  EXPECT_EQ(s.Call("GET", "/v1/bills/2026-10-02", key).status, 200);
}

// A handler that throws on a broken invariant (here a stored rule that is not JSON) answers
// that request 500 with an error id; before, the exception ended the server for everyone.
TEST(Service, AnExceptionInAHandlerIsA500AndTheServerGoesOn) {
  Server s;
  auto [tenant, key] = TenantWithDeliveredHdip(s);
  const auto list = s.Call("GET", "/v1/resources", key).Json();
  const std::string resource = Str(list.at("items").as_array().at(0), "id");
  s.Sql(
      "INSERT INTO forwarding_rules (id, resource_id, protocol, frontend_port, body) "
      "VALUES ('rule_broken', '" +
      resource + "', 'tcp', 81, '{broken')");
  const auto r = s.Call("GET", "/v1/resources/" + resource + "/rules", key);
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.body.find("err_"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("exception"), std::string::npos) << "the detail stays in the log";
  EXPECT_EQ(s.Call("GET", "/healthz").status, 200);
  EXPECT_EQ(s.Call("GET", "/v1/account", key).status, 200);
}

}  // namespace
}  // namespace rampart::testing
