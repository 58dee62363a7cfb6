// `rampart backup --data DIR --out FILE`: a consistent copy of the embedded SQLite store while
// the server keeps serving. SQLite's online backup API copies one snapshot (in WAL mode the
// server's writes go on meanwhile, into the WAL); the copy is checked with
// `PRAGMA integrity_check`, synced, made 0600 and only then renamed to FILE, so FILE is either
// a whole, checked copy or absent. Restore: docs/operations.md.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "app/commands.h"

namespace rampart::app {
namespace {

namespace fs = std::filesystem;

struct Handle {
  sqlite3* db = nullptr;
  ~Handle() { sqlite3_close(db); }
};

int Fail(const std::string& message, int code) {
  std::cerr << "error: " << message << "\n";
  return code;
}

}  // namespace

int RunBackup(const BackupArgs& args) {
  const fs::path source = fs::path(args.data_dir) / "rampart.db";
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) {
    return Fail(source.string() +
                    " does not exist: --data must be a `rampart serve` data directory "
                    "(on PostgreSQL, back up with pg_dump: docs/operations.md)",
                2);
  }
  const fs::path out(args.out);
  const fs::path partial = out.string() + ".partial";
  fs::remove(partial, ec);

  Handle from, to;
  if (sqlite3_open_v2(source.c_str(), &from.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return Fail("cannot open " + source.string() + ": " + sqlite3_errmsg(from.db), 2);
  }
  sqlite3_busy_timeout(from.db, 10000);
  const mode_t old = umask(077);  // the copy holds what the data directory holds
  const int opened = sqlite3_open(partial.c_str(), &to.db);
  umask(old);
  if (opened != SQLITE_OK) {
    return Fail("cannot create " + partial.string() + ": " + sqlite3_errmsg(to.db), 2);
  }
  sqlite3_backup* backup = sqlite3_backup_init(to.db, "main", from.db, "main");
  if (!backup) return Fail(std::string("backup: ") + sqlite3_errmsg(to.db), 2);
  // One step copies one snapshot; a busy source (a checkpoint under way) is retried.
  int rc = SQLITE_OK;
  for (int tries = 0; tries < 100; ++tries) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    sqlite3_sleep(100);
  }
  const int pages = sqlite3_backup_pagecount(backup);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    fs::remove(partial, ec);
    return Fail(std::string("backup failed: ") + sqlite3_errstr(rc), 2);
  }
  // The copy must be a sound database before it takes FILE's name.
  std::string verdict;
  sqlite3_exec(
      to.db, "PRAGMA integrity_check",
      [](void* v, int, char** values, char**) {
        auto& s = *static_cast<std::string*>(v);
        if (!s.empty()) s += "; ";
        s += values[0] ? values[0] : "";
        return 0;
      },
      &verdict, nullptr);
  sqlite3_close(to.db);
  to.db = nullptr;
  if (verdict != "ok") {
    fs::remove(partial, ec);
    return Fail("the copy failed its integrity check: " + verdict, 1);
  }
  const int fd = ::open(partial.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Fail("cannot sync " + partial.string(), 2);
  }
  ::close(fd);
  fs::rename(partial, out, ec);
  if (ec) return Fail("cannot write " + out.string() + ": " + ec.message(), 2);
  std::cout << "backup: " << out.string() << " (" << pages << " pages, integrity ok). Keep it with "
            << (fs::path(args.data_dir) / "secrets.key")
            << ": webhook secrets are sealed with that key.\n";
  return 0;
}

}  // namespace rampart::app
