// Opens the store a command works on: the embedded SQLite in DATA/rampart.db, or PostgreSQL
// when `database` is a postgres:// URL (`connections` of them), migrated to this version.
#pragma once

#include <memory>
#include <string>

#include "common/error.h"
#include "store/database.h"

namespace rampart::app {

common::Result<std::unique_ptr<store::Database>> OpenStore(const std::string& data_dir,
                                                           const std::string& database,
                                                           int connections);

}  // namespace rampart::app
