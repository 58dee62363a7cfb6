// For unit tests: a private in-memory SQLite database with the schema migrated.
#pragma once

#include <cassert>
#include <memory>

#include "store/database.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_connection.h"

namespace rampart::store {

inline std::unique_ptr<Database> MigratedMemoryDatabase() {
  auto db = std::make_unique<Database>(SqliteConnection::Open(":memory:").value());
  [[maybe_unused]] auto migrated = Migrate(*db);
  assert(migrated.has_value());
  return db;
}

}  // namespace rampart::store
