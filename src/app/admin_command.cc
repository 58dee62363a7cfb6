// `rampart admin rotate-key --data DIR [--database URL]`: a new admin key, every other admin
// key revoked, the new secret printed once on standard output (never logged or stored in
// clear). Works while the server runs: keys are checked against the store on every request.
#include <sys/stat.h>

#include <filesystem>
#include <iostream>

#include "account/account.h"
#include "app/commands.h"
#include "app/open_store.h"
#include "common/clock.h"

namespace rampart::app {

int RunRotateAdminKey(const AdminArgs& args) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (args.database.empty() && !fs::is_regular_file(fs::path(args.data_dir) / "rampart.db", ec)) {
    std::cerr << "error: " << (fs::path(args.data_dir) / "rampart.db").string()
              << " does not exist: --data must be a `rampart serve` data directory\n";
    return 2;
  }
  umask(077);
  auto db = OpenStore(args.data_dir, args.database, 1);
  if (!db) {
    std::cerr << "error: " << db.error().message << "\n";
    return 2;
  }
  // Key times are the wall clock's, also for a server on the simulated clock.
  common::SystemClock clock;
  auto key = (*db)->Transact(
      [&](store::Connection& c) { return account::RotateAdminKey(c, clock.Now()); });
  if (!key) {
    std::cerr << "error: " << key.error().message << "\n";
    return 1;
  }
  // A generated admin.key now holds a revoked key: remove it rather than leave it to mislead.
  const fs::path stale = fs::path(args.data_dir) / "admin.key";
  if (fs::exists(stale, ec)) fs::remove(stale, ec);
  std::cerr << "rampart: new admin key " << key->id
            << "; every other admin key is revoked. It is shown once, below.\n";
  std::cout << key->secret << "\n";
  return 0;
}

}  // namespace rampart::app
