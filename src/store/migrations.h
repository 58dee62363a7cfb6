// Versioned schema migrations: each runs once, in order, in its own transaction, and the
// version reached is recorded in `meta`. A database newer than this binary is refused.
#pragma once

#include "common/error.h"
#include "store/database.h"

namespace rampart::store {

// Brings the schema up to date; returns the version reached.
common::Result<int64_t> Migrate(Database& db);

// The newest version this binary knows.
int64_t LatestSchemaVersion();

}  // namespace rampart::store
