#include "app/open_store.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "store/migrations.h"
#include "store/postgres/postgres_connection.h"
#include "store/sqlite/sqlite_connection.h"

namespace rampart::app {

common::Result<std::unique_ptr<store::Database>> OpenStore(const std::string& data_dir,
                                                           const std::string& database,
                                                           int connections) {
  std::vector<std::unique_ptr<store::Connection>> pool;
  if (database.empty()) {
    // One connection: SQLite has one writer, and a second connection would only wait for it.
    auto sqlite =
        store::SqliteConnection::Open((std::filesystem::path(data_dir) / "rampart.db").string());
    if (!sqlite) return std::unexpected(sqlite.error());
    pool.push_back(std::move(*sqlite));
  } else {
    if (database.rfind("postgres://", 0) != 0 && database.rfind("postgresql://", 0) != 0) {
      return common::Fail(common::Code::kInvalidOption, "--database must be a postgres:// URL");
    }
    for (int i = 0; i < connections; ++i) {
      auto pg = RAMPART_TRY(store::PostgresConnection::Open(database));
      pool.push_back(std::move(pg));
    }
  }
  auto db = std::make_unique<store::Database>(std::move(pool));
  RAMPART_TRY(store::Migrate(*db));
  return db;
}

}  // namespace rampart::app
