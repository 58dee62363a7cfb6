// Scale-out: orders/s (create + pay, 4 keep-alive-less clients) and usage ingestion
// samples/s (NDJSON batches of 10,000) on PostgreSQL with 1 node and with 2 nodes, beside
// SQLite on one node as the baseline, all in one run. Needs RAMPART_TEST_POSTGRES_URL
// (scripts/bench starts a throwaway cluster). Bounded: 400 orders and 100,000 samples per
// configuration. Every order must be paid and every sample accepted, else it fails. Both
// stores are durable: SQLite synchronous=FULL, PostgreSQL fsync and synchronous_commit on
// (scripts/bench starts its cluster with --durable).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "common/time.h"
#include "tests/server_harness.h"

namespace {

using Clock = std::chrono::steady_clock;
using rampart::testing::Server;
constexpr int kOrders = 400;
constexpr int kBatches = 10;
constexpr int kResources = 100;

std::string Batch(int b) {
  std::ostringstream out;
  const auto base = rampart::common::ParseRfc3339("2026-11-26T00:10:00Z").value() +
                    std::chrono::minutes(b * (10'000 / kResources));
  for (int m = 0; m < 10'000 / kResources; ++m) {
    const std::string at = rampart::common::FormatRfc3339(base + std::chrono::minutes(m));
    for (int r = 0; r < kResources; ++r) {
      out << R"({"ip": "10.9.)" << r / 250 << "." << r % 250 << R"(", "window_start": ")" << at
          << R"(", "attack_bps": )" << (r * 7919 + m) % 1000 * 1000000 << "}\n";
    }
  }
  return out.str();
}

struct Result {
  double orders_per_s = 0;
  double samples_per_s = 0;
};

// `nodes` servers on `database` ("" = each its own SQLite; only used with one node).
Result Measure(int node_count, const std::string& database) {
  std::vector<std::unique_ptr<Server>> nodes;
  for (int i = 0; i < node_count; ++i) {
    std::vector<std::string> args{"--threads", "2"};
    // Nodes share the key that seals secrets at rest: the first node's.
    if (i > 0)
      args.insert(args.end(), {"--secrets-key-file", nodes[0]->data_dir() + "/secrets.key"});
    nodes.push_back(std::make_unique<Server>(args, "", true, database));
  }
  Server& first = *nodes[0];
  first.Admin("POST", "/v1/admin/ip-pools",
              R"({"region": "cn-south", "line": "bgp", "cidr": "10.9.0.0/22"})");
  auto [tenant, key] = first.NewTenant("bench", "100000000.00");
  const std::string meter(
      first.Admin("POST", "/v1/admin/tenants/" + tenant + "/keys", R"({"role": "meter"})")
          .Json()
          .at("key")
          .as_string());
  const std::string order =
      R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 10, "months": 1})";
  std::atomic<int> next{0}, paid{0};
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = next++; i < kOrders; i = next++) {
        const uint16_t port = nodes[static_cast<size_t>((i + t) % node_count)]->port();
        const auto o = Server::HttpCall(port, "POST", "/v1/orders", key, order);
        if (o.status != 201) continue;
        const std::string id(o.Json().at("id").as_string());
        paid += Server::HttpCall(port, "POST", "/v1/orders/" + id + "/pay", key).status == 200;
      }
    });
  }
  for (auto& c : clients) c.join();
  Result r;
  r.orders_per_s = kOrders / std::chrono::duration<double>(Clock::now() - start).count();
  // A fast time for broken work is no result.
  if (paid != kOrders) {
    std::fprintf(stderr, "scaleout_bench: only %d of %d orders were paid\n", paid.load(), kOrders);
    std::exit(1);
  }
  first.Admin("POST", "/v1/admin/clock", R"({"now": "2026-11-27T23:00:00Z"})");
  std::vector<std::string> batches;
  for (int b = 0; b < kBatches; ++b) batches.push_back(Batch(b));
  std::atomic<int> batch{0};
  std::atomic<int64_t> accepted{0};
  const auto s0 = Clock::now();
  std::vector<std::thread> meters;
  for (int t = 0; t < 2; ++t) {
    meters.emplace_back([&, t] {
      for (int b = batch++; b < kBatches; b = batch++) {
        const uint16_t port = nodes[static_cast<size_t>((b + t) % node_count)]->port();
        const auto res =
            Server::HttpCall(port, "POST", "/v1/usage", meter, batches[static_cast<size_t>(b)],
                             {{"Content-Type", "application/x-ndjson"}});
        if (res.status == 200) accepted += res.Json().at("accepted").as_int64();
      }
    });
  }
  for (auto& m : meters) m.join();
  r.samples_per_s =
      static_cast<double>(accepted) / std::chrono::duration<double>(Clock::now() - s0).count();
  if (accepted != int64_t{kBatches} * 10'000) {
    std::fprintf(stderr, "scaleout_bench: only %lld of %d samples were accepted\n",
                 static_cast<long long>(accepted.load()), kBatches * 10'000);
    std::exit(1);
  }
  return r;
}

}  // namespace

int main() {
  const char* url = std::getenv("RAMPART_TEST_POSTGRES_URL");
  if (!url) {
    std::fprintf(stderr,
                 "scaleout_bench: RAMPART_TEST_POSTGRES_URL is not set (scripts/bench sets it)\n");
    return 2;
  }
  const Result sqlite = Measure(1, "");
  setenv("RAMPART_TEST_BACKEND", "postgres", 1);
  const Result pg1 = Measure(1, Server::BackendDatabase());
  const Result pg2 = Measure(2, Server::BackendDatabase());
  std::printf("%-22s %12s %16s\n", "", "orders/s", "samples/s");
  std::printf("%-22s %12.0f %16.0f\n", "SQLite, 1 node", sqlite.orders_per_s, sqlite.samples_per_s);
  std::printf("%-22s %12.0f %16.0f\n", "PostgreSQL, 1 node", pg1.orders_per_s, pg1.samples_per_s);
  std::printf("%-22s %12.0f %16.0f\n", "PostgreSQL, 2 nodes", pg2.orders_per_s, pg2.samples_per_s);
  std::printf("PostgreSQL 1 node / SQLite:  orders %.2fx, samples %.2fx\n",
              pg1.orders_per_s / sqlite.orders_per_s, pg1.samples_per_s / sqlite.samples_per_s);
  std::printf(
      "PostgreSQL 2 nodes / 1 node: orders %.2fx, samples %.2fx (one 2-core machine runs "
      "the database, the nodes and the clients)\n",
      pg2.orders_per_s / pg1.orders_per_s, pg2.samples_per_s / pg1.samples_per_s);
  return 0;
}
