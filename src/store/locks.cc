#include "store/locks.h"

#include "store/batch_sql.h"

namespace rampart::store {

common::Result<void> LockRow(Connection& c, std::string_view table, const std::string& id) {
  if (c.dialect() != Dialect::kPostgres) return {};
  RAMPART_TRY(c.Query("SELECT id FROM " + std::string(table) + " WHERE id = $1 FOR UPDATE", {id}));
  return {};
}

common::Result<void> LockTable(Connection& c, std::string_view table) {
  if (c.dialect() != Dialect::kPostgres) return {};
  RAMPART_TRY(c.Query("LOCK TABLE " + std::string(table) + " IN SHARE ROW EXCLUSIVE MODE"));
  return {};
}

std::string_view ClaimClause(const Connection& c) {
  return c.dialect() == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "";
}

bool StatementsAreRoundTrips(const Connection& c) { return c.dialect() == Dialect::kPostgres; }

common::Result<void> LockKeys(Connection& c, int lock_class, const std::vector<std::string>& keys) {
  if (c.dialect() != Dialect::kPostgres || keys.empty()) return {};
  std::vector<Value> params(keys.begin(), keys.end());
  std::string values;
  for (size_t i = 0; i < keys.size(); ++i) {
    values += (i ? ", ($" : "($") + std::to_string(i + 1) + "::text)";
  }
  // OFFSET 0 keeps the planner from calling the lock function before the rows are sorted.
  RAMPART_TRY(c.Query("SELECT count(pg_advisory_xact_lock(" + std::to_string(lock_class) +
                          ", h)) FROM (SELECT hashtext(r) AS h FROM (VALUES " + values +
                          ") AS v(r) ORDER BY 1 OFFSET 0) AS sorted",
                      params));
  return {};
}

}  // namespace rampart::store
