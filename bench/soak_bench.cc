// Soak: mixed load at a bounded rate against one `rampart serve` (SQLite, simulated clock)
// for SECONDS (default 600): quotes, orders, payments, usage posts and clock moves (every
// 30 s of real time the clock moves 10 minutes, so deliveries, day closes and bills run), with
// a kill -9 and a restart half way through. Prints requests, unexpected errors (any 5xx, and
// any request without an answer outside the kill), the server's RSS over the second quarter
// of each half (the first warms SQLite's page cache, which grows to its 16 MiB and stays:
// growth after it is what a leak would show), and every tenant's ledger verification.
// Target (issue #17): 0 unexpected errors, RSS growth under 10 % per half beyond what the
// store's own growth explains (SQLite's page cache, at most 16 MiB), every ledger verified. Usage:
// soak_bench [SECONDS] [REQUESTS_PER_SECOND]. Not part of the test run.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "common/time.h"
#include "tests/server_harness.h"

namespace {

using rampart::testing::kAdminKey;
using rampart::testing::Reply;
using rampart::testing::Server;
using rampart::testing::Str;
using SteadyClock = std::chrono::steady_clock;

// The store's size on disk (the database and its WAL), KiB: what SQLite's page cache (at
// most 16 MiB) can grow with.
long StoreKiB(const std::string& data) {
  long total = 0;
  for (const char* f : {"/rampart.db", "/rampart.db-wal"}) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(data + f, ec);
    if (!ec) total += static_cast<long>(n / 1024);
  }
  return total;
}

long RssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Tenant {
  std::string id, key, meter;
  std::vector<std::string> ips;
};

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 600;
  const int rate = argc > 2 ? std::atoi(argv[2]) : 100;
  Server s({"--threads", "2"});
  if (s.Admin("POST", "/v1/admin/ip-pools",
              R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.112.0/22"})")
          .status != 201) {
    std::fprintf(stderr, "soak: cannot add the pool\n");
    return 1;
  }
  std::vector<Tenant> tenants;
  for (int i = 0; i < 4; ++i) {
    auto [id, key] = s.NewTenant("soak" + std::to_string(i), "50000000.00");
    const auto meter = s.Admin("POST", "/v1/admin/tenants/" + id + "/keys", R"({"role": "meter"})");
    tenants.push_back({id, key, Str(meter.Json(), "key"), {}});
  }
  const std::string order =
      R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 10, "elastic_gbps": 50, "months": 1})";

  std::mt19937 rng(20261202);
  long requests = 0, unexpected = 0, cut_by_kill = 0;
  long rss[4] = {0, 0, 0, 0};    // first half start/end, second half start/end
  long store[4] = {0, 0, 0, 0};  // the store's size at the same moments
  bool killed = false;
  const auto start = SteadyClock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(SteadyClock::now() - start).count(); };
  auto check = [&](const Reply& r, bool near_kill) {
    ++requests;
    if (r.status >= 500 || r.status <= 0) {
      if (near_kill && r.status <= 0) {
        ++cut_by_kill;
      } else {
        ++unexpected;
        std::fprintf(stderr, "soak: unexpected %d: %s\n", r.status, r.body.c_str());
      }
    }
  };
  double next_clock = 30;
  long tick = 0;
  while (elapsed() < seconds) {
    const double t = elapsed();
    if (!killed && t >= seconds / 2.0) {
      rss[1] = RssKiB(s.pid());
      store[1] = StoreKiB(s.data_dir());
      s.Crash();
      s.Start({});
      killed = true;
      std::printf("soak: kill -9 and restart at %.0f s\n", t);
    }
    if (rss[0] == 0 && t >= seconds * 0.25) {
      rss[0] = RssKiB(s.pid());
      store[0] = StoreKiB(s.data_dir());
    }
    if (killed && rss[2] == 0 && t >= seconds * 0.75) {
      rss[2] = RssKiB(s.pid());
      store[2] = StoreKiB(s.data_dir());
    }
    const bool near_kill = killed && t < seconds / 2.0 + 2;
    Tenant& tn = tenants[static_cast<size_t>(tick++) % tenants.size()];
    const int pick = static_cast<int>(rng() % 10);
    if (t >= next_clock) {
      check(s.Admin("POST", "/v1/admin/clock", R"({"advance_s": 600})"), near_kill);
      next_clock += 30;
    } else if (pick < 4) {
      check(s.Call("POST", "/v1/quotes", tn.key, order), near_kill);
    } else if (pick < 6) {
      const Reply o = s.Call("POST", "/v1/orders", tn.key, order);
      check(o, near_kill);
      if (o.status == 201) {
        check(s.Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", tn.key), near_kill);
      }
    } else if (pick < 9 && !tn.ips.empty()) {
      // A minute of usage for every IP the tenant has, a minute before the clock's now.
      const auto account = s.Call("GET", "/v1/account", tn.key);
      check(account, near_kill);
      if (account.status != 200) continue;
      const auto now = rampart::common::ParseRfc3339(Str(account.Json(), "now")).value();
      const auto window = std::chrono::floor<std::chrono::minutes>(now) - std::chrono::minutes(1);
      std::ostringstream body;
      for (const auto& ip : tn.ips) {
        body << R"({"ip": ")" << ip << R"(", "window_start": ")"
             << rampart::common::FormatRfc3339(window) << R"(", "attack_bps": )"
             << (rng() % 60) * 1'000'000'000LL << R"(, "in_bytes": )" << rng() % 1'000'000
             << R"(, "out_bytes": )" << rng() % 1'000'000 << "}\n";
      }
      check(s.Call("POST", "/v1/usage", tn.meter, body.str(),
                   {{"Content-Type", "application/x-ndjson"}}),
            near_kill);
    } else {
      const auto list = s.Call("GET", "/v1/resources?limit=200", tn.key);
      check(list, near_kill);
      if (list.status == 200) {
        tn.ips.clear();
        const auto items = list.Json();  // the loop must not outlive the parsed answer
        for (const auto& r : items.at("items").as_array()) {
          if (Str(r, "state") != "running") continue;
          for (const auto& ip : r.at("ips").as_array()) tn.ips.emplace_back(ip.as_string());
        }
      }
    }
    // The bounded rate: this request's slot.
    std::this_thread::sleep_until(start + std::chrono::microseconds(requests * 1'000'000 / rate));
  }
  rss[3] = RssKiB(s.pid());
  store[3] = StoreKiB(s.data_dir());
  int verified = 0;
  for (const auto& tn : tenants) {
    const auto v = s.Admin("GET", "/v1/admin/tenants/" + tn.id + "/ledger/verify");
    if (v.status == 200 && v.Json().at("ok").as_bool()) ++verified;
  }
  auto growth = [](long a, long b) { return a > 0 ? 100.0 * (b - a) / a : 0.0; };
  std::printf(
      "soak: %d s at %d req/s on %u cores: %ld requests, %ld unexpected errors, %ld cut by the "
      "kill\n",
      seconds, rate, std::thread::hardware_concurrency(), requests, unexpected, cut_by_kill);
  std::printf(
      "soak: RSS after a quarter's warm-up, first half %ld -> %ld KiB (%+.1f %%), second half "
      "%ld -> %ld KiB (%+.1f %%)\n",
      rss[0], rss[1], growth(rss[0], rss[1]), rss[2], rss[3], growth(rss[2], rss[3]));
  std::printf("soak: the store on disk meanwhile: %ld -> %ld KiB, %ld -> %ld KiB\n", store[0],
              store[1], store[2], store[3]);
  // SQLite's page cache grows with the store until its 16 MiB: growth beyond the store's own
  // is what a leak would show.
  constexpr long kPageCacheKiB = 16 * 1024;
  auto beyond = [&](int a, int b) {
    const long explained = std::clamp(store[b] - store[a], 0L, kPageCacheKiB);
    return growth(rss[a], rss[b] - explained);
  };
  std::printf("soak: RSS growth beyond the store's: %+.1f %%, %+.1f %% (target < 10 %%)\n",
              beyond(0, 1), beyond(2, 3));
  std::printf("soak: ledgers verified %d/%zu\n", verified, tenants.size());
  const bool ok = unexpected == 0 && verified == static_cast<int>(tenants.size()) &&
                  beyond(0, 1) < 10 && beyond(2, 3) < 10;
  std::printf("soak: %s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
