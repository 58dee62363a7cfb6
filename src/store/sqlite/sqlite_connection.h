// The embedded engine: a SQLite database file in WAL mode (synchronous=FULL, so a committed
// transaction survives a crash or kill -9), foreign keys on, prepared statements cached per
// SQL text. Not thread-safe: Database serialises access.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "store/sql.h"

struct sqlite3;
struct sqlite3_stmt;

namespace rampart::store {

class SqliteConnection final : public Connection {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" for a private one).
  static common::Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path);
  ~SqliteConnection() override;

  common::Result<std::vector<Row>> Query(std::string_view sql,
                                         std::span<const Value> params) override;
  common::Result<void> ExecScript(std::string_view sql) override;
  common::Result<void> Begin() override;
  common::Result<void> Commit() override;
  void Rollback() override;
  Dialect dialect() const override { return Dialect::kSqlite; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  common::Error LastError(std::string_view what) const;

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace rampart::store
