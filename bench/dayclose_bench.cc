// Day close at volume (issue: metering): N resources x 1,440 one-minute windows stored as
// usage blocks in SQLite, closed by the real job (history -> timeline, blocks -> DayUsage,
// rating, bills, debits), beside the same rating from memory as the baseline. Prints the
// time, windows/s, the ratio, and the time extrapolated to 100,000 resources (the target is
// <= 10 s). N defaults to 10,000 (a 350 MB database). Every insert is checked, and the bills
// the job stored must equal the in-memory ones tenant by tenant (and not be all zero): a fast
// time for wrong work fails.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>

#include "catalog/pricebook_loader.h"
#include "lifecycle/resources.h"
#include "metering/day_ingest.h"
#include "postpaid/day_close.h"
#include "postpaid/usage_block.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_connection.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace rampart;
constexpr int64_t G = 1'000'000'000;

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10'000;
  const std::string path = "/tmp/rampart_dayclose_bench.db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  store::Database db(store::SqliteConnection::Open(path).value());
  if (!store::Migrate(db)) return 1;
  const auto& book = catalog::DefaultPriceBook();
  const auto calendar = common::BillingCalendar::Create("Asia/Shanghai").value();
  const common::Day day = std::chrono::year{2026} / 11 / 26;
  const common::Instant start = calendar.DayStart(day);
  const std::string day_text = common::FormatDay(day);

  // The data: 100 tenants, n hdip resources running since before the day, one IP each with
  // a full day of windows (an attack in one window in 50).
  std::mt19937_64 rng(20261126);
  std::vector<metering::RatedResource> rated;
  std::vector<std::unique_ptr<metering::DayUsage>> memory;
  auto load = db.Transact([&](store::Connection& c) -> common::Result<void> {
    for (int t = 0; t < 100; ++t) {
      auto q = c.Query(
          "INSERT INTO tenants (id, name, balance_fen, created_at) VALUES ($1, $1, 100000000000, "
          "0)",
          {"ten_" + std::to_string(t)});
      if (!q) return std::unexpected(q.error());
    }
    auto order = c.Query(
        "INSERT INTO orders (id, tenant_id, status, amount_fen, product, region, line, scope, "
        "ip_count, "
        "base_gbps, elastic_gbps, forwarding_mode, quantity, months, auto_renew, created_at, "
        "lapses_at) "
        "VALUES ('ord', 'ten_0', 'delivered', 0, 'hdip', 'cn-south', 'bgp', 'single', 1, 20, 50, "
        "'by_traffic', 1, 1, 0, 0, 0)");
    if (!order) return std::unexpected(order.error());
    for (int i = 0; i < n; ++i) {
      lifecycle::Resource r;
      r.id = "res_" + std::to_string(i);
      r.tenant_id = "ten_" + std::to_string(i % 100);
      r.order_id = "ord";
      r.spec.region = "cn-south";
      r.spec.line = "bgp";
      r.spec.base_gbps = 20;
      r.spec.elastic_gbps = 50;
      r.state = billing::ResourceState::kRunning;
      r.created_at = start - std::chrono::days(1);
      if (auto ins = lifecycle::InsertResource(c, r, "bench"); !ins) return ins;
      postpaid::UsageBlock block(1440);
      auto usage = std::make_unique<metering::DayUsage>(start, calendar.DayEnd(day));
      for (size_t w = 0; w < 1440; ++w) {
        const int64_t attack = rng() % 50 == 0 ? static_cast<int64_t>(rng() % (80 * G)) : 0;
        block.Set(w, {attack, 1'000'000, 3'000'000});
        metering::UsageSample s;
        s.window_start = start + std::chrono::minutes(w);
        s.attack_bps = attack;
        s.in_bytes = 1'000'000;
        s.out_bytes = 3'000'000;
        usage->Add(s);
      }
      auto stored = c.Query(
          "INSERT INTO usage_blocks (resource_id, day, ip, window_s, tenant_id, slots, updated_at) "
          "VALUES ($1, $2, $3, 60, $4, $5, 0)",
          {r.id, day_text, "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250),
           r.tenant_id, store::Blob{block.Encode()}});
      if (!stored) return std::unexpected(stored.error());
      metering::RatedResource rr;
      rr.id = r.id;
      rr.tenant = r.tenant_id;
      rr.spec = r.spec;
      rr.timeline = {billing::SegmentFor(start - std::chrono::days(1), r.spec, r.state, false)};
      rated.push_back(std::move(rr));
      memory.push_back(std::move(usage));
    }
    return {};
  });
  if (!load) {
    std::fprintf(stderr, "load: %s\n", load.error().message.c_str());
    return 1;
  }

  // Baseline: the same rating from memory.
  const auto m0 = Clock::now();
  auto bills = metering::RateDay(
      book, day, rated, [&](size_t i) { return memory[i].get(); }, true);
  const double in_memory = std::chrono::duration<double>(Clock::now() - m0).count();

  // The job, from the store, with its bills and debits.
  const auto t0 = Clock::now();
  auto closed = db.Transact([&](store::Connection& c) {
    return postpaid::OnDayClose(c, book, calendar, day_text,
                                calendar.DayEnd(day) + std::chrono::hours(1), 90);
  });
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!closed || !bills) {
    std::fprintf(stderr, "close: %s\n", closed ? "" : closed.error().message.c_str());
    return 1;
  }
  // The stored bills must be the in-memory ones.
  std::map<std::string, int64_t> want, got;
  int64_t want_total = 0;
  for (const auto& b : *bills) {
    want[b.tenant] = b.total.fen();
    want_total += b.total.fen();
  }
  auto rows = db.Use([&](store::Connection& c) {
    return c.Query("SELECT tenant_id, total_fen FROM bills WHERE day = $1", {day_text});
  });
  if (!rows) return 1;
  for (const auto& r : *rows) got[store::Text(r[0])] = store::Int(r[1]);
  if (got != want || want_total == 0) {
    std::fprintf(stderr,
                 "dayclose_bench: the stored bills (%zu) differ from the in-memory ones (%zu)\n",
                 got.size(), want.size());
    return 1;
  }
  const double windows = static_cast<double>(n) * 1440;
  std::printf("day close of %d resources x 1,440 windows: %.2f s (%.3g windows/s)\n", n, seconds,
              windows / seconds);
  std::printf("same rating from memory:                  %.3f s (%.3g windows/s)\n", in_memory,
              windows / in_memory);
  std::printf(
      "store + bills / memory = %.1fx slower; extrapolated to 100,000 resources: %.1f s (target <= "
      "10 s)\n",
      seconds / in_memory, seconds * 100'000 / n);
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return 0;
}
