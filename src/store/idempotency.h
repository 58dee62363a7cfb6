// The idempotency table: the first successful answer to a POST sent with an Idempotency-Key,
// kept for 24 hours per (scope, key). This file is the only code that reads or writes it:
// api's Mutate looks answers up and saves them in the request's transaction; the daily close
// purges the expired ones.
//
// Errors: what the connection returns. Stateless; use the connection from one thread at a
// time, as always.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::store {

// How long an answer is replayed. Expired records are ignored at once and deleted by
// PurgeExpiredAnswers (at most a day later, by the daily close).
inline constexpr common::Seconds kIdempotencyTtl{24 * 3600};

struct StoredAnswer {
  std::string request_hash;  // of the request's body: a repeat with another body is refused
  int status = 0;
  std::string body;
};

// The live answer saved for (scope, key) at `now`, if any.
common::Result<std::optional<StoredAnswer>> FindAnswer(Connection& c, const std::string& scope,
                                                       const std::string& key, common::Instant now);

// Saves the answer for (scope, key), replacing an expired one of the same key.
common::Result<void> SaveAnswer(Connection& c, const std::string& scope, const std::string& key,
                                const StoredAnswer& answer, common::Instant now);

// Deletes the answers expired at `now`.
common::Result<void> PurgeExpiredAnswers(Connection& c, common::Instant now);

}  // namespace rampart::store
