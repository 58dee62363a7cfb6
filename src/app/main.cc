// rampart: one binary, one subcommand per job (api.md "Command line").
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <iostream>

#include "app/commands.h"
#include "collect/collector.h"
#include "forward/forwarder.h"

namespace {

// The quote body from individual flags, in the API's shape; unset flags are left out so the
// API's defaults and checks apply unchanged.
struct QuoteFlags {
  std::string product, region, line, scope, forwarding_mode;
  std::optional<int64_t> ip_count, base_gbps, elastic_gbps, quantity, months;

  std::string ToBody() const {
    boost::json::object o;
    if (!product.empty()) o["product"] = product;
    if (!region.empty()) o["region"] = region;
    if (!line.empty()) o["line"] = line;
    if (!scope.empty()) o["scope"] = scope;
    if (!forwarding_mode.empty()) o["forwarding_mode"] = forwarding_mode;
    if (ip_count) o["ip_count"] = *ip_count;
    if (base_gbps) o["base_gbps"] = *base_gbps;
    if (elastic_gbps) o["elastic_gbps"] = *elastic_gbps;
    if (quantity) o["quantity"] = *quantity;
    if (months) o["months"] = *months;
    return boost::json::serialize(o);
  }
};

// `rampart serve --config FILE`: the file's `name = value` lines become options placed
// before the command line's own, so what is typed wins. Returns an error message or "".
std::string ExpandConfig(std::vector<std::string>& args) {
  auto it = std::find_if(args.begin(), args.end(), [](const std::string& a) {
    return a == "--config" || a.rfind("--config=", 0) == 0;
  });
  if (it == args.end() || std::find(args.begin(), it, "serve") == it) return "";
  std::string path;
  if (*it == "--config") {
    if (std::next(it) == args.end()) return "--config needs a file";
    path = *std::next(it);
    it = args.erase(it, std::next(it, 2));
  } else {
    path = it->substr(9);
    it = args.erase(it);
  }
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(path);
  } catch (const CLI::Error& e) {
    return path + ": " + e.what();
  }
  // What is typed wins: an option given on the command line is not taken from the file too
  // (CLI11 would refuse it given twice).
  std::set<std::string> typed;
  for (auto a = std::find(args.begin(), args.end(), "serve"); a != args.end(); ++a) {
    if (a->rfind("--", 0) == 0) typed.insert(a->substr(2, a->find('=') - 2));
  }
  std::vector<std::string> from_file;
  for (const auto& item : items) {
    if (item.name == "++" || item.name == "--" || item.inputs.empty()) continue;  // sections
    if (typed.count(item.name)) continue;
    const std::string& value = item.inputs.front();
    if (value == "true") {
      from_file.push_back("--" + item.name);
    } else if (value != "false") {
      from_file.push_back("--" + item.name);
      from_file.push_back(value);
    }
  }
  const auto serve = std::find(args.begin(), args.end(), "serve");
  args.insert(std::next(serve), from_file.begin(), from_file.end());
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Rampart: sell, deliver, meter and bill DDoS protection"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "rampart 0.1.0");

  // quote
  rampart::app::QuoteArgs quote;
  QuoteFlags flags;
  std::string pricebook_q;
  auto* q = app.add_subcommand("quote", "Price a purchase offline from the price book");
  q->add_option("--pricebook", pricebook_q, "Price book TOML (default: the built-in one)");
  q->add_option("--json", quote.body,
                "The purchase as the API's quote body, e.g. "
                "'{\"product\":\"hdip\",\"region\":\"cn-south\",\"line\":\"bgp\",\"base_gbps\":30,"
                "\"months\":6,\"quantity\":2}'");
  q->add_option("--product", flags.product, "hdip or hdp");
  q->add_option("--region", flags.region, "Region, e.g. cn-south");
  q->add_option("--line", flags.line, "hdip network line, e.g. bgp");
  q->add_option("--scope", flags.scope, "hdp protection scope: single or multi");
  q->add_option("--ip-count", flags.ip_count, "hdp number of IPs");
  q->add_option("--base", flags.base_gbps, "Base protection peak, Gbps");
  q->add_option("--elastic", flags.elastic_gbps, "Elastic protection peak, Gbps (0 = off)");
  q->add_option("--forwarding-mode", flags.forwarding_mode, "hdip: by_traffic or by_bandwidth");
  q->add_option("--quantity", flags.quantity, "Resources in the order (1-10)");
  q->add_option("--months", flags.months, "Duration: 1-12, 24 or 36 months");
  q->add_flag("--returning-customer", quote.returning_customer,
              "Not the customer's first hdp (lifts the 3-month minimum)");

  // rate
  rampart::app::RateArgs rate;
  std::string pricebook_r;
  bool quiet = false;
  auto* r =
      app.add_subcommand("rate", "Rate one billing day offline and print the daily bills as JSON");
  r->add_option("--resources", rate.resources_path, "Resources JSON (an array)")->required();
  r->add_option("--usage", rate.usage_path,
                "Usage CSV: window_start,window_s,ip,attack_bps,in_bytes,out_bytes ('-' = stdin)")
      ->required();
  r->add_option("--day", rate.day, "Billing day YYYY-MM-DD, in the price book's time zone")
      ->required();
  r->add_option("--pricebook", pricebook_r, "Price book TOML (default: the built-in one)");
  r->add_option("--output,-o", rate.output_path, "Write the bills here instead of stdout");
  r->add_flag("--strict", rate.strict, "Stop at the first bad row instead of skipping it");
  r->add_flag("--quiet,-q", quiet, "No progress line");

  // serve
  rampart::app::ServeArgs serve;
  std::string pricebook_s;
  auto* sv = app.add_subcommand("serve", "Run the HTTP API, its workers and the console");
  sv->add_option("--listen", serve.listen, "ADDRESS:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  sv->add_option("--data", serve.data_dir, "Data directory (SQLite database, keys)")
      ->capture_default_str();
  sv->add_option("--database", serve.database,
                 "PostgreSQL instead of the embedded SQLite: postgres://user@host:port/db");
  sv->add_option("--database-connections", serve.database_connections,
                 "PostgreSQL connections of this node (requests overlap their round trips)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  sv->add_option("--pricebook", pricebook_s, "Price book TOML (default: the built-in one)");
  sv->add_flag("--simulated-clock", serve.simulated_clock,
               "Time moves only through POST /v1/admin/clock");
  sv->add_option("--start", serve.start, "Simulated clock's start for a new database (RFC 3339)");
  sv->add_flag("--demo", serve.demo,
               "Create a demo tenant (key in DATA/demo-tenant.key) and IP pools");
  sv->add_option("--delivery-delay", serve.delivery_delay, "Delivery delay range, seconds MIN-MAX")
      ->capture_default_str();
  sv->add_option("--seed", serve.seed, "Seed of the delivery delays");
  sv->add_option("--threads", serve.threads, "HTTP threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  sv->add_option("--request-timeout", serve.request_timeout_s, "Seconds to receive a request")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  sv->add_option("--idle-timeout", serve.idle_timeout_s, "Seconds a kept-alive connection may idle")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  sv->add_option("--max-connections", serve.max_connections,
                 "Open connections at most; more are closed at once (default: half the "
                 "descriptor limit, at most 4096)")
      ->check(CLI::Range(1, 1'000'000));
  sv->add_option("--usage-retention-days", serve.usage_retention_days,
                 "Days of stored usage kept (4 at least: late samples re-rate 72 h back)")
      ->capture_default_str()
      ->check(CLI::Range(4, 3650));
  sv->add_flag("--webhook-allow-private", serve.webhook_allow_private,
               "Deliver webhooks to loopback and private addresses too (off: SSRF guard)");
  sv->add_flag("--allow-private-origins", serve.allow_private_origins,
               "Let forwarding rules name private and loopback origins (for operators whose "
               "origins live in their own network; off: origins must be public)");
  sv->add_option("--console-dir", serve.console_dir,
                 "The built console (web/dist) served at /; default: the installed one, "
                 "else the source tree's");
  sv->add_option("--secrets-key-file", serve.secrets_key_file,
                 "The key that seals webhook secrets at rest (64 hex digits; made, 0600, when "
                 "missing). Nodes sharing a database share it. Default: DATA/secrets.key");
  sv->add_option("--webhook-ca", serve.webhook_ca,
                 "A PEM file of CAs trusted for https:// webhooks besides the system's");
  sv->add_option("--rate-limit", serve.rate_limit,
                 "Requests per second per API key, and per client address for requests without "
                 "a valid key (bursts of twice that); beyond it 429 with Retry-After. 0: none")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000));
  sv->add_option("--tls-cert", serve.tls_cert,
                 "Serve HTTPS only (TLS 1.2+) with this PEM certificate chain; reloaded on SIGHUP");
  sv->add_option("--tls-key", serve.tls_key, "The PEM private key of --tls-cert");
  std::string config_file;  // read before parsing: see ExpandConfig
  sv->add_option("--config", config_file,
                 "Read options from a TOML file: one `name = value` per option (listen, data, "
                 "database, usage-retention-days, ...); the command line wins");

  // backup
  rampart::app::BackupArgs backup;
  auto* bk = app.add_subcommand(
      "backup", "Copy the embedded store consistently while the server runs, and verify it");
  bk->add_option("--data", backup.data_dir, "The server's data directory")->required();
  bk->add_option("--out", backup.out, "The copy (an SQLite database file)")->required();

  // forward
  rampart::forward::ForwardOptions forward;
  auto* fw = app.add_subcommand(
      "forward",
      "Carry the hdips' business traffic (TCP and UDP forwarding rules), enforce their "
      "protection policies and post the forwarded bytes as usage");
  fw->add_option("--server", forward.server, "The Rampart server: http(s)://HOST:PORT")->required();
  fw->add_option("--key", forward.key, "An agent key (POST /v1/admin/keys {\"role\": \"agent\"})")
      ->envname("RAMPART_AGENT_KEY")
      ->required();
  fw->add_option("--ca", forward.ca_file, "Extra CAs (PEM) to trust for an https:// server");
  fw->add_option("--name", forward.name,
                 "This forwarder's name in its usage source forward:NAME:START (1-32 of a-z 0-9 "
                 ". _ -; default: the host name)")
      ->check([](const std::string& v) -> std::string {
        if (v.empty() || v.size() > 32) return "1-32 characters";
        for (char c : v) {
          if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                c == '-'))
            return "only a-z 0-9 . _ -";
        }
        return "";
      });
  fw->add_option("--metrics", forward.metrics, "Serve /metrics on ADDR:PORT");
  fw->add_option("--state-dir", forward.state_dir,
                 "Keep the last configuration and the usage not yet posted here (survives "
                 "restarts while the server is unreachable)");
  fw->add_option("--connect-timeout-s", forward.connect_timeout_s, "Origin connect timeout")
      ->check(CLI::Range(1, 300))
      ->capture_default_str();
  fw->add_option("--idle-timeout-s", forward.idle_timeout_s, "TCP idle timeout")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
  fw->add_option("--udp-idle-timeout-s", forward.udp_idle_timeout_s, "UDP session idle timeout")
      ->check(CLI::Range(1, 3'600))
      ->capture_default_str();
  fw->add_option("--drain-s", forward.drain_s, "On SIGTERM, how long open connections may finish")
      ->check(CLI::Range(0, 3'600))
      ->capture_default_str();
  fw->add_option("--max-connections", forward.max_connections,
                 "TCP connections and UDP sessions in all")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
      ->capture_default_str();
  fw->add_option("--max-sessions-per-rule", forward.max_sessions_per_rule,
                 "Connections and sessions per forwarding rule")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
      ->capture_default_str();
  fw->add_option("--max-sessions-per-source", forward.max_sessions_per_source,
                 "Connections and sessions per client address (white list exempt)")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
      ->capture_default_str();
  fw->add_option("--max-seconds", forward.max_seconds, "Stop after this many seconds (tests)");

  // collect
  rampart::collect::CollectOptions collect;
  std::vector<std::string> collect_sampling;
  auto* co = app.add_subcommand(
      "collect",
      "Measure attacks from NetFlow v5/v9/IPFIX and sFlow v5 exports and post usage windows "
      "(live), or "
      "recompute the usage CSV from archived exports (--replay)");
  co->add_option("--server", collect.server, "The Rampart server: http(s)://HOST:PORT");
  co->add_option("--key", collect.key, "An agent key (POST /v1/admin/keys {\"role\": \"agent\"})")
      ->envname("RAMPART_AGENT_KEY");
  co->add_option("--ca", collect.ca_file, "Extra CAs (PEM) to trust for an https:// server");
  auto* netflow_opt =
      co->add_option("--netflow", collect.netflow,
                     "Where NetFlow v5/v9 and IPFIX arrive (UDP; not opened when only --sflow "
                     "is given)")
          ->capture_default_str();
  co->add_option("--sflow", collect.sflow, "Where sFlow v5 arrives (UDP), e.g. 0.0.0.0:6343");
  co->add_option("--source", collect.source,
                 "This collector's name in the samples (1-64 of a-z 0-9 . _ : -); collectors "
                 "at several sites add up")
      ->capture_default_str();
  co->add_option("--state-dir", collect.state_dir,
                 "Templates, windows, revisions and unsent samples, kept across restarts");
  co->add_option("--archive", collect.archive_dir,
                 "Keep every datagram received (hourly pcap files) for --replay");
  co->add_option("--metrics", collect.metrics, "Serve /metrics on ADDR:PORT");
  co->add_option("--grace-s", collect.grace_s,
                 "Seconds after a window's end before it is posted (later records post it again)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  co->add_flag("--count-bytes", collect.count_bytes,
               "Report clean inbound and outbound bytes too (forwarded-traffic billing)");
  co->add_option("--sampling", collect_sampling,
                 "EXPORTER=N: count 1 in N packets for this exporter, whatever it says");
  co->add_option("--replay", collect.replay, "Offline: pcap files of flow exports, in order");
  co->add_option("--resources", collect.resources_path,
                 "Offline: the resources file (as `rampart rate` reads it)");
  co->add_option("--usage-out", collect.usage_out, "Offline: the usage CSV to write (- = stdout)");
  co->add_option("--max-seconds", collect.max_seconds, "Stop after this many seconds (tests)");

  // admin
  rampart::app::AdminArgs admin;
  auto* ad = app.add_subcommand("admin", "Operator tools");
  ad->require_subcommand(1);
  auto* rotate = ad->add_subcommand(
      "rotate-key", "Issue a new admin key, revoke every other, and print the new one once");
  rotate->add_option("--data", admin.data_dir, "The server's data directory")
      ->capture_default_str();
  rotate->add_option("--database", admin.database,
                     "PostgreSQL instead of the embedded SQLite: postgres://user@host:port/db");

  // pricebook
  auto* pb = app.add_subcommand("pricebook", "Price book tools");
  pb->require_subcommand(1);
  std::string check_path;
  auto* check = pb->add_subcommand("check", "Validate a price book and say exactly what is wrong");
  check->add_option("FILE", check_path, "Price book TOML")->required();
  auto* show_default = pb->add_subcommand("default", "Print the built-in price book (a template)");

  std::vector<std::string> args(argv, argv + argc);
  if (auto expanded = ExpandConfig(args); !expanded.empty()) {
    std::cerr << "error: " << expanded << "\n";
    return 2;
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes arguments in reverse order
  args.pop_back();                         // without the program name
  try {
    app.parse(std::move(args));
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (q->parsed()) {
    if (!pricebook_q.empty()) quote.pricebook.path = pricebook_q;
    if (quote.body.empty()) {
      quote.body = flags.ToBody();
    } else if (flags.ToBody() != "{}") {
      std::cerr << "error: give either --json or the option flags, not both\n";
      return 1;
    }
    return rampart::app::RunQuote(quote);
  }
  if (r->parsed()) {
    if (!pricebook_r.empty()) rate.pricebook.path = pricebook_r;
    rate.progress = !quiet;
    return rampart::app::RunRate(rate);
  }
  if (sv->parsed()) {
    if (!pricebook_s.empty()) serve.pricebook.path = pricebook_s;
    return rampart::app::RunServe(serve);
  }
  if (bk->parsed()) return rampart::app::RunBackup(backup);
  if (co->parsed()) {
    if (!collect.sflow.empty() && netflow_opt->count() == 0) collect.netflow.clear();
    for (const auto& s : collect_sampling) {
      const size_t eq = s.find('=');
      auto ip = rampart::common::IpAddress::Parse(s.substr(0, eq));
      int64_t n = 0;
      try {
        n = eq == std::string::npos ? 0 : std::stoll(s.substr(eq + 1));
      } catch (...) {
      }
      if (!ip || n < 1 || n > 1'000'000) {
        std::cerr << "error: --sampling " << s << ": give EXPORTER_IP=N (N 1-1000000)\n";
        return 1;
      }
      collect.sampling[*ip] = static_cast<uint32_t>(n);
    }
    if (!rampart::collect::ValidSourceName(collect.source)) {
      std::cerr << "error: --source must be 1-64 of a-z 0-9 . _ : -\n";
      return 1;
    }
    if (!collect.replay.empty()) {
      if (collect.resources_path.empty() || collect.usage_out.empty()) {
        std::cerr << "error: --replay needs --resources and --usage-out\n";
        return 1;
      }
      return rampart::collect::RunReplay(collect);
    }
    return rampart::collect::RunLive(collect);
  }
  if (fw->parsed()) {
    if (forward.name.empty()) forward.name = rampart::forward::DefaultForwarderName();
    return rampart::forward::RunForward(forward);
  }
  if (rotate->parsed()) return rampart::app::RunRotateAdminKey(admin);
  if (check->parsed()) return rampart::app::RunPricebookCheck(check_path);
  if (show_default->parsed()) return rampart::app::RunPricebookDefault();
  return 1;
}
