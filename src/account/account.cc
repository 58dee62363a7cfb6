#include "account/account.h"

#include "account/audit.h"
#include "common/crypto.h"

namespace rampart::account {

using common::EpochSeconds;
namespace {

using store::Int;
using store::Text;
using store::Value;

constexpr std::string_view kRoles[] = {"admin", "tenant", "meter", "agent"};

// The tenant columns every read selects, in TenantFrom's order.
constexpr std::string_view kTenantColumns =
    "id, name, balance_fen, created_at, in_arrears, low_balance_threshold_fen";

Tenant TenantFrom(const store::Row& r) {
  return Tenant{Text(r[0]),
                Text(r[1]),
                Money::FromFen(Int(r[2])),
                Instant(common::Seconds(Int(r[3]))),
                Int(r[4]) != 0,
                Money::FromFen(Int(r[5]))};
}

LedgerEntry EntryFrom(const store::Row& r) {
  return LedgerEntry{Int(r[0]),
                     Text(r[1]),
                     Money::FromFen(Int(r[2])),
                     Money::FromFen(Int(r[3])),
                     Text(r[4]),
                     Instant(common::Seconds(Int(r[5])))};
}

Result<IssuedKey> StoreKey(store::Connection& c, Role role, std::string_view tenant_id,
                           std::string secret, Instant now, std::string_view name = "") {
  IssuedKey key{common::NewId("key"), role, std::string(tenant_id), std::move(secret),
                std::string(name)};
  RAMPART_TRY(c.Query(
      "INSERT INTO api_keys (id, tenant_id, role, key_hash, created_at, name) VALUES ($1, $2, $3, "
      "$4, $5, $6)",
      {key.id, tenant_id.empty() ? Value{} : Value{std::string(tenant_id)},
       std::string(ToString(role)), common::Sha256Hex(key.secret), EpochSeconds(now), key.name}));
  return key;
}

}  // namespace

std::string_view ToString(Role r) { return kRoles[static_cast<int>(r)]; }

std::optional<Role> ParseRole(std::string_view text) {
  for (int i = 0; i < 4; ++i) {
    if (kRoles[i] == text) return static_cast<Role>(i);
  }
  return std::nullopt;
}

Result<Tenant> CreateTenant(store::Connection& c, std::string_view name, Instant now) {
  if (name.empty() || name.size() > 100) {
    return common::Fail(common::Code::kInvalidOption, "name must be 1 to 100 characters", "name");
  }
  Tenant t{common::NewId("ten"), std::string(name), Money(), now};
  auto r = c.Query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)",
                   {t.id, t.name, EpochSeconds(now)});
  if (!r) {
    if (r.error().code == common::Code::kConflict) {
      return common::Fail(common::Code::kConflict, "a tenant named \"" + t.name + "\" exists",
                          "name");
    }
    return std::unexpected(r.error());
  }
  return t;
}

Result<Tenant> GetTenant(store::Connection& c, std::string_view tenant_id) {
  auto rows =
      RAMPART_TRY(c.Query("SELECT " + std::string(kTenantColumns) + " FROM tenants WHERE id = $1",
                          {std::string(tenant_id)}));
  if (rows.empty()) return common::Fail(common::Code::kNotFound, "no such tenant");
  return TenantFrom(rows[0]);
}

Result<std::optional<Tenant>> FindTenantByName(store::Connection& c, std::string_view name) {
  auto rows =
      RAMPART_TRY(c.Query("SELECT " + std::string(kTenantColumns) + " FROM tenants WHERE name = $1",
                          {std::string(name)}));
  if (rows.empty()) return std::nullopt;
  return TenantFrom(rows[0]);
}

Result<void> SetInArrears(store::Connection& c, std::string_view tenant_id, bool in_arrears) {
  RAMPART_TRY(c.Query("UPDATE tenants SET in_arrears = $2 WHERE id = $1",
                      {std::string(tenant_id), int64_t{in_arrears}}));
  return {};
}

Result<void> SetLowBalanceThreshold(store::Connection& c, std::string_view tenant_id,
                                    Money threshold) {
  if (threshold < Money()) {
    return common::Fail(common::Code::kInvalidOption, "low_balance_threshold must not be negative",
                        "low_balance_threshold");
  }
  RAMPART_TRY(GetTenant(c, tenant_id));
  RAMPART_TRY(c.Query("UPDATE tenants SET low_balance_threshold_fen = $2 WHERE id = $1",
                      {std::string(tenant_id), threshold.fen()}));
  return {};
}

Result<std::vector<Tenant>> ListTenants(store::Connection& c, int64_t after_seq, int64_t limit) {
  auto rows = RAMPART_TRY(c.Query("SELECT " + std::string(kTenantColumns) +
                                      " FROM tenants WHERE seq > $1 ORDER BY seq LIMIT $2",
                                  {after_seq, limit}));
  std::vector<Tenant> out;
  for (const auto& r : rows) out.push_back(TenantFrom(r));
  return out;
}

Result<IssuedKey> IssueKey(store::Connection& c, Role role, std::string_view tenant_id,
                           Instant now) {
  if (role == Role::kAdmin && !tenant_id.empty()) {
    return common::Fail(common::Code::kInvalidOption,
                        "admin keys belong to the operator, not a tenant", "role");
  }
  if (role != Role::kAdmin) {
    if (auto t = GetTenant(c, tenant_id); !t) return std::unexpected(t.error());
  }
  // "rk_" + 32 random bytes: 256 bits, beyond guessing; the prefix makes leaks greppable.
  return StoreKey(c, role, tenant_id, "rk_" + common::RandomHex(32), now);
}

common::Result<void> CheckKeyStrength(std::string_view secret) {
  const auto weak = [] {
    return common::Fail(common::Code::kInvalidOption,
                        "a key must be rk_ and at least 32 random hex digits (128 bits), like "
                        "the keys Rampart issues: rk_$(openssl rand -hex 32)",
                        "key");
  };
  if (!secret.starts_with("rk_")) return weak();
  const std::string_view digits = secret.substr(3);
  if (digits.size() < 32 || digits.size() > 128 ||
      digits.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return weak();
  }
  // 32 random hex digits show 8 or more distinct ones but with odds below 10^-9; fewer means
  // a pattern someone typed (rk_aaaa..., rk_0101...).
  bool seen[16] = {};
  int distinct = 0;
  for (char ch : digits) {
    const int v = ch <= '9' ? ch - '0' : ch - 'a' + 10;
    distinct += !seen[v];
    seen[v] = true;
  }
  if (distinct < 8) return weak();
  return {};
}

Result<IssuedKey> AdoptKey(store::Connection& c, Role role, std::string_view secret, Instant now) {
  RAMPART_TRY(CheckKeyStrength(secret));
  return StoreKey(c, role, "", std::string(secret), now, "adopted");
}

Result<IssuedKey> IssueOperatorKey(store::Connection& c, Role role, std::string_view name,
                                   Instant now) {
  if (role != Role::kAdmin && role != Role::kAgent) {
    return common::Fail(common::Code::kInvalidOption, "operator keys are admin or agent keys",
                        "role");
  }
  if (name.empty() || name.size() > 100) {
    return common::Fail(common::Code::kInvalidOption, "name must be 1 to 100 characters", "name");
  }
  return StoreKey(c, role, "", "rk_" + common::RandomHex(32), now, name);
}

Result<std::vector<KeyInfo>> ListOperatorKeys(store::Connection& c) {
  auto rows = RAMPART_TRY(
      c.Query("SELECT id, role, created_at, revoked_at, name FROM api_keys WHERE tenant_id IS NULL "
              "ORDER BY seq"));
  std::vector<KeyInfo> keys;
  for (const auto& row : rows) {
    KeyInfo k{Text(row[0]), *ParseRole(Text(row[1])), Instant(common::Seconds(Int(row[2]))),
              std::nullopt, Text(row[4])};
    if (!store::IsNull(row[3])) k.revoked_at = Instant(common::Seconds(Int(row[3])));
    keys.push_back(std::move(k));
  }
  return keys;
}

Result<void> RevokeOperatorKey(store::Connection& c, std::string_view key_id, Instant now) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT role FROM api_keys WHERE id = $1 AND tenant_id IS NULL AND revoked_at IS NULL",
      {std::string(key_id)}));
  if (rows.empty()) return common::Fail(common::Code::kNotFound, "no such key");
  if (Text(rows[0][0]) == "admin") {
    auto live =
        c.Query("SELECT count(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL");
    if (!live) return std::unexpected(live.error());
    if (Int((*live)[0][0]) <= 1) {
      return common::Fail(common::Code::kInvalidState,
                          "the last admin key cannot be revoked: issue another first (or use "
                          "rampart admin rotate-key)");
    }
  }
  RAMPART_TRY(c.Query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1",
                      {std::string(key_id), EpochSeconds(now)}));
  return {};
}

Result<IssuedKey> RotateAdminKey(store::Connection& c, Instant now) {
  auto key = StoreKey(c, Role::kAdmin, "", "rk_" + common::RandomHex(32), now, "rotated");
  if (!key) return key;
  RAMPART_TRY(c.Query(
      "UPDATE api_keys SET revoked_at = $2 WHERE role = 'admin' AND id <> $1 AND revoked_at IS "
      "NULL",
      {key->id, EpochSeconds(now)}));
  return key;
}

Result<Principal> Authenticate(store::Connection& c, std::string_view secret) {
  auto rows =
      c.Query("SELECT id, role, tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
              {common::Sha256Hex(secret)});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty())
    return common::Fail(common::Code::kUnauthenticated, "the API key is not valid");
  const auto& r = (*rows)[0];
  return Principal{Text(r[0]), *ParseRole(Text(r[1])), Text(r[2])};
}

Result<void> RevokeKey(store::Connection& c, std::string_view tenant_id, std::string_view key_id,
                       Instant now) {
  auto rows = RAMPART_TRY(c.Query(
      "UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND tenant_id = $2 AND revoked_at IS "
      "NULL RETURNING id",
      {std::string(key_id), std::string(tenant_id), EpochSeconds(now)}));
  if (rows.empty()) return common::Fail(common::Code::kNotFound, "no such key");
  return {};
}

Result<std::vector<KeyInfo>> ListKeys(store::Connection& c, std::string_view tenant_id) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT id, role, created_at, revoked_at FROM api_keys WHERE tenant_id = $1 ORDER BY seq",
      {std::string(tenant_id)}));
  std::vector<KeyInfo> keys;
  for (const auto& row : rows) {
    KeyInfo k{Text(row[0]), *ParseRole(Text(row[1])), Instant(common::Seconds(Int(row[2]))),
              std::nullopt};
    if (!store::IsNull(row[3])) k.revoked_at = Instant(common::Seconds(Int(row[3])));
    keys.push_back(std::move(k));
  }
  return keys;
}

Result<bool> AnyAdminKey(store::Connection& c) {
  auto rows = RAMPART_TRY(c.Query("SELECT count(*) FROM api_keys WHERE role = 'admin'"));
  return Int(rows[0][0]) > 0;
}

Result<LedgerEntry> Post(store::Connection& c, std::string_view tenant_id, std::string_view kind,
                         Money amount, std::string_view reference, Instant now,
                         bool allow_negative) {
  // One atomic read-modify-write of the balance: the row stays locked until the caller's
  // transaction ends, so concurrent movements (several nodes on one PostgreSQL) serialise
  // instead of losing an update. A debit the balance cannot cover fails, and the caller's
  // transaction rolls the update back.
  //
  // The bound is checked in the statement against the balance before the movement, computed
  // here from operands within ±kMaxBalanceFen, so no engine ever computes a sum past 64 bits.
  const auto over_limit = [&] {
    return common::Fail(common::Code::kLimitExceeded,
                        "the movement of " + amount.ToString() +
                            " would take the balance past the limit of " +
                            Money::FromFen(kMaxBalanceFen).ToString() + " CNY",
                        "amount");
  };
  if (amount.fen() > kMaxBalanceFen || amount.fen() < -kMaxBalanceFen) return over_limit();
  const bool credit = amount >= Money();
  auto updated = RAMPART_TRY(c.Query(
      credit ? "UPDATE tenants SET balance_fen = balance_fen + $2 WHERE id = $1 AND balance_fen <= "
               "$3 RETURNING balance_fen"
             : "UPDATE tenants SET balance_fen = balance_fen + $2 WHERE id = $1 AND balance_fen >= "
               "$3 RETURNING balance_fen",
      {std::string(tenant_id), amount.fen(),
       credit ? kMaxBalanceFen - amount.fen() : -kMaxBalanceFen - amount.fen()}));
  if (updated.empty()) {
    auto exists =
        RAMPART_TRY(c.Query("SELECT 1 FROM tenants WHERE id = $1", {std::string(tenant_id)}));
    if (exists.empty()) return common::Fail(common::Code::kNotFound, "no such tenant");
    return over_limit();
  }
  const Money after = Money::FromFen(Int(updated[0][0]));
  if (amount < Money() && after < Money() && !allow_negative) {
    return common::Fail(
        common::Code::kInsufficientBalance,
        "the balance " + (after - amount).ToString() + " does not cover " + (-amount).ToString());
  }
  auto rows = c.Query(
      "INSERT INTO ledger (tenant_id, kind, amount_fen, balance_after_fen, reference, at) "
      "VALUES ($1, $2, $3, $4, $5, $6) "
      "RETURNING seq, kind, amount_fen, balance_after_fen, reference, at",
      {std::string(tenant_id), std::string(kind), amount.fen(), after.fen(), std::string(reference),
       EpochSeconds(now)});
  if (!rows) return std::unexpected(rows.error());
  // Who moved the money (the request's key, or the system), in the same transaction.
  RAMPART_TRY(RecordAudit(c, "money", kind, tenant_id,
                          "{\"amount\":\"" + amount.ToString() + "\",\"balance_after\":\"" +
                              after.ToString() +
                              "\",\"ledger_seq\":" + std::to_string(Int((*rows)[0][0])) + "}",
                          now));
  return EntryFrom((*rows)[0]);
}

Result<std::vector<LedgerEntry>> ListLedger(store::Connection& c, std::string_view tenant_id,
                                            int64_t cursor_seq, int64_t limit, bool newest_first) {
  auto rows = RAMPART_TRY(c.Query(
      newest_first ? "SELECT seq, kind, amount_fen, balance_after_fen, reference, at FROM ledger "
                     "WHERE tenant_id = $1 AND ($2 = 0 OR seq < $2) ORDER BY seq DESC LIMIT $3"
                   : "SELECT seq, kind, amount_fen, balance_after_fen, reference, at FROM ledger "
                     "WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
      {std::string(tenant_id), cursor_seq, limit}));
  std::vector<LedgerEntry> out;
  for (const auto& r : rows) out.push_back(EntryFrom(r));
  return out;
}

Result<Money> PrepaidSpent(store::Connection& c, std::string_view tenant_id, Instant from,
                           Instant to) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT COALESCE(SUM(amount_fen), 0) FROM ledger WHERE tenant_id = $1 AND at >= $2 AND "
      "at < $3 AND kind IN ('order_payment', 'renewal', 'upgrade', 'refund')",
      {std::string(tenant_id), from.time_since_epoch().count(), to.time_since_epoch().count()}));
  return Money::FromFen(-store::Int(rows[0][0]));
}

Result<std::vector<Movement>> MovementsBetween(store::Connection& c, Instant from, Instant to) {
  auto rows =
      c.Query("SELECT kind, at, amount_fen FROM ledger WHERE at >= $1 AND at < $2 ORDER BY seq",
              {from.time_since_epoch().count(), to.time_since_epoch().count()});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Movement> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) {
    out.push_back({store::Text(r[0]), Instant(common::Seconds(store::Int(r[1]))),
                   Money::FromFen(store::Int(r[2]))});
  }
  return out;
}

Result<void> VerifyLedger(store::Connection& c, std::string_view tenant_id) {
  auto tenant = RAMPART_TRY(GetTenant(c, tenant_id));
  auto rows =
      c.Query("SELECT amount_fen, balance_after_fen FROM ledger WHERE tenant_id = $1 ORDER BY seq",
              {std::string(tenant_id)});
  if (!rows) return std::unexpected(rows.error());
  int64_t running = 0;
  for (const auto& r : *rows) {
    running += Int(r[0]);
    if (running != Int(r[1])) {
      return common::Fail(common::Code::kLedgerMismatch,
                          "a ledger row's balance_after breaks the running sum");
    }
  }
  if (running != tenant.balance.fen()) {
    return common::Fail(common::Code::kLedgerMismatch, "the balance " + tenant.balance.ToString() +
                                                           " is not the ledger's sum " +
                                                           Money::FromFen(running).ToString());
  }
  return {};
}

}  // namespace rampart::account
