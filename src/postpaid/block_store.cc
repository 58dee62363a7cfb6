#include "postpaid/block_store.h"

#include <algorithm>

#include "store/batch_sql.h"
#include "store/locks.h"

namespace rampart::postpaid {
namespace {

using store::Int;
using store::Text;

// Adds one stored row (ip, window_s, slots, part, source at `ip`, +1, +2, +3, +4) to `day`;
// rows come in part order.
common::Result<void> AddPart(DayBlocks* day, const store::Row& r, size_t ip) {
  auto block = RAMPART_TRY(UsageBlock::Decode(store::Bytes(r[ip + 2])));
  const BlockKey key{Text(r[ip]), Int(r[ip + 1]), Text(r[ip + 4])};
  auto [it, fresh] = day->blocks.try_emplace(key, std::move(block));
  if (!fresh) {
    if (auto m = it->second.Merge(block); !m) return m;
  }
  Parts& p = day->parts[key];
  ++p.count;
  p.last = std::max(p.last, Int(r[ip + 3]));
  return {};
}

}  // namespace

common::Result<DayBlocks> LoadDayBlocks(store::Connection& c, const std::string& resource,
                                        const std::string& day) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT ip, window_s, slots, part, source FROM usage_blocks WHERE resource_id = $1 AND "
      "day = $2 ORDER BY part",
      {resource, day}));
  DayBlocks out;
  for (const auto& r : rows) {
    if (auto a = AddPart(&out, r, 0); !a) return std::unexpected(a.error());
  }
  return out;
}

common::Result<Blocks> LoadBlocks(store::Connection& c, const std::string& resource,
                                  const std::string& day) {
  auto loaded = RAMPART_TRY(LoadDayBlocks(c, resource, day));
  return std::move(loaded.blocks);
}

common::Result<std::map<ResourceDay, DayBlocks>> LoadBlocks(store::Connection& c,
                                                            const std::set<ResourceDay>& wanted) {
  std::map<ResourceDay, DayBlocks> out;
  std::vector<std::string> resources;
  std::set<std::string> days;
  for (const auto& [resource, day] : wanted) {
    out[{resource, day}];
    if (resources.empty() || resources.back() != resource) resources.push_back(resource);
    days.insert(day);
  }
  for (size_t at = 0; at < resources.size(); at += store::kMaxRowsPerStatement) {
    const size_t n = std::min(store::kMaxRowsPerStatement, resources.size() - at);
    std::vector<store::Value> params(resources.begin() + static_cast<std::ptrdiff_t>(at),
                                     resources.begin() + static_cast<std::ptrdiff_t>(at + n));
    params.insert(params.end(), days.begin(), days.end());
    auto rows = c.Query(
        "SELECT resource_id, day, ip, window_s, slots, part, source FROM usage_blocks WHERE "
        "resource_id IN (" +
            store::Placeholders(1, n) + ") AND day IN (" + store::Placeholders(n + 1, days.size()) +
            ") ORDER BY part",
        params);
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) {
      auto it = out.find({Text(r[0]), Text(r[1])});
      if (it == out.end()) continue;  // another of the batch's days for this resource
      if (auto a = AddPart(&it->second, r, 2); !a) return std::unexpected(a.error());
    }
  }
  return out;
}

void AddPartRows(const ResourceDay& key, const DayBlocks& day,
                 const std::map<BlockKey, UsageBlock>& added, const std::string& tenant,
                 common::Instant now, std::vector<std::vector<store::Value>>* rows,
                 std::vector<std::vector<store::Value>>* folds) {
  for (const auto& [block_key, fresh] : added) {
    const auto& [ip, window_s, source] = block_key;
    auto found = day.parts.find(block_key);
    const Parts parts = found == day.parts.end() ? Parts{} : found->second;
    int64_t part = parts.last + 1;
    const UsageBlock* stored = &fresh;
    if (parts.count + 1 >= kFoldAt) {
      part = 0;
      stored = &day.blocks.at(block_key);
      folds->push_back({key.first, key.second, ip, window_s, source});
    }
    rows->push_back({key.first, key.second, ip, window_s, tenant, store::Blob{stored->Encode()},
                     now.time_since_epoch().count(), part, source});
  }
}

common::Result<void> LockResources(store::Connection& c, const std::set<ResourceDay>& keys) {
  std::vector<std::string> resources;  // each once: the keys are sorted by resource
  for (const auto& [resource, _] : keys) {
    if (resources.empty() || resources.back() != resource) resources.push_back(resource);
  }
  constexpr int kUsageLockClass = 7011;
  return store::LockKeys(c, kUsageLockClass, resources);
}

common::Result<void> WriteBlocks(store::Connection& c,
                                 const std::vector<std::vector<store::Value>>& rows,
                                 const std::vector<std::vector<store::Value>>& folds) {
  for (const auto& f : folds) {
    auto q = c.Query(
        "DELETE FROM usage_blocks WHERE resource_id = $1 AND day = $2 AND ip = $3 AND window_s "
        "= $4 AND source = $5 AND part > 0",
        f);
    if (!q) return std::unexpected(q.error());
  }
  return store::InsertRows(
      c,
      "INSERT INTO usage_blocks (resource_id, day, ip, window_s, tenant_id, slots, "
      "updated_at, part, source)",
      "ON CONFLICT (resource_id, day, ip, window_s, source, part) DO UPDATE SET slots = "
      "excluded.slots, updated_at = excluded.updated_at",
      rows);
}

common::Result<void> EnsureUsagePartitions(store::Connection& c, common::Day day, int ahead) {
  if (c.dialect() != store::Dialect::kPostgres) return {};
  for (int i = 0; i <= ahead; ++i) {
    const std::string d =
        common::FormatDay(common::Day(std::chrono::sys_days(day) + std::chrono::days(i)));
    std::string table = "usage_blocks_p" + d;
    table.erase(std::remove(table.begin(), table.end(), '-'), table.end());
    auto exists = RAMPART_TRY(
        c.Query("SELECT (SELECT count(*) FROM pg_class WHERE relname = $1), (SELECT count(*) FROM "
                "usage_blocks_default WHERE day = $2)",
                {table, d}));
    if (Int(exists[0][0]) > 0 || Int(exists[0][1]) > 0) continue;
    // `d` is a formatted date: safe to splice into DDL, which takes no parameters.
    if (auto r = c.ExecScript("CREATE TABLE " + table +
                              " PARTITION OF usage_blocks FOR VALUES IN ('" + d + "')");
        !r) {
      return r;
    }
  }
  return {};
}

common::Result<void> DeleteBlocksBefore(store::Connection& c, common::Day oldest_kept) {
  RAMPART_TRY(c.Query("DELETE FROM usage_blocks WHERE day < $1", {common::FormatDay(oldest_kept)}));
  if (c.dialect() != store::Dialect::kPostgres) return {};
  // Old days' partitions go whole, after their rows.
  std::string oldest = common::FormatDay(oldest_kept);
  oldest.erase(std::remove(oldest.begin(), oldest.end(), '-'), oldest.end());
  auto old = RAMPART_TRY(
      c.Query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE "
              "i.inhparent = 'usage_blocks'::regclass AND c.relname < $1 AND c.relname <> "
              "'usage_blocks_default'",
              {"usage_blocks_p" + oldest}));
  for (const auto& row : old) RAMPART_TRY(c.ExecScript("DROP TABLE " + store::Text(row[0])));
  return {};
}

}  // namespace rampart::postpaid
