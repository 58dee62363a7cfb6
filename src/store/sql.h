// The SQL the modules speak, independent of the engine: statements with numbered parameters
// ($1, $2, ...; both SQLite and PostgreSQL accept them), values that are NULL, an integer,
// text or a blob, and rows as vectors of values. Two engines implement it: the embedded SQLite
// (sqlite/) and PostgreSQL (postgres/), chosen by `rampart serve --database`.
//
// A Connection is not thread-safe; Database (database.h) serialises access to one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/error.h"

namespace rampart::store {

// Bytes that are not text (stored as a BLOB / bytea).
struct Blob {
  std::string bytes;
};

using Value = std::variant<std::monostate, int64_t, std::string, Blob>;
using Row = std::vector<Value>;

inline bool IsNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }
// The integer in `v`; 0 for NULL. Asserts on text (a schema mistake, not bad input).
int64_t Int(const Value& v);
// The text in `v`; "" for NULL.
const std::string& Text(const Value& v);
// The bytes of a blob in `v`; "" for NULL.
const std::string& Bytes(const Value& v);

// The SQL dialect, for the few statements that differ (migrations' DDL).
enum class Dialect { kSqlite, kPostgres };

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement with its parameters and returns every row it produces. Errors:
  // `conflict` for a violated unique/primary key, `storage_error` otherwise.
  virtual common::Result<std::vector<Row>> Query(std::string_view sql,
                                                 std::span<const Value> params) = 0;
  // Runs several statements without parameters (migrations).
  virtual common::Result<void> ExecScript(std::string_view sql) = 0;
  // Transactions: BEGIN (taking the write lock at once), COMMIT, ROLLBACK.
  virtual common::Result<void> Begin() = 0;
  virtual common::Result<void> Commit() = 0;
  virtual void Rollback() = 0;

  // Convenience: parameters as a braced list.
  common::Result<std::vector<Row>> Query(std::string_view sql,
                                         std::initializer_list<Value> params = {}) {
    return Query(sql, std::span<const Value>(params.begin(), params.size()));
  }
};

}  // namespace rampart::store
