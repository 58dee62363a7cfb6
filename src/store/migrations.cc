#include "store/migrations.h"

#include <string>
#include <vector>

#include "store/meta.h"

namespace rampart::store {
namespace {

// Money columns hold fen (INTEGER); times hold seconds since the epoch (INTEGER, UTC).
// `seq` columns give stable, engine-independent order for pagination.
const std::vector<std::string_view> kMigrations = {
    // 1: accounts, keys, ledger, catalogue of pools, orders, resources, jobs, idempotency.
    R"SQL(
CREATE TABLE tenants (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  balance_fen INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE api_keys (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT REFERENCES tenants(id),
  role TEXT NOT NULL CHECK (role IN ('admin', 'tenant', 'meter')),
  key_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE ledger (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  kind TEXT NOT NULL,
  amount_fen INTEGER NOT NULL,
  balance_after_fen INTEGER NOT NULL,
  reference TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX ledger_by_tenant ON ledger(tenant_id, seq);
CREATE TABLE ip_pools (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  region TEXT NOT NULL,
  line TEXT NOT NULL,
  cidr TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  next_offset INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE ip_free (
  ip TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL REFERENCES ip_pools(id)
);
CREATE TABLE orders (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  status TEXT NOT NULL,
  amount_fen INTEGER NOT NULL,
  product TEXT NOT NULL,
  region TEXT NOT NULL,
  line TEXT NOT NULL,
  scope TEXT NOT NULL,
  ip_count INTEGER NOT NULL,
  base_gbps INTEGER NOT NULL,
  elastic_gbps INTEGER NOT NULL,
  forwarding_mode TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  months INTEGER NOT NULL,
  auto_renew INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  paid_at INTEGER,
  lapses_at INTEGER NOT NULL
);
CREATE INDEX orders_by_tenant ON orders(tenant_id, seq);
CREATE TABLE resources (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  order_id TEXT NOT NULL REFERENCES orders(id),
  product TEXT NOT NULL,
  region TEXT NOT NULL,
  line TEXT NOT NULL,
  scope TEXT NOT NULL,
  ip_count INTEGER NOT NULL,
  state TEXT NOT NULL,
  base_gbps INTEGER NOT NULL,
  elastic_gbps INTEGER NOT NULL,
  forwarding_mode TEXT NOT NULL,
  auto_renew INTEGER NOT NULL,
  months INTEGER NOT NULL,
  paid_fen INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  expires_at INTEGER
);
CREATE INDEX resources_by_tenant ON resources(tenant_id, seq);
CREATE TABLE resource_ips (
  ip TEXT PRIMARY KEY,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  pool_id TEXT
);
CREATE INDEX resource_ips_by_resource ON resource_ips(resource_id);
CREATE TABLE config_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  effective_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  base_gbps INTEGER NOT NULL,
  elastic_gbps INTEGER NOT NULL,
  forwarding_mode TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX config_history_by_resource ON config_history(resource_id, effective_at, seq);
CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  done_at INTEGER,
  UNIQUE (kind, subject)
);
CREATE INDEX jobs_due ON jobs(done_at, due_at, seq);
CREATE TABLE idempotency (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
)SQL",
    // 2: after delivery: notifications, a pending forwarding mode, arrears.
    R"SQL(
CREATE TABLE notifications (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  kind TEXT NOT NULL,
  resource_id TEXT,
  message TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX notifications_by_tenant ON notifications(tenant_id, seq);
ALTER TABLE resources ADD COLUMN pending_forwarding_mode TEXT;
ALTER TABLE tenants ADD COLUMN in_arrears INTEGER NOT NULL DEFAULT 0;
ALTER TABLE config_history ADD COLUMN elastic_suspended INTEGER NOT NULL DEFAULT 0;
)SQL",
    // 3: protection configuration: hdip forwarding rules, protection policies. (hdp
    // bindings live in resource_ips, whose primary key makes an IP protected once.)
    R"SQL(
CREATE TABLE forwarding_rules (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  protocol TEXT NOT NULL,
  frontend_port INTEGER NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (resource_id, protocol, frontend_port)
);
CREATE TABLE policies (
  resource_id TEXT PRIMARY KEY REFERENCES resources(id),
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
)SQL",
    // 4: webhooks and their delivery log (an outbox: a notification and its deliveries
    // commit together; a worker sends them outside any transaction).
    R"SQL(
CREATE TABLE webhooks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE TABLE webhook_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id TEXT NOT NULL REFERENCES webhooks(id),
  notification_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  delivered_at INTEGER
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(status, webhook_id, seq);
)SQL",
    // 5: a low-balance threshold per tenant (0 = no notice).
    R"SQL(
ALTER TABLE tenants ADD COLUMN low_balance_threshold_fen INTEGER NOT NULL DEFAULT 0;
)SQL",
    // 6: usage samples (one row per IP and window, keyed for idempotent ingestion; the
    // resource and billing day are resolved at ingestion) and daily bills.
    R"SQL(
CREATE TABLE usage_samples (
  ip TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  window_s INTEGER NOT NULL,
  resource_id TEXT NOT NULL,
  day TEXT NOT NULL,
  attack_bps INTEGER NOT NULL,
  in_bytes INTEGER NOT NULL,
  out_bytes INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (ip, window_start, window_s)
) WITHOUT ROWID;
CREATE INDEX usage_by_resource_day ON usage_samples(resource_id, day);
CREATE TABLE bills (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  day TEXT NOT NULL,
  total_fen INTEGER NOT NULL,
  body TEXT NOT NULL,
  closed_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, day)
);
-- What each resource was last rated for a closed day, and the closed days a late sample
-- touched since: the next day close re-rates them and bills the difference.
CREATE TABLE rated_amounts (
  tenant_id TEXT NOT NULL,
  day TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  amount_fen INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, day, resource_id)
);
CREATE TABLE late_days (
  tenant_id TEXT NOT NULL,
  day TEXT NOT NULL,
  PRIMARY KEY (tenant_id, day)
);
)SQL",
    // 7: whether each resource is under attack (above its base), for attack notices.
    R"SQL(
CREATE TABLE attack_state (
  resource_id TEXT PRIMARY KEY,
  in_attack INTEGER NOT NULL,
  last_window INTEGER NOT NULL
);
)SQL",
    // 8: usage for volume: one block per (IP, billing day, window length) holding that
    // day's windows (postpaid/usage_block.h) instead of a row per sample. No deployment
    // had stored samples yet, so the row table is dropped rather than converted.
    R"SQL(
DROP TABLE usage_samples;
CREATE TABLE usage_blocks (
  ip TEXT NOT NULL,
  day TEXT NOT NULL,
  window_s INTEGER NOT NULL,
  resource_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  slots BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (resource_id, day, ip, window_s)
);
)SQL",
    // 9: on PostgreSQL, usage partitioned by billing day (a partition per day, created ahead
    // by the day close; a default partition catches the rest); nothing to do on SQLite.
    R"SQL(
-- postgres-only
DROP TABLE usage_blocks;
CREATE TABLE usage_blocks (
  ip TEXT NOT NULL,
  day TEXT NOT NULL,
  window_s INTEGER NOT NULL,
  resource_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  slots BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (resource_id, day, ip, window_s)
) PARTITION BY LIST (day);
CREATE TABLE usage_blocks_default PARTITION OF usage_blocks DEFAULT;
)SQL",
    // 10: which resource protected an IP when: a sample goes to the resource protecting its
    // IP at the window's start, even after the IP moved (an hdp binding moved to another
    // packet, a released hdip address given to a new resource). Existing IPs are taken as
    // protected since their resource was created.
    R"SQL(
CREATE TABLE ip_assignments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  ip TEXT NOT NULL,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  tenant_id TEXT NOT NULL,
  from_at INTEGER NOT NULL,
  to_at INTEGER
);
CREATE INDEX ip_assignments_by_ip ON ip_assignments(ip, from_at);
INSERT INTO ip_assignments (ip, resource_id, tenant_id, from_at)
  SELECT i.ip, i.resource_id, r.tenant_id, r.created_at
  FROM resource_ips i JOIN resources r ON r.id = i.resource_id;
)SQL",
    // 11, 12: a block may be stored in parts: a batch appends only its new windows as the
    // next part instead of rewriting the whole day, and every 16th part folds them back
    // into part 0 (postpaid/usage.cc). Existing blocks become part 0. SQLite cannot change
    // a primary key in place: the table is rebuilt; PostgreSQL changes the partitioned
    // table's key, which its partitions follow.
    R"SQL(
-- sqlite-only
CREATE TABLE usage_blocks_parts (
  ip TEXT NOT NULL,
  day TEXT NOT NULL,
  window_s INTEGER NOT NULL,
  resource_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  slots BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  part INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (resource_id, day, ip, window_s, part)
);
INSERT INTO usage_blocks_parts (ip, day, window_s, resource_id, tenant_id, slots, updated_at)
  SELECT ip, day, window_s, resource_id, tenant_id, slots, updated_at FROM usage_blocks;
DROP TABLE usage_blocks;
ALTER TABLE usage_blocks_parts RENAME TO usage_blocks;
)SQL",
    R"SQL(
-- postgres-only
ALTER TABLE usage_blocks ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_blocks DROP CONSTRAINT usage_blocks_pkey;
ALTER TABLE usage_blocks ADD PRIMARY KEY (resource_id, day, ip, window_s, part);
)SQL",
    // 13: no job blocks the queue: failed attempts are counted and retried after a backoff
    // (next_try_at), the last error kept for the operator; a job failing too often is dead.
    R"SQL(
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN next_try_at INTEGER;
ALTER TABLE jobs ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN dead_at INTEGER;
UPDATE jobs SET next_try_at = due_at;
CREATE INDEX jobs_runnable ON jobs(done_at, dead_at, next_try_at, seq);
)SQL",
    // 14: each prepaid payment of a resource with the period it pays for, so a cancellation
    // refunds all of them (the order's share, renewals, upgrades), not the order's alone.
    // Resources running before this keep their order's share over their term as it stands.
    R"SQL(
CREATE TABLE paid_periods (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  kind TEXT NOT NULL,
  amount_fen INTEGER NOT NULL,
  from_at INTEGER NOT NULL,
  to_at INTEGER NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX paid_periods_by_resource ON paid_periods(resource_id, seq);
INSERT INTO paid_periods (resource_id, kind, amount_fen, from_at, to_at, at)
  SELECT id, 'order', paid_fen, delivered_at, expires_at, delivered_at FROM resources
  WHERE delivered_at IS NOT NULL AND expires_at IS NOT NULL;
)SQL",
    // 15: customer prefixes, the blocks a tenant may bind hdp addresses in.
    R"SQL(
CREATE TABLE tenant_prefixes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  cidr TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE INDEX tenant_prefixes_by_tenant ON tenant_prefixes(tenant_id, seq);
)SQL",
    // 16: operator keys: the agent role (rampart collect/forward) and a name per key. SQLite
    // cannot alter a CHECK constraint, so it rebuilds the table (nothing references it).
    R"SQL(-- by-dialect
CREATE TABLE api_keys_v16 (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT REFERENCES tenants(id),
  role TEXT NOT NULL CHECK (role IN ('admin', 'tenant', 'meter', 'agent')),
  key_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  name TEXT NOT NULL DEFAULT ''
);
INSERT INTO api_keys_v16 (seq, id, tenant_id, role, key_hash, created_at, revoked_at)
  SELECT seq, id, tenant_id, role, key_hash, created_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_v16 RENAME TO api_keys;
-- postgres:
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check
  CHECK (role IN ('admin', 'tenant', 'meter', 'agent'));
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
)SQL",
    // 17: the audit log (account/audit.h), append-only.
    R"SQL(
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  role TEXT NOT NULL,
  address TEXT NOT NULL,
  kind TEXT NOT NULL,
  action TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_by_tenant ON audit_log(tenant_id, seq);
)SQL",
    // 18: sources (dataplane.md §1): a block per (resource, day, ip, window length, source),
    // so samples of one window from several sources add up and each source's revisions
    // replace only its own copy. Existing blocks keep the source '' (before sources).
    R"SQL(
-- sqlite-only
CREATE TABLE usage_blocks_sources (
  ip TEXT NOT NULL,
  day TEXT NOT NULL,
  window_s INTEGER NOT NULL,
  resource_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  slots BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  part INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (resource_id, day, ip, window_s, source, part)
);
INSERT INTO usage_blocks_sources (ip, day, window_s, resource_id, tenant_id, slots, updated_at,
                                  part)
  SELECT ip, day, window_s, resource_id, tenant_id, slots, updated_at, part FROM usage_blocks;
DROP TABLE usage_blocks;
ALTER TABLE usage_blocks_sources RENAME TO usage_blocks;
)SQL",
    R"SQL(
-- postgres-only
ALTER TABLE usage_blocks ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE usage_blocks DROP CONSTRAINT usage_blocks_pkey;
ALTER TABLE usage_blocks ADD PRIMARY KEY (resource_id, day, ip, window_s, source, part);
)SQL",
    // 19: a customer's own labels on a resource: a name and tags (newline-separated), so
    // lists can be searched by what the customer calls things. Not billing configuration: no
    // history row.
    R"SQL(
ALTER TABLE resources ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE resources ADD COLUMN tags TEXT NOT NULL DEFAULT '';
)SQL",
    // 20: a pool the operator disables hands out no new address (those in use stay).
    R"SQL(
ALTER TABLE ip_pools ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
)SQL",
};

// The migrations are written for SQLite (except "-- by-dialect" ones); PostgreSQL needs 64-bit
// integers spelled BIGINT, identity columns for AUTOINCREMENT, BYTEA for BLOB, and no WITHOUT
// ROWID.
std::string ForDialect(std::string_view sql, Dialect dialect) {
  // "-- by-dialect" migrations: SQLite's statements, then "-- postgres:" and PostgreSQL's,
  // taken as they are.
  if (sql.starts_with("-- by-dialect")) {
    const size_t split = sql.find("-- postgres:");
    return std::string(dialect == Dialect::kSqlite ? sql.substr(0, split) : sql.substr(split));
  }
  std::string s(sql);
  const bool postgres_only = s.find("-- postgres-only") != std::string::npos;
  const bool sqlite_only = s.find("-- sqlite-only") != std::string::npos;
  if (dialect == Dialect::kSqlite) return postgres_only ? "SELECT 1;" : s;
  if (sqlite_only) return "SELECT 1;";
  auto replace_all = [&s](std::string_view from, std::string_view to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
      s.replace(at, from.size(), to);
    }
  };
  replace_all("INTEGER PRIMARY KEY AUTOINCREMENT",
              "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  replace_all(" INTEGER", " BIGINT");
  replace_all(" BLOB", " BYTEA");
  replace_all(" WITHOUT ROWID", "");
  return s;
}

}  // namespace

int64_t LatestSchemaVersion() { return static_cast<int64_t>(kMigrations.size()); }

common::Result<int64_t> Migrate(Database& db) {
  auto version = db.Use([](Connection& c) -> common::Result<int64_t> {
    RAMPART_TRY(CreateMetaTable(c));
    auto stored = RAMPART_TRY(ReadMeta(c, MetaKey::kSchemaVersion));
    return stored.value_or(0);
  });
  if (!version) return version;
  if (*version > LatestSchemaVersion()) {
    return common::Fail(common::Code::kStorageError,
                        "the database has schema version " + std::to_string(*version) +
                            ", newer than this rampart (" + std::to_string(LatestSchemaVersion()) +
                            ")");
  }
  for (int64_t v = *version; v < LatestSchemaVersion(); ++v) {
    auto applied = db.Transact([&](Connection& c) -> common::Result<int64_t> {
      RAMPART_TRY(c.ExecScript(ForDialect(kMigrations[static_cast<size_t>(v)], c.dialect())));
      RAMPART_TRY(WriteMeta(c, MetaKey::kSchemaVersion, v + 1));
      return v + 1;
    });
    if (!applied) return applied;
  }
  return LatestSchemaVersion();
}

}  // namespace rampart::store
