// Usage ingestion throughput (issue: metering): POST /v1/usage with NDJSON batches of
// 10,000 samples over loopback, beside the in-process path (the same parsing and
// postpaid::IngestSamples on the same database, no HTTP) as the baseline; then 100-sample
// batches from 8 meters at once beside the same 8-way concurrency in process (parse and
// prepare on each thread, store under the one writer, as the route does). Prints samples/s
// and the ratios. Every sample must be accepted, else it fails: a fast time for refused work
// is no result. Bounded: 20 large and 200 small batches each.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "api/usage_json.h"
#include "common/calendar.h"
#include "postpaid/usage.h"
#include "store/database.h"
#include "store/sqlite/sqlite_connection.h"
#include "tests/server_harness.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kResources = 100;
constexpr int kBatches = 20;
constexpr int kBatch = 10'000;
constexpr int kMeters = 2;  // concurrent HTTP clients

// Batch `b` of a run starting `minutes` after 2026-11-26T13:00Z: 100 IPs x 100 consecutive
// minutes. A run of 20 batches spans 2,000 minutes; the in-process run starts after the HTTP
// run ends, so both accept every sample (nothing is a duplicate) and do the same work.
std::string Batch(int minutes, int b) {
  std::ostringstream out;
  const auto base = rampart::common::ParseRfc3339("2026-11-26T13:00:00Z").value() +
                    std::chrono::minutes(minutes + b * (kBatch / kResources));
  for (int m = 0; m < kBatch / kResources; ++m) {
    const std::string at = rampart::common::FormatRfc3339(base + std::chrono::minutes(m));
    for (int r = 0; r < kResources; ++r) {
      out << R"({"ip": "10.9.0.)" << r << R"(", "window_start": ")" << at
          << R"(", "window_s": 60, "attack_bps": )" << (r * 7919 + m) % 1000 * 1000000
          << R"(, "in_bytes": 1200000, "out_bytes": 3400000})"
          << "\n";
    }
  }
  return out.str();
}

// Small batch `i`: one five-minute window (window_s 300: blocks of their own, apart from the
// one-minute runs) for each of the 100 IPs, at 2026-11-26T13:00Z + 5 i minutes.
std::string SmallBatch(int i) {
  std::ostringstream out;
  const auto at =
      rampart::common::ParseRfc3339("2026-11-26T13:00:00Z").value() + std::chrono::minutes(5 * i);
  for (int r = 0; r < kResources; ++r) {
    out << R"({"ip": "10.9.0.)" << r << R"(", "window_start": ")"
        << rampart::common::FormatRfc3339(at)
        << R"(", "window_s": 300, "attack_bps": 1000000, "in_bytes": 1, "out_bytes": 1})"
        << "\n";
  }
  return out.str();
}
constexpr int kSmallBatches = 200;
constexpr int kSmallMeters = 8;

void ExpectAll(const char* what, int64_t accepted, int64_t expected) {
  if (accepted == expected) return;
  std::fprintf(stderr, "ingest_bench: %s accepted %lld of %lld samples\n", what,
               static_cast<long long>(accepted), static_cast<long long>(expected));
  std::exit(1);
}

}  // namespace

int main() {
  double http_rate = 0;
  double small_http_rate = 0;
  std::string data_dir;
  {
    std::filesystem::remove_all("/tmp/rampart_ingest_bench");
    std::filesystem::create_directories("/tmp/rampart_ingest_bench");
    rampart::testing::Server server({"--threads", "2"}, "/tmp/rampart_ingest_bench", true);
    data_dir = server.data_dir();
    server.Admin("POST", "/v1/admin/ip-pools",
                 R"({"region": "cn-south", "line": "bgp", "cidr": "10.9.0.0/25"})");
    auto [tenant, key] = server.NewTenant("bench", "100000000.00");
    const std::string meter = std::string(
        server.Admin("POST", "/v1/admin/tenants/" + tenant + "/keys", R"({"role": "meter"})")
            .Json()
            .at("key")
            .as_string());
    auto order =
        R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 10, "months": 1, "quantity": 10})";
    for (int i = 0; i < kResources / 10; ++i) {
      const auto reply = server.Call("POST", "/v1/orders", key, order);
      if (reply.status != 201)
        std::fprintf(stderr, "order: %d %s\n", reply.status, reply.body.c_str());
      const auto o = reply.Json();
      server.Call("POST", "/v1/orders/" + std::string(o.at("id").as_string()) + "/pay", key);
    }
    server.Advance(300);
    server.Admin("POST", "/v1/admin/clock", R"({"now": "2026-11-29T12:00:00Z"})");
    std::vector<std::string> batches;
    for (int b = 0; b < kBatches; ++b) batches.push_back(Batch(0, b));
    // Two meters posting at once (each its own connection, every other batch), as meters
    // do: the server parses on both cores while one writer holds the database.
    const auto start = Clock::now();
    std::atomic<int64_t> accepted = 0;
    std::vector<std::thread> meters;
    for (int t = 0; t < kMeters; ++t) {
      meters.emplace_back([&, t] {
        for (int b = t; b < kBatches; b += kMeters) {
          const auto r = server.Call("POST", "/v1/usage", meter, batches[b],
                                     {{"Content-Type", "application/x-ndjson"}});
          if (r.status != 200)
            std::fprintf(stderr, "usage: %d %s\n", r.status, r.body.substr(0, 300).c_str());
          else
            accepted += r.Json().at("accepted").as_int64();
        }
      });
    }
    for (auto& m : meters) m.join();
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    ExpectAll("HTTP", accepted, int64_t{kBatches} * kBatch);
    http_rate = static_cast<double>(accepted) / s;
    std::printf("HTTP  POST /v1/usage:  %8.0f samples/s  (%lld samples in %.2f s, %d meters)\n",
                http_rate, static_cast<long long>(accepted.load()), s, kMeters);

    // Meters posting small batches at once: 8 meters, 100 samples a batch (a window per IP).
    std::vector<std::string> small;
    for (int i = 0; i < kSmallBatches; ++i) small.push_back(SmallBatch(i));
    const auto small_start = Clock::now();
    std::atomic<int64_t> small_accepted = 0;
    std::vector<std::thread> small_meters;
    for (int t = 0; t < kSmallMeters; ++t) {
      small_meters.emplace_back([&, t] {
        for (int b = t; b < kSmallBatches; b += kSmallMeters) {
          const auto r = server.Call("POST", "/v1/usage", meter, small[b],
                                     {{"Content-Type", "application/x-ndjson"}});
          if (r.status == 200) small_accepted += r.Json().at("accepted").as_int64();
        }
      });
    }
    for (auto& m : small_meters) m.join();
    const double ss = std::chrono::duration<double>(Clock::now() - small_start).count();
    ExpectAll("HTTP, small batches", small_accepted, int64_t{kSmallBatches} * kResources);
    small_http_rate = static_cast<double>(small_accepted) / ss;
    std::printf("HTTP  100-sample batches: %8.0f samples/s  (%lld in %.2f s, %d meters at once)\n",
                small_http_rate, static_cast<long long>(small_accepted.load()), ss, kSmallMeters);
  }
  // The same work in process, on the same database, the next day's samples.
  rampart::store::Database db(
      rampart::store::SqliteConnection::Open(data_dir + "/rampart.db").value());
  const auto calendar = rampart::common::BillingCalendar::Create("Asia/Shanghai").value();
  const auto now = rampart::common::ParseRfc3339("2026-11-29T12:00:00Z").value();
  std::vector<std::string> batches;
  for (int b = 0; b < kBatches; ++b) batches.push_back(Batch(kBatches * 100 + 10, b));
  const auto start = Clock::now();
  int64_t accepted = 0;
  for (const auto& body : batches) {
    auto samples = rampart::api::ParseUsageBody(body, true).value();
    auto report = db.Transact([&](rampart::store::Connection& c) {
      return rampart::postpaid::IngestSamples(c, calendar, "", samples, now);
    });
    accepted += report ? report->accepted : 0;
  }
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  ExpectAll("in process", accepted, int64_t{kBatches} * kBatch);
  const double direct = static_cast<double>(accepted) / s;
  std::printf("in-process ingestion:  %8.0f samples/s  (%lld samples in %.2f s)\n", direct,
              static_cast<long long>(accepted), s);
  std::printf("HTTP / in-process = %.0f %%   (target: >= 1,000,000 samples/s over HTTP)\n",
              100 * http_rate / direct);

  // The same small batches in process with the same concurrency as the HTTP meters: each of 8
  // threads parses and prepares its batch, then stores it in its own transaction (an fsync),
  // under the one writer, as POST /v1/usage does.
  const auto small_start = Clock::now();
  std::atomic<int64_t> small_accepted = 0;
  std::vector<std::thread> workers;
  for (int t = 0; t < kSmallMeters; ++t) {
    workers.emplace_back([&, t] {
      for (int b = kSmallBatches + t; b < 2 * kSmallBatches; b += kSmallMeters) {
        auto samples = rampart::api::ParseUsageBody(SmallBatch(b), true).value();
        const auto batch = rampart::postpaid::PrepareSamples(calendar, samples, now);
        auto report = db.Transact([&](rampart::store::Connection& c) {
          return rampart::postpaid::StoreSamples(c, "", batch, now);
        });
        if (report) small_accepted += report->accepted;
      }
    });
  }
  for (auto& w : workers) w.join();
  const double ss = std::chrono::duration<double>(Clock::now() - small_start).count();
  ExpectAll("in process, small batches", small_accepted, int64_t{kSmallBatches} * kResources);
  const double small_direct = static_cast<double>(small_accepted) / ss;
  std::printf("in-process 100-sample batches, %d threads: %8.0f samples/s  (%lld in %.2f s)\n",
              kSmallMeters, small_direct, static_cast<long long>(small_accepted.load()), ss);
  std::printf("HTTP (%d meters) / in-process (%d threads) = %.0f %%\n", kSmallMeters, kSmallMeters,
              100 * small_http_rate / small_direct);
  std::filesystem::remove_all(data_dir);
  return 0;
}
