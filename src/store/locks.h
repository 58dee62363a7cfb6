// Locks that serialise writers across nodes sharing one database, held until the transaction
// ends. PostgreSQL takes them; on SQLite they do nothing, because its transactions begin
// IMMEDIATE and so hold the one write lock already. The dialect difference lives here, not
// in the modules that need the lock.
//
// `table` arguments are fixed names from the caller's code, never input (they are spliced
// into the statement). Errors: what the connection returns. Stateless.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "store/sql.h"

namespace rampart::store {

// SELECT ... FOR UPDATE of the row of `table` whose `id` column is `id` (nothing if none).
common::Result<void> LockRow(Connection& c, std::string_view table, const std::string& id);

// The table in SHARE ROW EXCLUSIVE mode: one writer at a time, readers go on.
common::Result<void> LockTable(Connection& c, std::string_view table);

// One transaction-scoped advisory lock per key, in the class `lock_class` (the first key of
// PostgreSQL's two-key space; one class per kind of thing locked). Taken in one order (by
// the keys' hashes) whatever the order given, so two callers cannot deadlock.
common::Result<void> LockKeys(Connection& c, int lock_class, const std::vector<std::string>& keys);

}  // namespace rampart::store
