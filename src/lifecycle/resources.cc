#include "lifecycle/resources.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include "account/account.h"
#include "store/batch_sql.h"
#include "store/locks.h"

namespace rampart::lifecycle {

using common::EpochSeconds;
using common::FromEpochSeconds;
namespace {

using store::Int;
using store::Text;
using store::Value;

Value OptionalTime(const std::optional<Instant>& t) {
  return t ? Value{EpochSeconds(*t)} : Value{};
}

constexpr std::string_view kColumns =
    "seq, id, tenant_id, order_id, product, region, line, scope, ip_count, state, base_gbps, "
    "elastic_gbps, forwarding_mode, auto_renew, months, paid_fen, created_at, delivered_at, "
    "expires_at, pending_forwarding_mode, name, tags";

Resource FromRow(const store::Row& r) {
  Resource x;
  x.seq = Int(r[0]);
  x.id = Text(r[1]);
  x.tenant_id = Text(r[2]);
  x.order_id = Text(r[3]);
  x.spec.product = *catalog::ParseProduct(Text(r[4]));
  x.spec.region = Text(r[5]);
  x.spec.line = Text(r[6]);
  x.spec.scope = *billing::ParseScope(Text(r[7]));
  x.spec.ip_count = Int(r[8]);
  x.state = *billing::ParseResourceState(Text(r[9]));
  x.spec.base_gbps = Int(r[10]);
  x.spec.elastic_gbps = Int(r[11]);
  x.spec.forwarding_mode = *billing::ParseForwardingMode(Text(r[12]));
  x.auto_renew = Int(r[13]) != 0;
  x.months = Int(r[14]);
  x.paid = common::Money::FromFen(Int(r[15]));
  x.created_at = FromEpochSeconds(Int(r[16]));
  if (!store::IsNull(r[17])) x.delivered_at = FromEpochSeconds(Int(r[17]));
  if (!store::IsNull(r[18])) x.expires_at = FromEpochSeconds(Int(r[18]));
  if (!store::IsNull(r[19])) x.pending_forwarding_mode = billing::ParseForwardingMode(Text(r[19]));
  x.name = Text(r[20]);
  std::istringstream tags(Text(r[21]));
  for (std::string tag; std::getline(tags, tag);) x.tags.push_back(tag);
  return x;
}

Result<void> LoadIps(store::Connection& c, std::vector<Resource>& rs) {
  for (auto& r : rs) {
    auto rows = RAMPART_TRY(
        c.Query("SELECT ip FROM resource_ips WHERE resource_id = $1 ORDER BY ip", {r.id}));
    for (const auto& row : rows) r.ips.push_back(Text(row[0]));
  }
  return {};
}

// Characters of UTF-8 text (the JSON parser has checked it is UTF-8); false with a control
// character.
std::optional<size_t> PrintableLength(std::string_view s) {
  size_t n = 0;
  for (unsigned char ch : s) {
    if (ch < 0x20 || ch == 0x7f) return std::nullopt;
    if ((ch & 0xC0) != 0x80) ++n;
  }
  return n;
}

Result<std::vector<Resource>> Select(store::Connection& c, const std::string& where,
                                     std::initializer_list<Value> params) {
  auto rows = RAMPART_TRY(
      c.Query("SELECT " + std::string(kColumns) + " FROM resources WHERE " + where, params));
  std::vector<Resource> out;
  for (const auto& row : rows) out.push_back(FromRow(row));
  RAMPART_TRY(LoadIps(c, out));
  return out;
}

// A history row: the resource as it is from `at`, elastic suspended while its tenant is in
// arrears.
Result<void> AppendHistory(store::Connection& c, const Resource& r, Instant at,
                           std::string_view reason) {
  const auto tenant = RAMPART_TRY(account::GetTenant(c, r.tenant_id));
  RAMPART_TRY(c.Query(
      "INSERT INTO config_history (resource_id, effective_at, state, base_gbps, elastic_gbps, "
      "forwarding_mode, reason, elastic_suspended) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {r.id, EpochSeconds(at), std::string(billing::ToString(r.state)), r.spec.base_gbps,
       r.spec.elastic_gbps, std::string(billing::ToString(r.spec.forwarding_mode)),
       std::string(reason), int64_t{tenant.in_arrears}}));
  return {};
}

}  // namespace

Result<void> InsertResource(store::Connection& c, const Resource& r, std::string_view reason) {
  RAMPART_TRY(c.Query(
      "INSERT INTO resources (id, tenant_id, order_id, product, region, line, scope, ip_count, "
      "state, base_gbps, elastic_gbps, forwarding_mode, auto_renew, months, paid_fen, "
      "created_at, delivered_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      "$11, $12, $13, $14, $15, $16, $17, $18)",
      {r.id, r.tenant_id, r.order_id, std::string(catalog::ToString(r.spec.product)), r.spec.region,
       r.spec.line, std::string(billing::ToString(r.spec.scope)), r.spec.ip_count,
       std::string(billing::ToString(r.state)), r.spec.base_gbps, r.spec.elastic_gbps,
       std::string(billing::ToString(r.spec.forwarding_mode)), int64_t{r.auto_renew}, r.months,
       r.paid.fen(), EpochSeconds(r.created_at), OptionalTime(r.delivered_at),
       OptionalTime(r.expires_at)}));
  return AppendHistory(c, r, r.created_at, reason);
}

Result<Resource> GetResource(store::Connection& c, std::string_view tenant_id,
                             std::string_view id) {
  auto rs = RAMPART_TRY(tenant_id.empty() ? Select(c, "id = $1", {std::string(id)})
                                          : Select(c, "id = $1 AND tenant_id = $2",
                                                   {std::string(id), std::string(tenant_id)}));
  if (rs.empty()) return common::Fail(common::Code::kNotFound, "no such resource");
  return std::move(rs[0]);
}

Result<Resource> GetResourceForUpdate(store::Connection& c, std::string_view tenant_id,
                                      std::string_view id) {
  std::string owner(tenant_id);
  if (owner.empty()) {
    auto rows =
        RAMPART_TRY(c.Query("SELECT tenant_id FROM resources WHERE id = $1", {std::string(id)}));
    if (rows.empty()) return common::Fail(common::Code::kNotFound, "no such resource");
    owner = Text(rows[0][0]);
  }
  RAMPART_TRY(store::LockRow(c, "tenants", owner));
  return GetResource(c, tenant_id, id);  // read after the lock: the latest committed state
}

Result<std::vector<Resource>> ListResources(store::Connection& c, std::string_view tenant_id,
                                            int64_t after_seq, int64_t limit) {
  return Select(c, "tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                {std::string(tenant_id), after_seq, limit});
}

Result<std::vector<Resource>> ListAllResources(store::Connection& c) {
  return Select(c, "true ORDER BY seq", {});
}

Result<std::vector<Resource>> ResourcesOfOrder(store::Connection& c, std::string_view order_id) {
  return Select(c, "order_id = $1 ORDER BY seq", {std::string(order_id)});
}

Result<std::vector<ResourceOfOrder>> ResourceStatesOfOrder(store::Connection& c,
                                                           std::string_view order_id) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT id, state FROM resources WHERE order_id = $1 ORDER BY seq", {std::string(order_id)}));
  std::vector<ResourceOfOrder> out;
  for (const auto& r : rows) {
    auto state = billing::ParseResourceState(Text(r[1]));
    if (!state) {
      return common::Fail(common::Code::kStorageError,
                          "resource " + Text(r[0]) + " has no known state: " + Text(r[1]));
    }
    out.push_back({Text(r[0]), *state});
  }
  return out;
}

Result<std::vector<Resource>> ResourcesCreatedBefore(store::Connection& c,
                                                     std::string_view tenant_id, Instant end) {
  return Select(c, "tenant_id = $1 AND created_at < $2 ORDER BY seq",
                {std::string(tenant_id), EpochSeconds(end)});
}

Result<std::vector<Resource>> LiveResources(store::Connection& c, std::string_view tenant_id) {
  return Select(c,
                "tenant_id = $1 AND state IN ('provisioning', 'running', 'expired') ORDER BY seq",
                {std::string(tenant_id)});
}

Result<void> UpdateResource(store::Connection& c, const Resource& r, Instant at,
                            std::string_view reason) {
  RAMPART_TRY(c.Query(
      "UPDATE resources SET state = $2, base_gbps = $3, elastic_gbps = $4, forwarding_mode = $5, "
      "auto_renew = $6, delivered_at = $7, expires_at = $8, pending_forwarding_mode = $9 "
      "WHERE id = $1",
      {r.id, std::string(billing::ToString(r.state)), r.spec.base_gbps, r.spec.elastic_gbps,
       std::string(billing::ToString(r.spec.forwarding_mode)), int64_t{r.auto_renew},
       OptionalTime(r.delivered_at), OptionalTime(r.expires_at),
       r.pending_forwarding_mode ? Value{std::string(billing::ToString(*r.pending_forwarding_mode))}
                                 : Value{}}));
  return AppendHistory(c, r, at, reason);
}

Result<void> AssignIp(store::Connection& c, std::string_view resource_id, std::string_view ip,
                      std::string_view pool_id, Instant now) {
  RAMPART_TRY(c.Query("INSERT INTO resource_ips (ip, resource_id, pool_id) VALUES ($1, $2, $3)",
                      {std::string(ip), std::string(resource_id),
                       pool_id.empty() ? Value{} : Value{std::string(pool_id)}}));
  RAMPART_TRY(
      c.Query("INSERT INTO ip_assignments (ip, resource_id, tenant_id, from_at) "
              "SELECT $1, id, tenant_id, $3 FROM resources WHERE id = $2",
              {std::string(ip), std::string(resource_id), now.time_since_epoch().count()}));
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>> UnassignIps(store::Connection& c,
                                                                     std::string_view resource_id,
                                                                     std::string_view ip,
                                                                     Instant now) {
  const std::string one_ip = ip.empty() ? "" : " AND ip = $2";
  auto removed =
      c.Query("DELETE FROM resource_ips WHERE resource_id = $1" + one_ip + " RETURNING ip, pool_id",
              ip.empty() ? std::vector<Value>{std::string(resource_id)}
                         : std::vector<Value>{std::string(resource_id), std::string(ip)});
  if (!removed) return std::unexpected(removed.error());
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : *removed) {
    out.emplace_back(Text(row[0]), store::IsNull(row[1]) ? "" : Text(row[1]));
    auto h = c.Query(
        "UPDATE ip_assignments SET to_at = $3 WHERE ip = $1 AND resource_id = $2 AND to_at IS "
        "NULL",
        {out.back().first, std::string(resource_id), now.time_since_epoch().count()});
    if (!h) return std::unexpected(h.error());
  }
  return out;
}

Result<std::map<std::string, std::vector<IpOwner>>> OwnersSince(store::Connection& c,
                                                                const std::vector<std::string>& ips,
                                                                int64_t since) {
  std::map<std::string, std::vector<IpOwner>> out;
  for (size_t at = 0; at < ips.size(); at += store::kMaxRowsPerStatement) {
    const size_t n = std::min(store::kMaxRowsPerStatement, ips.size() - at);
    std::vector<store::Value> params(ips.begin() + static_cast<std::ptrdiff_t>(at),
                                     ips.begin() + static_cast<std::ptrdiff_t>(at + n));
    params.emplace_back(since);
    auto rows = RAMPART_TRY(
        c.Query("SELECT a.ip, a.resource_id, a.tenant_id, r.base_gbps, a.from_at, a.to_at FROM "
                "ip_assignments a JOIN resources r ON r.id = a.resource_id WHERE a.ip IN (" +
                    store::Placeholders(1, n) + ") AND (a.to_at IS NULL OR a.to_at > $" +
                    std::to_string(n + 1) + ") ORDER BY a.ip, a.from_at",
                params));
    for (const auto& r : rows) {
      out[Text(r[0])].push_back(
          IpOwner{Text(r[1]), Text(r[2]), Int(r[3]) * 1'000'000'000, Int(r[4]),
                  store::IsNull(r[5]) ? std::numeric_limits<int64_t>::max() : Int(r[5])});
    }
  }
  return out;
}

Result<void> PurgeAssignmentsEndedBefore(store::Connection& c, Instant before) {
  RAMPART_TRY(c.Query("DELETE FROM ip_assignments WHERE to_at IS NOT NULL AND to_at < $1",
                      {EpochSeconds(before)}));
  return {};
}

Result<std::vector<HistoryEntry>> History(store::Connection& c, std::string_view resource_id) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT effective_at, state, base_gbps, elastic_gbps, forwarding_mode, reason, "
      "elastic_suspended FROM config_history WHERE resource_id = $1 ORDER BY effective_at, seq",
      {std::string(resource_id)}));
  std::vector<HistoryEntry> out;
  for (const auto& r : rows) {
    out.push_back({FromEpochSeconds(Int(r[0])), *billing::ParseResourceState(Text(r[1])), Int(r[2]),
                   Int(r[3]), *billing::ParseForwardingMode(Text(r[4])), Int(r[6]) != 0,
                   Text(r[5])});
  }
  return out;
}

Result<void> RecordPaidPeriod(store::Connection& c, std::string_view resource_id,
                              std::string_view kind, const billing::PaidPeriod& period,
                              Instant at) {
  RAMPART_TRY(
      c.Query("INSERT INTO paid_periods (resource_id, kind, amount_fen, from_at, to_at, at) "
              "VALUES ($1, $2, $3, $4, $5, $6)",
              {std::string(resource_id), std::string(kind), period.amount.fen(),
               period.from.time_since_epoch().count(), period.to.time_since_epoch().count(),
               at.time_since_epoch().count()}));
  return {};
}

Result<std::vector<billing::PaidPeriod>> PaidPeriods(store::Connection& c,
                                                     std::string_view resource_id) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT amount_fen, from_at, to_at FROM paid_periods WHERE resource_id = $1 ORDER BY seq",
      {std::string(resource_id)}));
  std::vector<billing::PaidPeriod> out;
  for (const auto& r : rows) {
    out.push_back({common::Money::FromFen(Int(r[0])), Instant(common::Seconds(Int(r[1]))),
                   Instant(common::Seconds(Int(r[2])))});
  }
  return out;
}

std::vector<billing::ConfigSegment> Timeline(const std::vector<HistoryEntry>& history, Instant from,
                                             Instant to) {
  std::vector<billing::ConfigSegment> out;
  auto segment = [](const HistoryEntry& e, Instant at) {
    billing::ProtectionSpec spec;
    spec.base_gbps = e.base_gbps;
    spec.elastic_gbps = e.elastic_gbps;
    return billing::SegmentFor(at, spec, e.state, e.elastic_suspended);
  };
  const HistoryEntry* in_force = nullptr;
  for (const auto& e : history) {
    if (e.effective_at <= from) {
      in_force = &e;  // history is sorted: the last one at or before `from` wins
    } else if (e.effective_at < to) {
      if (in_force && out.empty()) out.push_back(segment(*in_force, from));
      // Several changes at one instant: the last recorded is what holds.
      if (!out.empty() && out.back().from == e.effective_at) out.pop_back();
      out.push_back(segment(e, e.effective_at));
    }
  }
  if (out.empty() && in_force) out.push_back(segment(*in_force, from));
  return out;
}

Result<void> ValidateLabels(const std::optional<std::string>& name,
                            const std::optional<std::vector<std::string>>& tags) {
  if (name) {
    auto n = PrintableLength(*name);
    if (!n || *n > 64) {
      return common::Fail(common::Code::kInvalidOption,
                          "name: at most 64 characters, no control characters", "name");
    }
  }
  if (tags) {
    if (tags->size() > 10)
      return common::Fail(common::Code::kInvalidOption, "at most 10 tags", "tags");
    for (size_t i = 0; i < tags->size(); ++i) {
      auto n = PrintableLength((*tags)[i]);
      if (!n || *n == 0 || *n > 32) {
        return common::Fail(common::Code::kInvalidOption,
                            "each tag: 1 to 32 characters, no control characters", "tags");
      }
      for (size_t j = 0; j < i; ++j) {
        if ((*tags)[j] == (*tags)[i]) {
          return common::Fail(common::Code::kInvalidOption,
                              "tag \"" + (*tags)[i] + "\" given twice", "tags");
        }
      }
    }
  }
  return {};
}

Result<Resource> SetLabels(store::Connection& c, std::string_view tenant_id, std::string_view id,
                           std::optional<std::string> name,
                           std::optional<std::vector<std::string>> tags) {
  auto r = GetResourceForUpdate(c, tenant_id, id);
  if (!r) return r;
  if (name) r->name = std::move(*name);
  if (tags) r->tags = std::move(*tags);
  std::string joined;
  for (const auto& t : r->tags) joined += (joined.empty() ? "" : "\n") + t;
  auto u =
      c.Query("UPDATE resources SET name = $1, tags = $2 WHERE id = $3", {r->name, joined, r->id});
  if (!u) return std::unexpected(u.error());
  return r;
}

}  // namespace rampart::lifecycle
