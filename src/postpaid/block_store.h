// How usage blocks (postpaid/usage_block.h) sit in the `usage_blocks` table: one row per
// part of a (resource, day, ip, window length, source) block. A batch appends its new windows as
// the block's next part; every kFoldAt-th part folds all of them back into part 0. Reading merges
// the parts in part order (a later part's copy of a window replaces an earlier one: a correction).
// Functions run inside the caller's transaction. This file owns the table: its rows, and on
// PostgreSQL its partitions (one per day, made ahead, dropped whole when the day expires).
#pragma once

#include <compare>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/calendar.h"
#include "common/error.h"
#include "common/time.h"
#include "postpaid/usage_block.h"
#include "store/sql.h"

namespace rampart::postpaid {

// One IP's windows of one length from one source (dataplane.md §1: sources add up).
struct BlockKey {
  std::string ip;
  int64_t window_s = 60;
  std::string source;
  auto operator<=>(const BlockKey&) const = default;
};
using Blocks = std::map<BlockKey, UsageBlock>;            // a resource's day, parts merged
using ResourceDay = std::pair<std::string, std::string>;  // (resource id, "YYYY-MM-DD")

// How a block is stored: how many parts, the last part's number.
struct Parts {
  int64_t count = 0;
  int64_t last = -1;
};
// A batch that would make this many parts folds them into part 0 instead.
inline constexpr int64_t kFoldAt = 16;

struct DayBlocks {
  Blocks blocks;
  std::map<BlockKey, Parts> parts;
};

common::Result<DayBlocks> LoadDayBlocks(store::Connection& c, const std::string& resource,
                                        const std::string& day);
common::Result<Blocks> LoadBlocks(store::Connection& c, const std::string& resource,
                                  const std::string& day);
// Many (resource, day)s in few statements (PostgreSQL, where each is a round trip).
common::Result<std::map<ResourceDay, DayBlocks>> LoadBlocks(store::Connection& c,
                                                            const std::set<ResourceDay>& wanted);

// Adds to `rows` what stores a (resource, day)'s new windows `added`: each block's next part,
// a few hundred bytes, instead of the whole day (up to 34.7 KB) — or, every kFoldAt-th part,
// the whole block as part 0, its later parts listed in `folds` for removal.
void AddPartRows(const ResourceDay& key, const DayBlocks& day,
                 const std::map<BlockKey, UsageBlock>& added, const std::string& tenant,
                 common::Instant now, std::vector<std::vector<store::Value>>* rows,
                 std::vector<std::vector<store::Value>>* folds);
// Writes AddPartRows' rows and removes the folded blocks' later parts.
common::Result<void> WriteBlocks(store::Connection& c,
                                 const std::vector<std::vector<store::Value>>& rows,
                                 const std::vector<std::vector<store::Value>>& folds);

// PostgreSQL: transaction-scoped advisory locks on the resources of `keys`, so that nodes
// merging the same blocks take turns (taken in one sorted order: no deadlock). SQLite has
// one writer: nothing to do.
common::Result<void> LockResources(store::Connection& c, const std::set<ResourceDay>& keys);

// On PostgreSQL, creates the usage partitions of `day` and the next `ahead` days (a day
// whose rows already sit in the default partition keeps them there); nothing on SQLite.
common::Result<void> EnsureUsagePartitions(store::Connection& c, common::Day day, int ahead);

// Deletes the blocks of the days before `oldest_kept` (on PostgreSQL, then drops their
// partitions).
common::Result<void> DeleteBlocksBefore(store::Connection& c, common::Day oldest_kept);

}  // namespace rampart::postpaid
