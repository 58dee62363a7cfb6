// The engines' differences in concurrency, so the modules need not ask which engine they run
// on. Locks serialise writers across nodes sharing one database and are held until the
// transaction ends: PostgreSQL takes them; on SQLite they do nothing, because its
// transactions begin IMMEDIATE and so hold the one write lock already.
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

// What a SELECT claiming a queue's row appends: on PostgreSQL the row stays locked by its
// claimer and other nodes skip it (" FOR UPDATE SKIP LOCKED"); on SQLite nothing.
std::string_view ClaimClause(const Connection& c);

// Whether each statement is a round trip to another process (PostgreSQL), so reading many
// rows in one statement beats reading them one by one; on SQLite (in process) it does not.
bool StatementsAreRoundTrips(const Connection& c);

}  // namespace rampart::store
