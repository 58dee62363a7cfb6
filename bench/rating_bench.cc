// Daily rating throughput (issue: the billing core must be fast).
//
// 10,000 resources x 1,440 one-minute windows (14.4 M windows) of attack bandwidth, rated
// with the real billing core, measured against two baselines in the same run:
//   (a) a plain sequential read of the same data: the memory-bandwidth limit;
//   (b) the same daily peaks computed by SQLite (GROUP BY resource, max(attack)) over a table
//       of the samples, clustered by (resource, window_start): what a database-backed
//       metering platform would do.
// Prints windows/s and both ratios. Targets: >= 30 % of (a), >= 100x (b).
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <cstdio>
#include <random>
#include <span>
#include <vector>

#include "bench/ratio_reporter.h"
#include "billing/elastic_rating.h"
#include "catalog/pricebook_loader.h"

namespace {

using rampart::billing::AttackSeries;
using rampart::billing::ConfigSegment;

constexpr size_t kResources = 10'000;
constexpr size_t kWindows = 1'440;
constexpr int64_t G = rampart::billing::kBitsPerGbit;
const rampart::common::Instant kDayStart{std::chrono::seconds(1'795'622'400)};

struct Data {
  std::vector<int64_t> attack;  // resource-major: resource r's day is [r * 1440, +1440)
  std::vector<ConfigSegment> config;
  std::vector<const rampart::catalog::PriceClass*> prices;
};

const Data& TheData() {
  static const Data data = [] {
    Data d;
    d.attack.resize(kResources * kWindows);
    std::mt19937_64 rng(20261126);
    std::uniform_int_distribution<int64_t> background(0, 2 * G);
    std::uniform_int_distribution<int64_t> attack(0, 120 * G);
    for (size_t i = 0; i < d.attack.size(); ++i) {
      // Mostly background noise; about one window in 50 carries an attack.
      d.attack[i] = (rng() % 50 == 0) ? attack(rng) : background(rng);
    }
    const auto& pb = rampart::catalog::DefaultPriceBook();
    for (size_t r = 0; r < kResources; ++r) {
      const auto& net = pb.hdip_networks[r % pb.hdip_networks.size()];
      const auto& pc = pb.ClassOf(net);
      const int64_t base = pc.base[r % (pc.base.size() - 1)].gbps;
      const int64_t ceiling = r % 4 == 0 ? base : std::min(base + 50, pc.max_ceiling_gbps);
      d.config.push_back({kDayStart, base * G, ceiling * G});
      d.prices.push_back(&pc);
    }
    return d;
  }();
  return data;
}

void BM_SequentialRead(benchmark::State& state) {
  const Data& d = TheData();
  for (auto _ : state) {
    int64_t sum = 0;
    for (int64_t v : d.attack) sum += v;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.attack.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.attack.size() * 8));
}
BENCHMARK(BM_SequentialRead)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_DailyRating(benchmark::State& state) {
  const Data& d = TheData();
  int64_t charged_fen = 0;
  for (auto _ : state) {
    charged_fen = 0;
    for (size_t r = 0; r < kResources; ++r) {
      const AttackSeries series{kDayStart, 60,
                                std::span<const int64_t>(d.attack.data() + r * kWindows, kWindows)};
      charged_fen += rampart::billing::RateElastic(*d.prices[r], std::span(&d.config[r], 1), series)
                         .amount.fen();
    }
    benchmark::DoNotOptimize(charged_fen);
  }
  state.counters["charged_yuan"] = static_cast<double>(charged_fen) / 100;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.attack.size()));
}
BENCHMARK(BM_DailyRating)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_SqliteDailyPeaks(benchmark::State& state) {
  const Data& d = TheData();
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
               "CREATE TABLE samples(resource INTEGER, window_start INTEGER, attack INTEGER, "
               "PRIMARY KEY(resource, window_start)) WITHOUT ROWID; BEGIN;",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO samples VALUES (?, ?, ?)", -1, &insert, nullptr);
  for (size_t r = 0; r < kResources; ++r) {
    for (size_t w = 0; w < kWindows; ++w) {
      sqlite3_bind_int64(insert, 1, static_cast<int64_t>(r));
      sqlite3_bind_int64(insert, 2,
                         kDayStart.time_since_epoch().count() + static_cast<int64_t>(w) * 60);
      sqlite3_bind_int64(insert, 3, d.attack[r * kWindows + w]);
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
  }
  sqlite3_finalize(insert);
  sqlite3_exec(db, "COMMIT;", nullptr, nullptr, nullptr);

  sqlite3_stmt* query = nullptr;
  sqlite3_prepare_v2(db, "SELECT resource, max(attack) FROM samples GROUP BY resource", -1, &query,
                     nullptr);
  for (auto _ : state) {
    int64_t peaks = 0;
    while (sqlite3_step(query) == SQLITE_ROW) peaks += sqlite3_column_int64(query, 1);
    sqlite3_reset(query);
    benchmark::DoNotOptimize(peaks);
  }
  sqlite3_finalize(query);
  sqlite3_close(db);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.attack.size()));
}
BENCHMARK(BM_SqliteDailyPeaks)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::printf("daily rating: %zu resources x %zu windows = %.1f M windows\n", kResources, kWindows,
              static_cast<double>(kResources * kWindows) / 1e6);
  TheData();
  rampart::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double read = reporter.Rate("BM_SequentialRead");
  const double rating = reporter.Rate("BM_DailyRating");
  const double sqlite = reporter.Rate("BM_SqliteDailyPeaks");
  std::printf("\nwindows/s: rating %.3g, memory read %.3g, SQLite %.3g\n", rating, read, sqlite);
  if (read > 0 && rating > 0) {
    std::printf("rating / memory read = %.0f %%   (target >= 30 %%)\n", 100 * rating / read);
  }
  if (sqlite > 0 && rating > 0) {
    std::printf("rating / SQLite      = %.0fx    (target >= 100x)\n", rating / sqlite);
  }
  benchmark::Shutdown();
  return 0;
}
