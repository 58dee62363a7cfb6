// The audit log: an append-only record of who did what, when and from where — every state
// change made through the API (kind "action": the route, the caller's key id and role, its
// address) and every money movement (kind "money": the ledger kind, amount and reference,
// with the actor of the request that caused it, or "system" for the jobs: day closes,
// auto-renewals, refunds of failed deliveries). Rows are written in the transaction of the
// change they record, so one never exists without the other. Functions run inside the
// caller's transaction; ScopedActor is per thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::account {

struct Actor {
  std::string key_id;           // empty for the system
  std::string role = "system";  // admin, tenant, meter, agent, system
  std::string address;          // the client's IP address, when known
};

// Sets the actor of this thread's audit rows for its lifetime (the API: one request).
class ScopedActor {
 public:
  explicit ScopedActor(Actor actor);
  ~ScopedActor();
  ScopedActor(const ScopedActor&) = delete;
  ScopedActor& operator=(const ScopedActor&) = delete;

 private:
  Actor previous_;
};
const Actor& CurrentActor();

// Appends a row by the current actor. `detail` is a JSON object's text.
common::Result<void> RecordAudit(store::Connection& c, std::string_view kind,
                                 std::string_view action, std::string_view tenant_id,
                                 std::string_view detail, common::Instant now);

struct AuditEntry {
  int64_t seq = 0;
  common::Instant at;
  Actor actor;
  std::string kind;
  std::string action;
  std::string tenant_id;
  std::string detail;
};
// Oldest first after `after_seq`; `tenant_id` and `kind` filter when not empty.
common::Result<std::vector<AuditEntry>> ListAudit(store::Connection& c, std::string_view tenant_id,
                                                  std::string_view kind, int64_t after_seq,
                                                  int64_t limit);

}  // namespace rampart::account
