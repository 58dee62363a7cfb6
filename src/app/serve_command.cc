// `rampart serve`: the HTTP API, the console and the job workers, on the embedded SQLite store
// or on PostgreSQL (several nodes may share one database).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "account/account.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "api/service.h"
#include "api/webhook_sender.h"
#include "app/commands.h"
#include "app/open_store.h"
#include "app/pricebook_arg.h"
#include "common/calendar.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "jobs/jobs.h"
#include "lifecycle/ip_pools.h"
#include "lifecycle/prefixes.h"
#include "lifecycle/term.h"
#include "notify/webhooks.h"
#include "ordering/orders.h"
#include "postpaid/block_store.h"
#include "postpaid/day_close.h"
#include "store/fault.h"
#include "store/meta.h"

namespace rampart::app {
namespace {

namespace fs = std::filesystem;

// Writes a secret to a new file readable only by its owner.
bool WriteSecret(const fs::path& path, const std::string& secret) {
  const mode_t old = umask(077);
  std::ofstream out(path, std::ios::trunc);
  out << secret << "\n";
  umask(old);
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  return static_cast<bool>(out);
}

common::Result<void> BootstrapAdminKey(store::Database& db, const fs::path& data,
                                       common::Instant now) {
  return db.Transact([&](store::Connection& c) -> common::Result<void> {
    auto any = RAMPART_TRY(account::AnyAdminKey(c));
    const char* env = std::getenv("RAMPART_ADMIN_KEY");
    if (any) {
      // The environment's key counts only on first start: say so when it is not (or no
      // longer) a live admin key here, rather than let the operator believe it works.
      if (env && *env) {
        auto who = account::Authenticate(c, env);
        if (!who || who->role != account::Role::kAdmin) {
          spdlog::warn(
              "RAMPART_ADMIN_KEY is not a live admin key of this database and is ignored (it is "
              "used only on first start); the admin keys are the stored ones: list them with GET "
              "/v1/admin/keys, replace them with `rampart admin rotate-key`");
        }
      }
      return {};
    }
    if (env && *env) {
      auto k = account::AdoptKey(c, account::Role::kAdmin, env, now);
      if (!k) {
        return common::Fail(k.error().code, "RAMPART_ADMIN_KEY: " + k.error().message);
      }
      spdlog::info("admin key taken from RAMPART_ADMIN_KEY");
      return {};
    }
    auto k = RAMPART_TRY(account::IssueKey(c, account::Role::kAdmin, "", now));
    const fs::path file = data / "admin.key";
    if (!WriteSecret(file, k.secret))
      return common::Fail(common::Code::kIoError, "cannot write " + file.string());
    spdlog::info("admin key written to {}", file.string());
    return {};
  });
}

// The demo: a tenant "demo" with a balance of 1,000,000.00 and its key in
// <data>/demo-tenant.key, and a /27 of 203.0.113.0/24 (TEST-NET-3) per hdip network.
common::Result<void> SetUpDemo(store::Database& db, const catalog::PriceBook& book,
                               const fs::path& data, common::Instant now) {
  return db.Transact([&](store::Connection& c) -> common::Result<void> {
    if (RAMPART_TRY(account::FindTenantByName(c, "demo"))) return {};
    auto t = account::CreateTenant(c, "demo", now);
    if (!t) return std::unexpected(t.error());
    RAMPART_TRY(account::Post(c, t->id, "topup", common::Money::FromYuan(1'000'000), "demo", now));
    auto k = RAMPART_TRY(account::IssueKey(c, account::Role::kTenant, t->id, now));
    if (!WriteSecret(data / "demo-tenant.key", k.secret)) {
      return common::Fail(common::Code::kIoError, "cannot write the demo key");
    }
    int block = 0;
    for (const auto& n : book.hdip_networks) {
      if (block == 8) break;
      const std::string cidr = "203.0.113." + std::to_string(block++ * 32) + "/27";
      RAMPART_TRY(lifecycle::AddPool(c, n.region, n.line, cidr, now));
    }
    // The demo tenant's own addresses, for hdp bindings (documentation ranges, like the pools).
    for (const char* prefix : {"198.51.100.0/24", "2001:db8:d::/48"}) {
      RAMPART_TRY(lifecycle::AddPrefix(c, t->id, prefix, now));
    }
    spdlog::info("demo tenant created; its key is in {}", (data / "demo-tenant.key").string());
    return {};
  });
}

// The 32-byte key that seals secrets at rest: read from `path` (64 hex digits), or made there
// (0600) when the file does not exist.
common::Result<std::string> LoadSecretsKey(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    const std::string hex = common::RandomHex(32);
    if (!WriteSecret(path, hex))
      return common::Fail(common::Code::kIoError, "cannot write " + path.string());
    spdlog::info("secrets key made in {} (keep it with the database's backups)", path.string());
  }
  std::ifstream in(path);
  std::string hex;
  in >> hex;
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return common::Fail(common::Code::kInvalidOption,
                        path.string() + " must hold a secrets key: 64 hex digits (32 bytes)");
  }
  std::string key(32, '\0');
  for (size_t i = 0; i < 32; ++i)
    key[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return key;
}

common::Result<common::Instant> SimulatedStart(store::Database& db, const std::string& start,
                                               common::Instant real_now) {
  return db.Transact([&](store::Connection& c) -> common::Result<common::Instant> {
    auto stored = RAMPART_TRY(store::ReadSimulatedNow(c));
    if (stored) return *stored;
    common::Instant t = real_now;
    if (!start.empty()) {
      auto parsed = common::ParseRfc3339(start);
      if (!parsed)
        return common::Fail(common::Code::kInvalidTime, "--start: " + parsed.error().message);
      t = *parsed;
    }
    RAMPART_TRY(store::WriteSimulatedNow(c, t));
    return t;
  });
}

common::Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return common::Fail(common::Code::kInvalidOption,
                        "--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return common::Fail(common::Code::kInvalidOption,
                        "--listen: \"" + port + "\" is not a port (0-65535)");
  }
  return std::make_pair(host, static_cast<uint16_t>(std::stoi(port)));
}

common::Result<ordering::DeliveryPolicy> ParseDelay(const std::string& text, uint64_t seed) {
  const size_t dash = text.find('-');
  try {
    ordering::DeliveryPolicy p;
    p.min_delay = common::Seconds(std::stoll(text.substr(0, dash)));
    p.max_delay = dash == std::string::npos ? p.min_delay
                                            : common::Seconds(std::stoll(text.substr(dash + 1)));
    p.seed = seed;
    if (p.min_delay.count() < 0 || p.max_delay < p.min_delay) throw std::invalid_argument("order");
    return p;
  } catch (const std::exception&) {
    return common::Fail(common::Code::kInvalidOption,
                        "--delivery-delay must be MIN-MAX seconds, e.g. 60-300");
  }
}

// The console's files: the given directory (which must hold a built console), else the
// installed copy beside the binary, else the source tree's web/dist. With neither, the API
// runs alone and says so.
common::Result<std::optional<api::ConsoleAssets>> LoadConsole(const std::string& given) {
  if (!given.empty()) {
    auto assets = RAMPART_TRY(api::ConsoleAssets::Load(given));
    spdlog::info("console: {} files from {}", assets.file_count(), given);
    return std::optional(std::move(assets));
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& dir : {exe.parent_path().parent_path() / "share/rampart/console",
                              fs::path(RAMPART_SOURCE_CONSOLE_DIR)}) {
    if (fs::is_regular_file(dir / "index.html", ec)) {
      auto assets = RAMPART_TRY(api::ConsoleAssets::Load(dir.string()));
      spdlog::info("console: {} files from {}", assets.file_count(), dir.string());
      return std::optional(std::move(assets));
    }
  }
  spdlog::warn("console not built (npm ci && npm run build in web/): serving the API only");
  return std::optional<api::ConsoleAssets>();
}

int Fail(const common::Error& e) {
  spdlog::error("{}", e.message);
  return 1;
}

// The data directory holds the database and keys: the owner's alone. Files made from here on
// (the database, its -wal and -shm, key files, backups) are 0600 by the umask; those of an
// older version are made so. Errors are left to the store's open, which names them.
void SecureDataDirectory(const fs::path& data) {
  std::error_code ec;
  umask(0077);
  fs::create_directories(data, ec);
  fs::permissions(data, fs::perms::owner_all, fs::perm_options::replace, ec);
  for (const auto& f : fs::recursive_directory_iterator(data, ec)) {
    fs::permissions(
        f.path(),
        f.is_directory() ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write,
        fs::perm_options::replace, ec);
  }
}

// What each kind of job does. The references must outlive the runner.
void HandleJobs(jobs::JobRunner& jobs, const catalog::PriceBook& book,
                const common::BillingCalendar& calendar, api::Metrics& metrics,
                int usage_retention_days) {
  jobs.On(std::string(ordering::kDeliverJob),
          [&](store::Connection& c, const jobs::Job& job, common::Instant now) {
            auto r = ordering::DeliverResource(c, calendar, job.subject, now);
            if (r) metrics.Count("rampart_deliveries_total", "outcome", "done");
            return r;
          });
  jobs.On(std::string(lifecycle::kReminderJob),
          [](store::Connection& c, const jobs::Job& job, common::Instant now) {
            return lifecycle::OnReminder(c, job.subject, now);
          });
  jobs.On(std::string(lifecycle::kExpireJob),
          [&](store::Connection& c, const jobs::Job& job, common::Instant now) {
            return lifecycle::OnExpire(c, book, calendar, job.subject, now);
          });
  jobs.On(std::string(lifecycle::kReleaseJob),
          [](store::Connection& c, const jobs::Job& job, common::Instant now) {
            return lifecycle::OnRelease(c, job.subject, now);
          });
  jobs.On(std::string(lifecycle::kForwardingJob),
          [](store::Connection& c, const jobs::Job& job, common::Instant now) {
            return lifecycle::OnForwardingMode(c, job.subject, now);
          });
  jobs.On(
      std::string(postpaid::kDayCloseJob),
      [&, usage_retention_days](store::Connection& c, const jobs::Job& job, common::Instant now) {
        auto r = postpaid::OnDayClose(c, book, calendar, job.subject, now, usage_retention_days);
        if (r) metrics.Count("rampart_day_closes_total", "outcome", "done");
        return r;
      });
  jobs.On(std::string(ordering::kLapseJob),
          [](store::Connection& c, const jobs::Job& job, common::Instant now) {
            return ordering::LapseOrder(c, job.subject, now);
          });
}

// Schedules today's day close (each close schedules the next) and, on PostgreSQL, creates the
// coming days' usage partitions (each close does too; here for a new database).
common::Result<void> PrepareDayClose(store::Database& db, const common::BillingCalendar& calendar,
                                     common::Instant now) {
  if (auto p = db.Transact([&](store::Connection& c) {
        return postpaid::EnsureUsagePartitions(c, calendar.DayOf(now), 3);
      });
      !p) {
    // Another node starting at the same moment may have created them: not fatal.
    spdlog::warn("usage partitions: {}", p.error().message);
  }
  return db.Transact([&](store::Connection& c) {
    return postpaid::ScheduleDayClose(c, calendar, calendar.DayOf(now));
  });
}

// Descriptors: the soft limit raised to the hard one; connections (`requested`, or by default
// half the descriptors, 16-4096) bounded well below it, since the database, the WAL, webhooks
// and the console need some too.
int MaxConnections(int requested) {
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
    getrlimit(RLIMIT_NOFILE, &nofile);
  }
  const int max_connections =
      requested > 0 ? requested
                    : static_cast<int>(std::clamp<rlim_t>(nofile.rlim_cur / 2, 16, 4096));
  if (static_cast<rlim_t>(max_connections) + 64 > nofile.rlim_cur) {
    spdlog::warn("--max-connections {} is close to the descriptor limit {}", max_connections,
                 nofile.rlim_cur);
  }
  return max_connections;
}

// The HTTP server's settings from the command line.
api::HttpServerOptions ServerOptions(const ServeArgs& args,
                                     const std::pair<std::string, uint16_t>& listen) {
  api::HttpServerOptions options;
  options.max_connections = MaxConnections(args.max_connections);
  options.address = listen.first;
  options.port = listen.second;
  options.threads = args.threads;
  options.request_timeout = std::chrono::seconds(args.request_timeout_s);
  options.idle_timeout = std::chrono::seconds(args.idle_timeout_s);
  options.tls_cert = args.tls_cert;
  options.tls_key = args.tls_key;
  return options;
}

// On the real clock a worker thread runs due jobs every second until destroyed; on the
// simulated clock there is none (jobs run when POST /v1/admin/clock moves time).
class JobWorker {
 public:
  JobWorker(jobs::JobRunner& jobs, common::Clock& clock, bool simulated) {
    if (simulated) return;
    thread_ = std::thread([this, &jobs, &clock] {
      std::unique_lock lock(mutex_);
      while (!stopping_) {
        lock.unlock();
        if (auto r = jobs.RunDue(clock.Now(), nullptr); !r) {
          spdlog::error("jobs: {}", r.error().message);
        }
        lock.lock();
        wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
      }
    });
  }
  ~JobWorker() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  JobWorker(const JobWorker&) = delete;
  JobWorker& operator=(const JobWorker&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Waits for SIGTERM or SIGINT (blocked in `signals` before any thread started), reloading the
// TLS certificate on each SIGHUP meanwhile. Returns the signal that ends the server.
int WaitForStop(const sigset_t& signals, api::HttpServer& server, const ServeArgs& args) {
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    if (auto r = server.ReloadTls(); !r) {
      spdlog::error("SIGHUP: {}; the previous certificate stays in use", r.error().message);
    } else if (!args.tls_cert.empty()) {
      spdlog::info("SIGHUP: TLS certificate reloaded from {}", args.tls_cert);
    }
  }
  return sig;
}

}  // namespace

int RunServe(const ServeArgs& args) {
  auto book = LoadPriceBook(args.pricebook);
  if (!book) return Fail(book.error());
  auto calendar = common::BillingCalendar::Create(book->time_zone);
  if (!calendar) return Fail(calendar.error());
  auto listen = ParseListen(args.listen);
  if (!listen) return Fail(listen.error());
  auto delivery = ParseDelay(args.delivery_delay, args.seed);
  if (!delivery) return Fail(delivery.error());
  if (args.tls_cert.empty() != args.tls_key.empty()) {
    return Fail(
        common::Error{common::Code::kInvalidOption, "--tls-cert and --tls-key go together", ""});
  }

  const fs::path data(args.data_dir);
  SecureDataDirectory(data);
  auto opened = OpenStore(args.data_dir, args.database, args.database_connections);
  if (!opened) return Fail(opened.error());
  if (!args.database.empty()) spdlog::info("store: PostgreSQL, {} connections", (*opened)->size());
  store::Database& db = **opened;

  common::SystemClock system_clock;
  std::unique_ptr<common::SimulatedClock> simulated;
  if (args.simulated_clock) {
    auto start = SimulatedStart(db, args.start, system_clock.Now());
    if (!start) return Fail(start.error());
    simulated = std::make_unique<common::SimulatedClock>(*start);
    spdlog::info("simulated clock at {}", common::FormatRfc3339(*start));
  }
  common::Clock& clock = simulated ? static_cast<common::Clock&>(*simulated) : system_clock;

  if (auto k = BootstrapAdminKey(db, data, clock.Now()); !k) return Fail(k.error());
  auto secrets_key = LoadSecretsKey(
      args.secrets_key_file.empty() ? data / "secrets.key" : fs::path(args.secrets_key_file));
  if (!secrets_key) return Fail(secrets_key.error());
  auto sealed =
      db.Transact([&](store::Connection& c) { return notify::SealSecretsAtRest(c, *secrets_key); });
  if (!sealed) return Fail(sealed.error());
  if (*sealed > 0) spdlog::info("sealed {} webhook secrets stored in clear", *sealed);
  if (args.demo) {
    if (auto d = SetUpDemo(db, *book, data, clock.Now()); !d) return Fail(d.error());
  }

  api::Metrics metrics;
  jobs::JobRunner jobs(db);
  HandleJobs(jobs, *book, *calendar, metrics, args.usage_retention_days);
  // Today's close is always scheduled; each close schedules the next.
  if (auto d = PrepareDayClose(db, *calendar, clock.Now()); !d) return Fail(d.error());

  auto console = LoadConsole(args.console_dir);
  if (!console) return Fail(console.error());

  api::ServiceDeps deps;
  deps.db = &db;
  deps.book = &*book;
  deps.calendar = &*calendar;
  deps.clock = &clock;
  deps.simulated = simulated.get();
  deps.jobs = &jobs;
  deps.delivery = *delivery;
  deps.metrics = &metrics;
  deps.console = console->has_value() ? &**console : nullptr;
  deps.allow_private_origins = args.allow_private_origins;
  deps.webhook_allow_private = args.webhook_allow_private;
  deps.secrets_key = *secrets_key;
  deps.rate_limit = args.rate_limit;
  api::ApiService service(deps);
  api::WebhookSenderOptions webhook_options;
  webhook_options.allow_private = args.webhook_allow_private;
  webhook_options.secrets_key = *secrets_key;
  webhook_options.ca_file = args.webhook_ca;
  std::unique_ptr<api::WebhookSender> webhooks;
  try {
    webhooks = std::make_unique<api::WebhookSender>(db, clock, webhook_options);
  } catch (const std::runtime_error& e) {
    return Fail(common::Error{common::Code::kInvalidOption, e.what(), ""});
  }

  // Signals are taken synchronously by this thread; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);  // reloads the TLS certificate
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  api::HttpServer server(ServerOptions(args, *listen),
                         [&](const api::HttpRequest& r) { return service.Handle(r); });
  auto port = server.Start();
  if (!port) return Fail(port.error());
  std::printf("rampart: listening on %s://%s:%u\n", args.tls_cert.empty() ? "http" : "https",
              listen->first.c_str(), *port);
  store::ArmFaultInjection();  // a no-op unless a crash test asked for it (store/fault.h)
  std::fflush(stdout);

  webhooks->Start();
  {
    JobWorker worker(jobs, clock, simulated != nullptr);
    const int sig = WaitForStop(signals, server, args);
    spdlog::info("{} received: finishing in-flight requests",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    server.Stop();
    webhooks->Stop();
  }  // the job worker stops last
  spdlog::info("stopped");
  return 0;
}

}  // namespace rampart::app
