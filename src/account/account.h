// Tenants, API keys and the balance ledger (issue: service foundation).
//
// Keys are random secrets shown once at creation and stored only as SHA-256 hashes; a key
// has a role (admin, tenant, meter) and, except admin keys, a tenant. The ledger is
// append-only: every balance movement is a row with its kind, amount, the balance after it,
// a reference and a time; the tenant's balance column is a cache that VerifyLedger checks
// against the sum of the rows.
//
// All functions run on a Connection inside the caller's transaction; none is thread-safe on
// its own (Database serialises them).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/money.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::account {

using common::Instant;
using common::Money;
using common::Result;

// admin: the operator; tenant: a tenant's console and API; meter: posts a tenant's usage;
// agent: the operator's data-plane agents (rampart collect/forward), no tenant.
enum class Role { kAdmin, kTenant, kMeter, kAgent };
std::string_view ToString(Role r);
std::optional<Role> ParseRole(std::string_view text);

struct Tenant {
  std::string id;
  std::string name;
  Money balance;
  Instant created_at;
  bool in_arrears = false;      // the balance went negative: elastic protection is suspended
  Money low_balance_threshold;  // a `low_balance` notification below it; 0: none
};

struct IssuedKey {
  std::string id;
  Role role = Role::kTenant;
  std::string tenant_id;  // empty for operator (admin, agent) keys
  std::string secret;     // shown once; never stored
  std::string name;       // operator keys: what it is for
};

// A key as the operator sees it later: never its secret.
struct KeyInfo {
  std::string id;
  Role role = Role::kTenant;
  Instant created_at;
  std::optional<Instant> revoked_at;
  std::string name;
};

// Who a request comes from.
struct Principal {
  std::string key_id;
  Role role = Role::kTenant;
  std::string tenant_id;  // empty for admin
};

struct LedgerEntry {
  int64_t seq = 0;
  std::string kind;  // topup, order_payment, refund, renewal, upgrade, daily_bill, adjustment
  Money amount;      // signed: + credit, - debit
  Money balance_after;
  std::string reference;
  Instant at;
};

// `invalid_option` for an empty or over-long name; `conflict` when the name is taken.
Result<Tenant> CreateTenant(store::Connection& c, std::string_view name, Instant now);
// `not_found` when there is no such tenant.
Result<Tenant> GetTenant(store::Connection& c, std::string_view tenant_id);
// The tenant named `name`, if any.
Result<std::optional<Tenant>> FindTenantByName(store::Connection& c, std::string_view name);
// Records whether the tenant is in arrears (lifecycle/balance.h decides and applies it).
Result<void> SetInArrears(store::Connection& c, std::string_view tenant_id, bool in_arrears);
// `invalid_option` for a negative threshold; `not_found` without the tenant.
Result<void> SetLowBalanceThreshold(store::Connection& c, std::string_view tenant_id,
                                    Money threshold);
Result<std::vector<Tenant>> ListTenants(store::Connection& c, int64_t after_seq, int64_t limit);

// Issues a key. Admin keys have no tenant; tenant and meter keys need an existing tenant.
Result<IssuedKey> IssueKey(store::Connection& c, Role role, std::string_view tenant_id,
                           Instant now);
// Stores a key whose secret the operator chose (the first admin key from RAMPART_ADMIN_KEY):
// it must look like one Rampart issues, `rk_` and at least 32 hex digits (128 bits) that are
// not an obvious pattern (`invalid_option` otherwise).
Result<IssuedKey> AdoptKey(store::Connection& c, Role role, std::string_view secret, Instant now);
common::Result<void> CheckKeyStrength(std::string_view secret);
// Operator keys (no tenant): admin or agent, with a name (1-100 characters).
Result<IssuedKey> IssueOperatorKey(store::Connection& c, Role role, std::string_view name,
                                   Instant now);
// Operator keys, oldest first, revoked ones included.
Result<std::vector<KeyInfo>> ListOperatorKeys(store::Connection& c);
// `not_found` for no such live operator key; `invalid_state` for the last live admin key
// (the operator would lock itself out).
Result<void> RevokeOperatorKey(store::Connection& c, std::string_view key_id, Instant now);
// Issues a new admin key and revokes every other admin key: after a leak, or to replace a
// generated one. The secret is in the answer only.
Result<IssuedKey> RotateAdminKey(store::Connection& c, Instant now);
// `unauthenticated` for an unknown or revoked key (the same answer for both).
Result<Principal> Authenticate(store::Connection& c, std::string_view secret);
Result<void> RevokeKey(store::Connection& c, std::string_view tenant_id, std::string_view key_id,
                       Instant now);
// A tenant's keys, oldest first, revoked ones included.
Result<std::vector<KeyInfo>> ListKeys(store::Connection& c, std::string_view tenant_id);
Result<bool> AnyAdminKey(store::Connection& c);

// A balance never leaves [-kMaxBalance, kMaxBalance] (100 trillion yuan): far above any real
// account, far below where 64-bit fen would wrap.
inline constexpr int64_t kMaxBalanceFen = 10'000'000'000'000'000;

// Appends a movement and updates the balance. A debit that would take the balance below zero
// fails with `insufficient_balance` (nothing written) unless `allow_negative` (postpaid
// charges may put an account into arrears). A movement that would take the balance past
// ±kMaxBalanceFen fails with `limit_exceeded` (nothing written): never a wrapped balance.
Result<LedgerEntry> Post(store::Connection& c, std::string_view tenant_id, std::string_view kind,
                         Money amount, std::string_view reference, Instant now,
                         bool allow_negative = false);
// A page of the tenant's ledger after (oldest first) or before (newest first) `cursor_seq`;
// 0 starts at the oldest or the newest.
Result<std::vector<LedgerEntry>> ListLedger(store::Connection& c, std::string_view tenant_id,
                                            int64_t cursor_seq, int64_t limit,
                                            bool newest_first = false);
// What the tenant paid for prepaid protection in [from, to): order payments, renewals and
// upgrades less refunds, as a positive amount (negative if refunds outweigh).
Result<Money> PrepaidSpent(store::Connection& c, std::string_view tenant_id, Instant from,
                           Instant to);
// Every tenant's balance movements in [from, to), in order: (kind, at, amount).
struct Movement {
  std::string kind;
  Instant at;
  Money amount;
};
Result<std::vector<Movement>> MovementsBetween(store::Connection& c, Instant from, Instant to);
// `ledger_mismatch` when the balance differs from the sum of the ledger, or a row's
// balance_after from the running sum.
Result<void> VerifyLedger(store::Connection& c, std::string_view tenant_id);

}  // namespace rampart::account
