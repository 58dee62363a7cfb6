// The meta table: the database's own settings, one row per key. This file is the only code
// that reads or writes it: the schema version (migrations), the simulated clock that every
// node of a simulated deployment shares (serve, the admin clock route, each request), and the
// check value of the key that seals secrets at rest (notify/webhooks.h).
//
// Errors: what the connection returns; a stored value that is not an integer is
// kStorageError (a corrupt row is reported, never thrown). Stateless; use the connection
// from one thread at a time, as always.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::store {

enum class MetaKey { kSchemaVersion, kSimulatedNow, kSecretsKeyCheck };

// Creates the table if it is missing (the first thing a migration does).
common::Result<void> CreateMetaTable(Connection& c);

// The value of `key`; nullopt when it was never written.
common::Result<std::optional<int64_t>> ReadMeta(Connection& c, MetaKey key);

// Sets `key` to `value`, inserting or replacing.
common::Result<void> WriteMeta(Connection& c, MetaKey key, int64_t value);

// The same for a key whose value is text (kSecretsKeyCheck).
common::Result<std::optional<std::string>> ReadMetaText(Connection& c, MetaKey key);
common::Result<void> WriteMetaText(Connection& c, MetaKey key, std::string_view value);

// The shared simulated clock (whole seconds since the epoch).
common::Result<std::optional<common::Instant>> ReadSimulatedNow(Connection& c);
common::Result<void> WriteSimulatedNow(Connection& c, common::Instant now);

}  // namespace rampart::store
