// Crashes: kill -9 of the server between payment and delivery, and at random points during
// a burst of orders. After a restart every paid order is delivered exactly once, nothing is
// charged twice, and the ledger balances.
#include <gtest/gtest.h>

#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/money.h"
#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

const std::string kOrder =
    R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 10, "months": 1, "quantity": 2})";
constexpr int64_t kOrderFen = 2 * 8600 * 100;

// Every invariant after the dust settles: each paid order delivered once (its resources
// running with one distinct IP each), the ledger's sum equal to the balance and to the
// top-up minus one payment per paid order.
void ExpectConsistent(const Server& s, const std::string& key, int64_t topup_fen) {
  s.Advance(600);
  int64_t paid_orders = 0;
  std::set<std::string> ips;
  const auto orders = s.Call("GET", "/v1/orders?limit=200", key).Json().at("items").as_array();
  for (const auto& o : orders) {
    const std::string status = Str(o, "status");
    ASSERT_TRUE(status == "delivered" || status == "unpaid") << status;
    if (status != "delivered") continue;
    ++paid_orders;
    ASSERT_EQ(o.at("resources").as_array().size(), 2u);
    for (const auto& id : o.at("resources").as_array()) {
      const auto r = s.Call("GET", "/v1/resources/" + std::string(id.as_string()), key).Json();
      EXPECT_EQ(Str(r, "state"), "running");
      ASSERT_EQ(r.at("ips").as_array().size(), 1u);
      EXPECT_TRUE(ips.insert(std::string(r.at("ips").as_array()[0].as_string())).second)
          << "an IP given twice";
    }
  }
  const auto resources =
      s.Call("GET", "/v1/resources?limit=200", key).Json().at("items").as_array();
  EXPECT_EQ(static_cast<int64_t>(resources.size()), paid_orders * 2) << "a resource created twice";
  int64_t sum = 0, payments = 0;
  const auto ledger =
      s.Call("GET", "/v1/account/ledger?limit=200", key).Json().at("items").as_array();
  for (const auto& e : ledger) {
    const auto amount = common::Money::Parse(Str(e, "amount")).value().fen();
    sum += amount;
    if (Str(e, "kind") == "order_payment") ++payments;
  }
  EXPECT_EQ(payments, paid_orders) << "charged twice or not at all";
  EXPECT_EQ(sum, topup_fen - paid_orders * kOrderFen);
  EXPECT_EQ(common::Money::Parse(Str(s.Call("GET", "/v1/account", key).Json(), "balance"))->fen(),
            sum);
  // And the server's own check agrees.
  const std::string tenant(s.Call("GET", "/v1/account", key).Json().at("tenant").as_string());
  EXPECT_TRUE(
      s.Admin("GET", "/v1/admin/tenants/" + tenant + "/ledger/verify").Json().at("ok").as_bool());
}

TEST(Crash, KillBetweenPaymentAndDelivery) {
  Server s;
  ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/24"})")
                .status,
            201);
  auto [tenant, key] = s.NewTenant("acme", "100000.00");
  const std::string id = Str(s.Call("POST", "/v1/orders", key, kOrder).Json(), "id");
  ASSERT_EQ(s.Call("POST", "/v1/orders/" + id + "/pay", key).status, 200);
  s.Crash();
  s.Start({});
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status"), "paid");
  ExpectConsistent(s, key, 100000'00);
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status"), "delivered");
}

TEST(Crash, RandomKillsDuringABurstOfOrders) {
  Server s;
  ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "10.20.0.0/22"})")
                .status,
            201);
  auto [tenant, key] = s.NewTenant("acme", "5000000.00");
  std::mutex m;
  uint16_t port = s.port();
  std::atomic<bool> done{false};
  std::atomic<int> kills{0};
  // The killer: kill -9 at random moments (seeded), restart at once on the same data.
  std::thread killer([&] {
    std::mt19937 rng(20261126);
    while (!done) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 120)(rng)));
      if (done) break;
      std::lock_guard lock(m);
      s.Crash();
      s.Start({});
      port = s.port();
      ++kills;
    }
  });
  // The client: creates and pays orders (at least 30, and on until the server was killed 3
  // times), retrying each request with its idempotency key until it gets an answer, as a
  // real client would.
  auto call = [&](const std::string& method, const std::string& target, const std::string& idem) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      uint16_t p;
      {
        std::lock_guard lock(m);
        p = port;
      }
      const Reply r = Server::HttpCall(p, method, target, key,
                                       method == "POST" && target == "/v1/orders" ? kOrder : "",
                                       {{"Idempotency-Key", idem}});
      if (r.status > 0) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Reply{};
  };
  int orders_made = 0;
  for (int i = 0; i < 200 && (i < 30 || kills < 3); ++i, ++orders_made) {
    const Reply created = call("POST", "/v1/orders", "create-" + std::to_string(i));
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = Str(created.Json(), "id");
    const Reply paid = call("POST", "/v1/orders/" + id + "/pay", "pay-" + std::to_string(i));
    ASSERT_EQ(paid.status, 200) << paid.body;
  }
  done = true;
  killer.join();
  // The server the killer started dies with the killer's thread (PR_SET_PDEATHSIG follows
  // the forking thread): start it again from this one.
  s.Restart();
  EXPECT_GE(kills.load(), 3);
  ExpectConsistent(s, key, 5000000'00);
  const auto orders = s.Call("GET", "/v1/orders?limit=200", key).Json().at("items").as_array();
  EXPECT_EQ(static_cast<int>(orders.size()), orders_made) << "an order created twice";
}

}  // namespace
}  // namespace rampart::testing
