// HTTP throughput of the service: POST /v1/quotes (auth, JSON parse, validation, pricing,
// one indexed read) beside GET /healthz (no work: the HTTP stack alone) on the same server,
// in the same run. Bounded loopback load: each phase runs `kClients` keep-alive clients for
// a fixed number of requests. Prints requests/s, p50 and p99 and the ratio.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "tests/server_harness.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr int kClients = 4;
constexpr int kRequestsPerClient = 5000;

struct Phase {
  double requests_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  int errors = 0;
};

Phase Run(uint16_t port, http::verb verb, const std::string& target, const std::string& key,
          const std::string& body) {
  std::vector<std::vector<double>> latencies(kClients);
  std::vector<int> errors(kClients, 0);
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      boost::asio::io_context io;
      beast::tcp_stream stream(io);
      stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
      beast::flat_buffer buffer;
      for (int i = 0; i < kRequestsPerClient; ++i) {
        http::request<http::string_body> req(verb, target, 11);
        req.set(http::field::host, "127.0.0.1");
        if (!key.empty()) req.set(http::field::authorization, "Bearer " + key);
        if (!body.empty()) req.set(http::field::content_type, "application/json");
        req.keep_alive(true);
        req.body() = body;
        req.prepare_payload();
        const auto t0 = Clock::now();
        http::write(stream, req);
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        latencies[c].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        if (res.result_int() != 200) ++errors[c];
      }
    });
  }
  for (auto& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Phase p;
  p.requests_per_s = static_cast<double>(all.size()) / seconds;
  p.p50_us = all[all.size() / 2];
  p.p99_us = all[all.size() * 99 / 100];
  for (int e : errors) p.errors += e;
  return p;
}

}  // namespace

int main() {
  rampart::testing::Server server({"--threads", "2"});
  auto [tenant, key] = server.NewTenant("bench", "0");
  const std::string quote =
      R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 30, "elastic_gbps": 100, "months": 6, "quantity": 2})";
  std::printf("%d keep-alive clients x %d requests per phase, server with 2 threads\n", kClients,
              kRequestsPerClient);
  Run(server.port(), http::verb::get, "/healthz", "", "");  // warm-up
  const Phase health = Run(server.port(), http::verb::get, "/healthz", "", "");
  const Phase quotes = Run(server.port(), http::verb::post, "/v1/quotes", key, quote);
  std::printf("GET /healthz    %9.0f req/s   p50 %7.1f us   p99 %7.1f us   errors %d\n",
              health.requests_per_s, health.p50_us, health.p99_us, health.errors);
  std::printf("POST /v1/quotes %9.0f req/s   p50 %7.1f us   p99 %7.1f us   errors %d\n",
              quotes.requests_per_s, quotes.p50_us, quotes.p99_us, quotes.errors);
  std::printf("quotes / healthz = %.0f %% of the HTTP stack's rate\n",
              100 * quotes.requests_per_s / health.requests_per_s);
  return health.errors + quotes.errors == 0 ? 0 : 1;
}
