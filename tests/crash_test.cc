// Crashes: kill -9 of the server between payment and delivery, inside a payment's open
// transaction, and at random points during a burst of orders while the clock moves (so
// deliveries run when kills land). After a restart every payment the server confirmed is
// paid exactly once and delivered exactly once, nothing unconfirmed is half done, and the
// ledger balances. RAMPART_FAULT_COMMIT_DELAY_MS (store/fault.h) holds each transaction open
// before it commits, so that kills land inside transactions.
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
// running with one distinct IP each) and every order in `confirmed` (its pay answered 200)
// among them, the ledger's sum equal to the balance and to the top-up minus one payment per
// paid order.
void ExpectConsistent(const Server& s, const std::string& key, int64_t topup_fen,
                      const std::set<std::string>& confirmed = {}) {
  s.Advance(600);
  int64_t paid_orders = 0;
  std::set<std::string> ips;
  const auto orders = s.Call("GET", "/v1/orders?limit=200", key).Json().at("items").as_array();
  for (const auto& o : orders) {
    const std::string status = Str(o, "status");
    ASSERT_TRUE(status == "delivered" || status == "unpaid") << status;
    if (confirmed.count(Str(o, "id"))) {
      EXPECT_EQ(status, "delivered") << "a confirmed payment was lost: " << Str(o, "id");
    }
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
  ASSERT_EQ(s.AddPool("203.0.113.0/24"), 201);
  auto [tenant, key] = s.NewTenant("acme", "100000.00");
  const std::string id = Str(s.Call("POST", "/v1/orders", key, kOrder).Json(), "id");
  ASSERT_EQ(s.Call("POST", "/v1/orders/" + id + "/pay", key).status, 200);
  s.Crash();
  s.Start({});
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status"), "paid");
  ExpectConsistent(s, key, 100000'00);
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status"), "delivered");
}

// A kill while the payment's transaction is open (held before COMMIT by the fault delay):
// the client never hears back, and after the restart the order is either wholly paid
// (debit, resources, delivery jobs) or wholly unpaid; paying again then succeeds once.
TEST(Crash, KillInsideThePaymentTransaction) {
  setenv("RAMPART_FAULT_COMMIT_DELAY_MS", "400", 1);
  Server s;
  unsetenv("RAMPART_FAULT_COMMIT_DELAY_MS");
  ASSERT_EQ(s.AddPool("203.0.113.0/24"), 201);
  auto [tenant, key] = s.NewTenant("acme", "100000.00");
  const std::string id = Str(s.Call("POST", "/v1/orders", key, kOrder).Json(), "id");
  Reply cut;
  std::thread pay([&, port = s.port(), key = key] {
    cut = Server::HttpCall(port, "POST", "/v1/orders/" + id + "/pay", key);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // inside the 400 ms hold
  s.Crash();
  pay.join();
  EXPECT_EQ(cut.status, -1) << "the kill landed after the answer: " << cut.body;
  s.Start({});  // no fault delay from here on
  EXPECT_EQ(Str(s.Call("GET", "/v1/orders/" + id, key).Json(), "status"), "unpaid");
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "100000.00");
  ASSERT_EQ(s.Call("POST", "/v1/orders/" + id + "/pay", key).status, 200);
  ExpectConsistent(s, key, 100000'00, {id});
}

TEST(Crash, RandomKillsDuringABurstOfOrders) {
  setenv("RAMPART_FAULT_COMMIT_DELAY_MS", "15", 1);  // every server the killer starts too
  Server s;
  ASSERT_EQ(s.AddPool("10.20.0.0/22"), 201);
  auto [tenant, key] = s.NewTenant("acme", "5000000.00");
  std::mutex m;
  uint16_t port = s.port();
  std::atomic<bool> done{false};
  std::atomic<int> kills{0};
  // The killer: kill -9 at random moments (seeded; the server is up 100-400 ms between kills,
  // long enough for requests to get through), restart at once on the same data.
  std::thread killer([&] {
    std::mt19937 rng(20261126);
    while (!done) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 400)(rng)));
      if (done) break;
      std::lock_guard lock(m);
      s.Crash();
      s.Start({});
      port = s.port();
      ++kills;
    }
  });
  // The client: creates and pays orders (at least 20, and on until the server was killed 3
  // times), retrying each request with its idempotency key until it gets an answer, as a
  // real client would.
  std::atomic<int> cut{0};
  auto call = [&](const std::string& method, const std::string& target, const std::string& idem) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      uint16_t p;
      {
        std::lock_guard lock(m);
        p = port;
      }
      const std::string body = target == "/v1/orders"        ? kOrder
                               : target == "/v1/admin/clock" ? R"({"advance_s": 40})"
                                                             : "";
      const Reply r =
          Server::HttpCall(p, method, target, target == "/v1/admin/clock" ? kAdminKey : key, body,
                           {{"Idempotency-Key", idem}});
      if (r.status > 0) return r;
      if (r.connected) ++cut;  // connected, then no answer: the kill landed mid-request
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Reply{};
  };
  int orders_made = 0;
  std::set<std::string> confirmed;
  for (int i = 0; i < 200 && (i < 20 || kills < 3 || cut < 3); ++i, ++orders_made) {
    const Reply created = call("POST", "/v1/orders", "create-" + std::to_string(i));
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = Str(created.Json(), "id");
    const Reply paid = call("POST", "/v1/orders/" + id + "/pay", "pay-" + std::to_string(i));
    ASSERT_EQ(paid.status, 200) << paid.body;
    confirmed.insert(id);
    // Time moves (40 s, past some deliveries' due time) so delivery jobs run, and are
    // killed, during the burst too.
    const Reply moved = call("POST", "/v1/admin/clock", "clock-" + std::to_string(i));
    ASSERT_EQ(moved.status, 200) << moved.body;
  }
  done = true;
  killer.join();
  unsetenv("RAMPART_FAULT_COMMIT_DELAY_MS");
  // Kills landed inside requests (each held in its transaction by the fault delay), not
  // only between them.
  EXPECT_GE(cut.load(), 3);
  // The server the killer started dies with the killer's thread (PR_SET_PDEATHSIG follows
  // the forking thread): start it again from this one.
  s.Restart();
  EXPECT_GE(kills.load(), 3);
  ExpectConsistent(s, key, 5000000'00, confirmed);
  const auto orders = s.Call("GET", "/v1/orders?limit=200", key).Json().at("items").as_array();
  EXPECT_EQ(static_cast<int>(orders.size()), orders_made) << "an order created twice";
}

}  // namespace
}  // namespace rampart::testing
