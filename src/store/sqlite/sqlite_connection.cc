#include "store/sqlite/sqlite_connection.h"

#include <sqlite3.h>

#include <cstdlib>

#include "store/fault.h"

namespace rampart::store {

common::Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return common::Fail(common::Code::kStorageError, "cannot open " + path + ": " + message);
  }
  std::unique_ptr<SqliteConnection> c(new SqliteConnection(db));
  sqlite3_busy_timeout(db, 5000);
  if (auto r =
          c->ExecScript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                        "PRAGMA cache_size=-16384;");
      !r) {
    return std::unexpected(r.error());
  }
  return c;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [_, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

common::Error SqliteConnection::LastError(std::string_view what) const {
  const int code = sqlite3_extended_errcode(db_);
  const bool constraint = (code & 0xff) == SQLITE_CONSTRAINT;
  return common::Error{constraint ? common::Code::kConflict : common::Code::kStorageError,
                       std::string(what) + ": " + sqlite3_errmsg(db_), ""};
}

common::Result<std::vector<Row>> SqliteConnection::Query(std::string_view sql,
                                                         std::span<const Value> params) {
  sqlite3_stmt*& stmt = statements_[std::string(sql)];
  if (!stmt && sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    auto e = LastError("prepare");
    statements_.erase(std::string(sql));
    return std::unexpected(e);
  }
  // SQLite numbers "$n" parameters by first appearance; each slot is bound to params[n - 1]
  // from its name, so any order works. (Walking the slots is linear; looking each name up
  // would be quadratic in a many-row INSERT.)
  const int slots = sqlite3_bind_parameter_count(stmt);
  for (int index = 1; index <= slots; ++index) {
    const char* name = sqlite3_bind_parameter_name(stmt, index);
    if (!name || name[0] != '$') continue;
    const size_t n = std::strtoull(name + 1, nullptr, 10);
    if (n == 0 || n > params.size()) continue;  // unbound: NULL, as before
    const Value& v = params[n - 1];
    if (IsNull(v)) {
      sqlite3_bind_null(stmt, index);
    } else if (const auto* n = std::get_if<int64_t>(&v)) {
      sqlite3_bind_int64(stmt, index, *n);
    } else if (const auto* b = std::get_if<Blob>(&v)) {
      sqlite3_bind_blob(stmt, index, b->bytes.data(), static_cast<int>(b->bytes.size()),
                        SQLITE_TRANSIENT);
    } else {
      const std::string& s = std::get<std::string>(v);
      sqlite3_bind_text(stmt, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
  }
  std::vector<Row> rows;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const int n = sqlite3_column_count(stmt);
    Row row(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_NULL:
          break;
        case SQLITE_INTEGER:
          row[static_cast<size_t>(c)] = static_cast<int64_t>(sqlite3_column_int64(stmt, c));
          break;
        case SQLITE_BLOB: {
          const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, c));
          row[static_cast<size_t>(c)] =
              Blob{std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt, c)))};
          break;
        }
        default:
          row[static_cast<size_t>(c)] =
              std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                          static_cast<size_t>(sqlite3_column_bytes(stmt, c)));
      }
    }
    rows.push_back(std::move(row));
  }
  common::Result<std::vector<Row>> out = std::move(rows);
  if (rc != SQLITE_DONE) out = std::unexpected(LastError("query"));
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  return out;
}

common::Result<void> SqliteConnection::ExecScript(std::string_view sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return common::Fail(common::Code::kStorageError, text);
  }
  return {};
}

common::Result<void> SqliteConnection::Begin() { return ExecScript("BEGIN IMMEDIATE"); }
common::Result<void> SqliteConnection::Commit() {
  FaultCommitDelay();
  return ExecScript("COMMIT");
}
void SqliteConnection::Rollback() { (void)ExecScript("ROLLBACK"); }

}  // namespace rampart::store
