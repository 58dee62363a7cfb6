#include "store/idempotency.h"

namespace rampart::store {

common::Result<std::optional<StoredAnswer>> FindAnswer(Connection& c, const std::string& scope,
                                                       const std::string& key,
                                                       common::Instant now) {
  auto rows = RAMPART_TRY(
      c.Query("SELECT request_hash, status, body FROM idempotency WHERE scope = $1 AND key = $2 "
              "AND created_at > $3",
              {scope, key, (now - kIdempotencyTtl).time_since_epoch().count()}));
  if (rows.empty()) return std::nullopt;
  return StoredAnswer{Text(rows[0][0]), static_cast<int>(Int(rows[0][1])), Text(rows[0][2])};
}

common::Result<void> SaveAnswer(Connection& c, const std::string& scope, const std::string& key,
                                const StoredAnswer& answer, common::Instant now) {
  RAMPART_TRY(
      c.Query("INSERT INTO idempotency (scope, key, request_hash, status, body, created_at) "
              "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, key) DO UPDATE SET "
              "request_hash = excluded.request_hash, status = excluded.status, "
              "body = excluded.body, created_at = excluded.created_at",
              {scope, key, answer.request_hash, int64_t{answer.status}, answer.body,
               now.time_since_epoch().count()}));
  return {};
}

common::Result<void> PurgeExpiredAnswers(Connection& c, common::Instant now) {
  RAMPART_TRY(c.Query("DELETE FROM idempotency WHERE created_at < $1",
                      {(now - kIdempotencyTtl).time_since_epoch().count()}));
  return {};
}

}  // namespace rampart::store
