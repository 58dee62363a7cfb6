#include "account/audit.h"

namespace rampart::account {
namespace {

thread_local Actor current;

}  // namespace

ScopedActor::ScopedActor(Actor actor) : previous_(std::move(current)) {
  current = std::move(actor);
}
ScopedActor::~ScopedActor() { current = std::move(previous_); }
const Actor& CurrentActor() { return current; }

common::Result<void> RecordAudit(store::Connection& c, std::string_view kind,
                                 std::string_view action, std::string_view tenant_id,
                                 std::string_view detail, common::Instant now) {
  const Actor& a = current;
  RAMPART_TRY(
      c.Query("INSERT INTO audit_log (at, key_id, role, address, kind, action, tenant_id, detail) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
              {now.time_since_epoch().count(), a.key_id, a.role, a.address, std::string(kind),
               std::string(action), std::string(tenant_id), std::string(detail)}));
  return {};
}

common::Result<std::vector<AuditEntry>> ListAudit(store::Connection& c, std::string_view tenant_id,
                                                  std::string_view kind, int64_t after_seq,
                                                  int64_t limit) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT seq, at, key_id, role, address, kind, action, tenant_id, detail FROM audit_log "
      "WHERE seq > $1 AND ($2 = '' OR tenant_id = $2) AND ($3 = '' OR kind = $3) "
      "ORDER BY seq LIMIT $4",
      {after_seq, std::string(tenant_id), std::string(kind), limit}));
  std::vector<AuditEntry> out;
  for (const auto& r : rows) {
    out.push_back({store::Int(r[0]), common::Instant(common::Seconds(store::Int(r[1]))),
                   Actor{store::Text(r[2]), store::Text(r[3]), store::Text(r[4])},
                   store::Text(r[5]), store::Text(r[6]), store::Text(r[7]), store::Text(r[8])});
  }
  return out;
}

}  // namespace rampart::account
