// The offline subcommands of `rampart` (api.md "Command line"). Each returns the process exit
// code: 0 success, 1 bad input or a failed check (explained on stderr), 2 I/O failure.
#pragma once

#include <optional>
#include <string>

namespace rampart::app {

// Loads the price book: `path` when given, the built-in default otherwise.
struct PriceBookArg {
  std::optional<std::string> path;
};

struct QuoteArgs {
  PriceBookArg pricebook;
  std::string body;                 // the quote body as JSON, built from flags when not given
  bool returning_customer = false;  // lifts the first-hdp-purchase minimum
};
int RunQuote(const QuoteArgs& args);

struct RateArgs {
  PriceBookArg pricebook;
  std::string resources_path;
  std::string usage_path;   // "-" = standard input
  std::string day;          // YYYY-MM-DD
  std::string output_path;  // empty = standard output
  bool strict = false;      // the first bad row is fatal
  bool progress = true;     // on a terminal only
};
int RunRate(const RateArgs& args);

struct ServeArgs {
  PriceBookArg pricebook;
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./rampart-data";
  std::string database;          // postgres://...; empty = SQLite in data_dir
  int database_connections = 4;  // PostgreSQL connections of this node
  bool simulated_clock = false;
  std::string start;  // RFC 3339; the simulated clock's start for a new database
  bool demo = false;  // a demo tenant with a balance and demo IP pools
  std::string delivery_delay = "60-300";  // seconds, "MIN-MAX"
  uint64_t seed = 0;                      // of the delivery delays
  int threads = 2;
  int max_connections = 0;             // 0: half the descriptor limit, at most 4096
  int request_timeout_s = 30;          // to receive a whole request
  int idle_timeout_s = 60;             // between requests on a kept-alive connection
  int usage_retention_days = 90;       // stored usage kept this long (at least 4 days)
  bool webhook_allow_private = false;  // deliver webhooks to private/loopback addresses too
  bool allow_private_origins = false;  // forwarding rules may name private origins
  std::string console_dir;        // empty: share/rampart/console beside the binary, else web/dist
  std::string secrets_key_file;   // empty: DATA/secrets.key, made on first start
  std::string webhook_ca;         // extra CAs (PEM) trusted for https:// webhooks
  int rate_limit = 0;             // requests/s per key and per keyless address; 0 = none
  std::string tls_cert, tls_key;  // PEM files: serve HTTPS only (reloaded on SIGHUP)
};
// Runs until SIGTERM or SIGINT, then stops gracefully.
int RunServe(const ServeArgs& args);

struct BackupArgs {
  std::string data_dir;  // a `rampart serve` data directory (SQLite)
  std::string out;       // the copy; written whole or not at all
};
// A consistent, verified copy of the embedded store while the server runs.
int RunBackup(const BackupArgs& args);

struct AdminArgs {
  std::string data_dir = "./rampart-data";
  std::string database;  // postgres://...; empty = SQLite in data_dir
};
// Issues a new admin key, revokes the others and prints the new one once.
int RunRotateAdminKey(const AdminArgs& args);

int RunPricebookCheck(const std::string& path);
int RunPricebookDefault();

}  // namespace rampart::app
