// Statements over many rows or keys at once: "$n" placeholder lists and multi-row INSERTs,
// chunked so a statement stays well under either engine's parameter limit. On PostgreSQL a
// statement is a round trip, so fewer, larger ones; on SQLite (in process) a cached
// one-row statement measured faster than a large one.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "store/sql.h"

namespace rampart::store {

// Rows or keys named by one statement at most: under SQLite's 32,766 parameters and
// PostgreSQL's 65,535, and one round trip for a usual batch.
inline constexpr size_t kMaxRowsPerStatement = 500;

// "$first, $first+1, ..." — `count` placeholders.
std::string Placeholders(size_t first, size_t count);

// `into` VALUES (row), (row)... `on_conflict`: kMaxRowsPerStatement rows a statement on
// PostgreSQL, one on SQLite. Every row has the same width.
common::Result<void> InsertRows(Connection& c, const std::string& into,
                                const std::string& on_conflict,
                                const std::vector<std::vector<Value>>& rows);

}  // namespace rampart::store
