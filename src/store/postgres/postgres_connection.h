// The scale-out engine: a PostgreSQL connection through libpq, speaking the same SQL as the
// SQLite one ($n parameters, RETURNING, ON CONFLICT). Integers come back as int64 (bigint,
// integer, numeric sums, booleans), bytea as Blob, everything else as text. Unique and other
// integrity violations are `conflict`. A connection the database dropped (a restart, a
// failover, a network cut) answers `database_unavailable` and is re-established at the next
// Begin(), so service resumes by itself once the database is back; connecting gives up after
// 5 s (`connect_timeout` in the URL overrides it). Not thread-safe: Database serialises access.
#pragma once

#include <memory>
#include <string>

#include "store/sql.h"

struct pg_conn;

namespace rampart::store {

class PostgresConnection final : public Connection {
 public:
  // `url`: postgres://user[:password]@host:port/database[?options] (libpq's format).
  static common::Result<std::unique_ptr<PostgresConnection>> Open(const std::string& url);
  ~PostgresConnection() override;

  common::Result<std::vector<Row>> Query(std::string_view sql,
                                         std::span<const Value> params) override;
  common::Result<void> ExecScript(std::string_view sql) override;
  common::Result<void> Begin() override;
  common::Result<void> Commit() override;
  void Rollback() override;
  Dialect dialect() const override { return Dialect::kPostgres; }

 private:
  explicit PostgresConnection(pg_conn* conn) : conn_(conn) {}
  // Reconnects a connection the server dropped; a no-op on a good one.
  common::Result<void> Revive();
  pg_conn* conn_;
  bool in_transaction_ = false;  // a dropped connection is revived only between transactions
};

}  // namespace rampart::store
