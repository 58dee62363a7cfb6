// Several Rampart nodes on one PostgreSQL (issue: scale out): 500 orders created and paid
// concurrently through random nodes, with client retries, while one node is killed -9 in
// the middle. Each order is charged once and delivered once; the ledger balances; the
// killed node's jobs are finished by the others.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/time.h"
#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

constexpr int kOrders = 500;
const std::string kOrder =
    R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 10, "months": 1})";

// `count` nodes on one fresh PostgreSQL database (`db`), an IP pool of `cidr` in
// cn-south/bgp, and a tenant "acme" with `balance`.
struct Cluster {
  std::vector<std::unique_ptr<Server>> nodes;
  std::string tenant, key;
  Server& first() { return *nodes[0]; }
};
Cluster StartCluster(const std::string& db, int count, const std::string& delivery_delay,
                     bool simulated, const std::string& cidr, const std::string& balance) {
  Cluster c;
  for (int i = 0; i < count; ++i) {
    std::vector<std::string> args{"--delivery-delay", delivery_delay, "--threads", "2"};
    // Nodes share the key that seals secrets at rest: the first node's.
    if (i > 0)
      args.insert(args.end(), {"--secrets-key-file", c.first().data_dir() + "/secrets.key"});
    c.nodes.push_back(std::make_unique<Server>(args, "", simulated, db));
  }
  const auto pool =
      c.first().Admin("POST", "/v1/admin/ip-pools",
                      R"({"region": "cn-south", "line": "bgp", "cidr": ")" + cidr + R"("})");
  EXPECT_EQ(pool.status, 201) << pool.body;
  std::tie(c.tenant, c.key) = c.first().NewTenant("acme", balance);
  return c;
}

TEST(MultiNode, FiveHundredOrdersThroughThreeNodesWithOneKilled) {
  const std::string db = Server::BackendDatabase();
  if (db.empty()) GTEST_SKIP() << "PostgreSQL only (RAMPART_TEST_BACKEND=postgres)";
  Cluster cluster = StartCluster(db, 3, "0-2", false, "10.30.0.0/23", "5000000.00");
  auto& nodes = cluster.nodes;
  Server& first = cluster.first();
  const std::string tenant = cluster.tenant, key = cluster.key;

  std::vector<uint16_t> ports;
  for (auto& n : nodes) ports.push_back(n->port());
  std::atomic<bool> killed{false};
  std::atomic<int> done{0};
  // Requests that got no answer (the killed node) or a 5xx, and were sent again.
  std::atomic<int> retried{0}, server_errors{0};
  // A request retried on random live nodes until it gets an answer; retries are counted.
  auto call = [&](std::mt19937& rng, const std::string& method, const std::string& path,
                  const std::string& body, const std::string& idem) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      size_t n = rng() % ports.size();
      if (killed && n == 1) n = 0;
      const Reply r =
          Server::HttpCall(ports[n], method, path, key, body, {{"Idempotency-Key", idem}});
      if (r.status > 0 && r.status < 500) return r;
      ++retried;
      if (r.status >= 500) {
        ++server_errors;
        ADD_FAILURE() << method << " " << path << " answered " << r.status << ": " << r.body;
      }
    }
    return Reply{};
  };
  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      std::mt19937 rng(1000 + t);
      for (int i = t; i < kOrders; i += 4) {
        const Reply created =
            call(rng, "POST", "/v1/orders", kOrder, "create-" + std::to_string(i));
        if (created.status != 201) {
          ++failures;
          continue;
        }
        const std::string id(created.Json().at("id").as_string());
        const Reply paid =
            call(rng, "POST", "/v1/orders/" + id + "/pay", "", "pay-" + std::to_string(i));
        if (paid.status != 200) ++failures;
        ++done;
      }
    });
  }
  // Kill node 1 mid-burst (from this thread, which started it); bounded wait.
  for (int i = 0; i < 12000 && done < kOrders / 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(done.load(), kOrders / 3) << "the burst did not reach a third in 60 s";
  killed = true;  // first, so no new request goes to it: only those in flight are cut
  nodes[1]->Crash();
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures.load(), 0);
  // A killed node drops only what it had in flight (at most one request per client), and a
  // node never answers 5xx (each one already failed above).
  EXPECT_LE(retried.load(), 4) << "requests sent again";
  EXPECT_EQ(server_errors.load(), 0);

  // The survivors deliver everything, the killed node's share included (bounded wait).
  int delivered = 0;
  for (int i = 0; i < 300 && delivered < kOrders; ++i) {
    delivered = 0;
    std::string cursor;
    while (true) {
      const auto page =
          first
              .Call("GET", "/v1/orders?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor),
                    key)
              .Json();
      for (const auto& o : page.at("items").as_array())
        delivered += Str(o, "status") == "delivered";
      if (page.at("next_cursor").is_null()) break;
      cursor = Str(page, "next_cursor");
    }
    if (delivered < kOrders) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(delivered, kOrders);
  // And no order twice: a replay across nodes that created a second order would leave it
  // unpaid and undelivered, outside the count above.
  int orders = 0;
  for (std::string cursor;;) {
    const auto page =
        first.Call("GET", "/v1/orders?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor), key)
            .Json();
    orders += static_cast<int>(page.at("items").as_array().size());
    if (page.at("next_cursor").is_null()) break;
    cursor = Str(page, "next_cursor");
  }
  EXPECT_EQ(orders, kOrders);

  // Once each: 500 orders, 500 resources with 500 distinct IPs, 500 payments.
  std::set<std::string> ips;
  int resources = 0;
  std::string cursor;
  while (true) {
    const auto page =
        first
            .Call("GET", "/v1/resources?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor),
                  key)
            .Json();
    for (const auto& r : page.at("items").as_array()) {
      ++resources;
      for (const auto& ip : r.at("ips").as_array()) ips.insert(std::string(ip.as_string()));
    }
    if (page.at("next_cursor").is_null()) break;
    cursor = Str(page, "next_cursor");
  }
  EXPECT_EQ(resources, kOrders);
  EXPECT_EQ(static_cast<int>(ips.size()), kOrders);
  int payments = 0;
  cursor.clear();
  while (true) {
    const auto page =
        first
            .Call("GET",
                  "/v1/account/ledger?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor), key)
            .Json();
    for (const auto& e : page.at("items").as_array()) payments += Str(e, "kind") == "order_payment";
    if (page.at("next_cursor").is_null()) break;
    cursor = Str(page, "next_cursor");
  }
  EXPECT_EQ(payments, kOrders);
  EXPECT_EQ(Str(first.Call("GET", "/v1/account", key).Json(), "balance"),
            "700000.00");  // 5M - 500 x 8,600
  EXPECT_TRUE(first.Admin("GET", "/v1/admin/tenants/" + tenant + "/ledger/verify")
                  .Json()
                  .at("ok")
                  .as_bool());
}

// Two nodes storing samples of the same IPs and days at the same time: every accepted sample
// is stored (no node's merge of a day's block overwrites the other's).
TEST(MultiNode, ConcurrentIngestionOfTheSameBlocksLosesNothing) {
  const std::string db = Server::BackendDatabase();
  if (db.empty()) GTEST_SKIP() << "PostgreSQL only (RAMPART_TEST_BACKEND=postgres)";
  Cluster cluster = StartCluster(db, 2, "0-0", true, "10.31.0.0/29", "5000000.00");
  auto& nodes = cluster.nodes;
  Server& first = cluster.first();
  const std::string tenant = cluster.tenant, key = cluster.key;
  const std::string meter = Str(
      first.Admin("POST", "/v1/admin/tenants/" + tenant + "/keys", R"({"role": "meter"})").Json(),
      "key");
  const auto order = first.Call(
      "POST", "/v1/orders", key,
      R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 10, "months": 1, "quantity": 8})");
  ASSERT_EQ(first.Call("POST", "/v1/orders/" + Str(order.Json(), "id") + "/pay", key).status, 200);
  first.Advance(60);  // delivered
  // The shared simulated clock moves to 06:00Z; the windows are 02:00Z-04:40Z, one billing day.
  ASSERT_EQ(first.Admin("POST", "/v1/admin/clock", R"({"now": "2026-11-26T06:00:00Z"})").status,
            200);
  std::vector<std::string> ips;
  const auto list = first.Call("GET", "/v1/resources", key).Json();
  for (const auto& r : list.at("items").as_array()) {
    if (Str(r, "state") == "running")
      ips.push_back(std::string(r.at("ips").as_array()[0].as_string()));
  }
  ASSERT_EQ(ips.size(), 8u);

  // 160 one-minute windows, each posted once, by 4 meters through both nodes, a minute of
  // all 8 IPs per request: every request touches the same blocks.
  const auto start = common::ParseRfc3339("2026-11-26T02:00:00Z").value();
  constexpr int kMinutes = 160;
  std::atomic<int64_t> accepted{0};
  std::vector<std::thread> meters;
  for (int t = 0; t < 4; ++t) {
    meters.emplace_back([&, t] {
      for (int m = t; m < kMinutes; m += 4) {
        const auto at =
            std::chrono::time_point_cast<std::chrono::seconds>(start + std::chrono::minutes(m));
        std::string body = "[";
        for (size_t i = 0; i < ips.size(); ++i) {
          body += std::string(i ? "," : "") + R"({"ip": ")" + ips[i] + R"(", "window_start": ")" +
                  common::FormatRfc3339(at) +
                  R"(", "window_s": 60, "attack_bps": 1000000, "in_bytes": 1, "out_bytes": 1})";
        }
        body += "]";
        const Reply r =
            Server::HttpCall(nodes[static_cast<size_t>(t % 2)]->port(), "POST", "/v1/usage", meter,
                             body, {{"Content-Type", "application/json"}});
        EXPECT_EQ(r.status, 200) << r.body;
        if (r.status == 200) accepted += r.Json().at("accepted").as_int64();
      }
    });
  }
  for (auto& m : meters) m.join();
  EXPECT_EQ(accepted, kMinutes * 8);

  // What is stored, read back per resource.
  const std::set<std::string> days = {"2026-11-26"};
  int64_t stored = 0;
  const auto resources = first.Call("GET", "/v1/resources", key).Json();
  for (const auto& r : resources.at("items").as_array()) {
    for (const auto& day : days) {
      const auto u =
          first.Call("GET", "/v1/resources/" + Str(r, "id") + "/usage?day=" + day, key).Json();
      stored += static_cast<int64_t>(u.at("windows").as_array().size());
    }
  }
  EXPECT_EQ(stored, kMinutes * 8);
}

// Two nodes changing one resource at the same time, as two browser tabs or two scripts
// would: every renewal is charged and extends the term; a cancel refunds once.
TEST(MultiNode, ConcurrentChangesOfOneResourceAreNeitherLostNorDoubled) {
  const std::string db = Server::BackendDatabase();
  if (db.empty()) GTEST_SKIP() << "PostgreSQL only (RAMPART_TEST_BACKEND=postgres)";
  Cluster cluster = StartCluster(db, 2, "0-0", true, "10.32.0.0/29", "1000000.00");
  auto& nodes = cluster.nodes;
  Server& first = cluster.first();
  const std::string tenant = cluster.tenant, key = cluster.key;
  auto buy = [&] {
    const auto order = first.Call(
        "POST", "/v1/orders", key,
        R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 10, "months": 1})");
    const auto paid = first.Call("POST", "/v1/orders/" + Str(order.Json(), "id") + "/pay", key);
    return std::string(paid.Json().at("resources").as_array()[0].as_string());
  };
  const std::string renewed = buy();
  const std::string cancelled = buy();
  first.Advance(60);
  const std::string expiry =
      Str(first.Call("GET", "/v1/resources/" + renewed, key).Json(), "expires_at");
  EXPECT_EQ(expiry, "2026-12-26T00:00:00Z");  // delivered at once

  // 8 renewals of one month at once through both nodes, and 4 cancels of the other resource.
  std::atomic<int> renewals{0}, cancels{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      const uint16_t port = nodes[static_cast<size_t>(t % 2)]->port();
      if (Server::HttpCall(port, "POST", "/v1/resources/" + renewed + "/renew", key,
                           R"({"months": 1})")
              .status == 200) {
        ++renewals;
      }
      if (t < 4 &&
          Server::HttpCall(port, "POST", "/v1/resources/" + cancelled + "/cancel", key, "{}")
                  .status == 200) {
        ++cancels;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(renewals, 8);
  EXPECT_EQ(cancels, 1);  // the others find it released
  EXPECT_EQ(Str(first.Call("GET", "/v1/resources/" + renewed, key).Json(), "expires_at"),
            "2027-08-26T00:00:00Z");  // nine months in all
  // 1,000,000 - 2 x 8,600 bought - 8 x 8,600 renewals + one refund: 8,600 less the minute
  // used of a 30-day month (8,600 x 60 / 2,592,000 = 0.20) = 8,599.80.
  EXPECT_EQ(Str(first.Call("GET", "/v1/account", key).Json(), "balance"), "922599.80");
  EXPECT_TRUE(first.Admin("GET", "/v1/admin/tenants/" + tenant + "/ledger/verify")
                  .Json()
                  .at("ok")
                  .as_bool());
}

}  // namespace
}  // namespace rampart::testing
