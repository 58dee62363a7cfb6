#include "postpaid/usage.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "lifecycle/resources.h"
#include "notify/notifications.h"
#include "postpaid/bill_store.h"
#include "postpaid/block_store.h"
#include "postpaid/day_close.h"
#include "postpaid/usage_block.h"
#include "store/batch_sql.h"
#include "store/locks.h"

namespace rampart::postpaid {
namespace {

using store::Int;
using store::Text;

using Owner = lifecycle::IpOwner;

// The resource protecting the IP at `t`, if any.
const Owner* OwnerAt(const std::vector<Owner>& owners, int64_t t) {
  for (const auto& o : owners) {
    if (o.from <= t && t < o.to) return &o;
  }
  return nullptr;
}

// The resource's attack at a window start: summed over its IPs and window lengths.
int64_t AttackAt(const Blocks& blocks, common::Instant day_start, common::Instant window_start) {
  const int64_t offset = (window_start - day_start).count();
  int64_t sum = 0;
  for (const auto& [key, block] : blocks) {
    if (offset % key.window_s != 0) continue;
    const auto slot = static_cast<size_t>(offset / key.window_s);
    if (slot < block.slots() && block.present(slot)) sum += block.at(slot).attack_bps;
  }
  return sum;
}

struct AttackState {
  bool in_attack = false;
  int64_t last_window = 0;
};

// Attack notices: the resource's attack crossing its base upward starts an attack, a later
// window at or below the base ends it. Windows older than the last one seen never end an
// attack early.
common::Result<void> TrackAttacks(store::Connection& c, const Owner& owner, const Blocks& blocks,
                                  common::Instant day_start, std::vector<common::Instant> windows,
                                  AttackState* state, common::Instant now) {
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  for (const auto& w : windows) {
    const int64_t attack = AttackAt(blocks, day_start, w);
    const int64_t at = w.time_since_epoch().count();
    std::string event, message;
    if (attack > owner.base_bps && !state->in_attack) {
      event = "attack_started";
      message = "attack of " + std::to_string(attack / 1'000'000) + " Mbps above the base from " +
                common::FormatRfc3339(w);
      state->in_attack = true;
    } else if (attack <= owner.base_bps && state->in_attack && at > state->last_window) {
      event = "attack_ended";
      message = "attack ended by " + common::FormatRfc3339(w);
      state->in_attack = false;
    }
    if (!event.empty()) {
      if (auto n = notify::Notify(c, owner.tenant, event, owner.resource, message, now); !n) {
        return n;
      }
    }
    state->last_window = std::max(state->last_window, at);
  }
  return {};
}

// The attack state of each resource (absent: not under attack, nothing seen).
common::Result<std::map<std::string, AttackState>> LoadAttackStates(
    store::Connection& c, const std::vector<std::string>& resources) {
  std::map<std::string, AttackState> out;
  for (const auto& r : resources) out[r];
  for (size_t at = 0; at < resources.size(); at += store::kMaxRowsPerStatement) {
    const size_t n = std::min(store::kMaxRowsPerStatement, resources.size() - at);
    std::vector<store::Value> params(resources.begin() + static_cast<std::ptrdiff_t>(at),
                                     resources.begin() + static_cast<std::ptrdiff_t>(at + n));
    auto rows = RAMPART_TRY(c.Query(
        "SELECT resource_id, in_attack, last_window FROM attack_state WHERE resource_id IN (" +
            store::Placeholders(1, n) + ")",
        params));
    for (const auto& r : rows) out[Text(r[0])] = AttackState{Int(r[1]) != 0, Int(r[2])};
  }
  return out;
}

// A group's samples that go to one owner (usually the whole group; part of it when the IP
// moved that day).
struct Work {
  const Owner* owner;
  const SampleGroup* group;
  std::vector<const SampleGroup::Entry*> entries;
};

// Each sample goes to the resource protecting its IP at the window's start; the others are
// rejected as unknown_ip.
std::vector<Work> AssignOwners(const PreparedBatch& batch,
                               const std::map<std::string, std::vector<Owner>>& owners,
                               std::string_view tenant_id, IngestReport* report) {
  static const std::vector<Owner> kNobody;
  std::vector<Work> work;
  for (const auto& group : batch.groups) {
    auto found = owners.find(group.ip);
    const auto& history = found == owners.end() ? kNobody : found->second;
    std::map<const Owner*, std::vector<const SampleGroup::Entry*>> by_owner;
    for (const auto& e : group.entries) {
      const Owner* owner = OwnerAt(history, e.sample.window_start.time_since_epoch().count());
      // The same answer whether the IP is unprotected, another tenant's, or not protected at
      // that window.
      if (!owner || (!tenant_id.empty() && owner->tenant != tenant_id)) {
        report->rejected.push_back(
            {e.index,
             {common::Code::kUnknownIp, "no resource protects " + group.ip + " at that window",
              "ip"}});
        continue;
      }
      by_owner[owner].push_back(&e);
    }
    for (auto& [owner, entries] : by_owner) {
      work.push_back(Work{owner, &group, std::move(entries)});
    }
  }
  return work;
}

struct Merged {
  std::map<BlockKey, UsageBlock> added;  // each block's new (or corrected) windows only
  std::vector<common::Instant> windows;  // their starts
};

// Merges one (resource, day)'s work into its blocks, each source's block on its own: a new
// window is set, an identical repeat is a duplicate, a differing copy of the same revision a
// conflict, a higher revision replaces the copy, a lower one is stale.
Merged MergeUnit(const std::vector<const Work*>& unit, Blocks* blocks, IngestReport* report) {
  Merged out;
  for (const Work* w : unit) {
    const SampleGroup& g = *w->group;
    const BlockKey key{g.ip, g.window_s, g.source};
    UsageBlock& block = blocks->try_emplace(key, UsageBlock(g.slots)).first->second;
    UsageBlock* fresh = nullptr;
    for (const auto* e : w->entries) {
      const auto slot =
          static_cast<size_t>((e->sample.window_start - g.day_start).count() / g.window_s);
      const WindowValues v{e->sample.attack_bps, e->sample.in_bytes, e->sample.out_bytes};
      const int64_t revision = e->sample.revision;
      const bool present = block.present(slot);
      if (present && revision == block.revision(slot)) {
        if (block.at(slot) == v) {
          ++report->duplicates;
        } else {
          report->rejected.push_back(
              {e->index,
               {common::Code::kConflict,
                "a different sample for " + g.ip + " at " +
                    common::FormatRfc3339(e->sample.window_start) + " from source " + g.source +
                    " was already accepted (a correction needs a higher revision)",
                "window_start"}});
        }
        continue;
      }
      if (present && revision < block.revision(slot)) {
        report->rejected.push_back(
            {e->index,
             {common::Code::kStaleRevision,
              "revision " + std::to_string(revision) + " for " + g.ip + " at " +
                  common::FormatRfc3339(e->sample.window_start) + " from source " + g.source +
                  " is older than the stored " + std::to_string(block.revision(slot)),
              "revision"}});
        continue;
      }
      block.Set(slot, v, revision);
      if (!fresh) fresh = &out.added.try_emplace(key, g.slots).first->second;
      fresh->Set(slot, v, revision);
      out.windows.push_back(e->sample.window_start);
      ++report->accepted;
      if (present) ++report->replaced;
    }
  }
  return out;
}

// The resources' attack states back, in one statement.
common::Result<void> SaveAttackStates(store::Connection& c,
                                      const std::map<std::string, AttackState>& states) {
  std::vector<std::vector<store::Value>> rows;
  for (const auto& [resource, st] : states) {
    rows.push_back({resource, int64_t{st.in_attack}, st.last_window});
  }
  return store::InsertRows(c, "INSERT INTO attack_state (resource_id, in_attack, last_window)",
                           "ON CONFLICT (resource_id) DO UPDATE SET in_attack = "
                           "excluded.in_attack, last_window = excluded.last_window",
                           rows);
}

}  // namespace

PreparedBatch PrepareSamples(const common::BillingCalendar& calendar,
                             const std::vector<IncomingSample>& samples, common::Instant now) {
  PreparedBatch batch;
  // Keyed by (IP, the day's start, window length): each group is one block, read, merged and
  // written once. The time-zone lookup is done once per day seen, not per sample.
  std::map<std::tuple<common::IpAddress, int64_t, int64_t, std::string>,
           std::vector<SampleGroup::Entry>>
      groups;
  std::map<int64_t, std::pair<std::string, int64_t>> days;  // start -> ("YYYY-MM-DD", length s)
  common::Instant cached_start{}, cached_end{};
  for (const auto& in : samples) {
    if (!in.sample) {
      batch.rejected.push_back({in.index, in.parse_error});
      continue;
    }
    if (auto bad = metering::ValidateSample(*in.sample, now)) {
      batch.rejected.push_back({in.index, *bad});
      continue;
    }
    const common::Instant t = in.sample->window_start;
    if (t < cached_start || t >= cached_end) {
      const common::Day d = calendar.DayOf(t);
      cached_start = calendar.DayStart(d);
      cached_end = calendar.DayEnd(d);
      days.try_emplace(cached_start.time_since_epoch().count(), common::FormatDay(d),
                       (cached_end - cached_start).count());
    }
    groups[{in.sample->ip, cached_start.time_since_epoch().count(), in.sample->window_s,
            in.sample->source}]
        .push_back({in.index, *in.sample});
  }
  batch.groups.reserve(groups.size());
  for (auto& [key, entries] : groups) {
    const auto& [ip, start, window_s, source] = key;
    const auto& [day, length] = days.at(start);
    batch.groups.push_back(SampleGroup{ip.ToString(), source, day,
                                       common::Instant(common::Seconds(start)), window_s,
                                       static_cast<size_t>(length / window_s), std::move(entries)});
  }
  return batch;
}

common::Result<IngestReport> IngestSamples(store::Connection& c,
                                           const common::BillingCalendar& calendar,
                                           std::string_view tenant_id,
                                           const std::vector<IncomingSample>& samples,
                                           common::Instant now) {
  return StoreSamples(c, tenant_id, PrepareSamples(calendar, samples, now), now);
}

common::Result<IngestReport> StoreSamples(store::Connection& c, std::string_view tenant_id,
                                          const PreparedBatch& batch, common::Instant now) {
  // A handful of statements per batch, whatever its size: on PostgreSQL each statement is a
  // round trip. The owners of every IP, the blocks of every (resource, day), the attack
  // states; then the merged blocks, the late days and the attack states written back.
  IngestReport report;
  report.rejected = batch.rejected;
  std::vector<std::string> ips;
  for (const auto& g : batch.groups) ips.push_back(g.ip);
  std::sort(ips.begin(), ips.end());
  ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
  // The oldest window a sample may have (72 h, §7) with a day of margin: assignments that
  // ended before it cannot own any sample of this batch.
  const int64_t since = (now - std::chrono::hours(96)).time_since_epoch().count();
  auto owners = RAMPART_TRY(lifecycle::OwnersSince(c, ips, since));

  const std::vector<Work> work = AssignOwners(batch, owners, tenant_id, &report);
  // Stored a (resource, day) at a time, its resources' days in order.
  std::map<ResourceDay, std::vector<const Work*>> units;
  for (const auto& w : work) units[{w.owner->resource, w.group->day}].push_back(&w);
  std::set<ResourceDay> wanted;
  std::vector<std::string> resources;
  for (const auto& [key, _] : units) {
    wanted.insert(key);
    if (resources.empty() || resources.back() != key.first) resources.push_back(key.first);
  }
  // Nodes sharing a PostgreSQL database serialize their merges per resource: without it two
  // batches touching one block would each read it, merge their own samples and write it
  // back, the second write dropping the first's samples (READ COMMITTED; a test saw half of
  // the samples lost). SQLite has one writer already.
  RAMPART_TRY(LockResources(c, wanted));
  // On PostgreSQL every (resource, day)'s blocks come in one round trip; on SQLite each is
  // read just before it is merged, which keeps one day's blocks hot in cache at a time
  // (measured ~12 % faster there than holding the whole batch's).
  const bool prefetch = store::StatementsAreRoundTrips(c);
  std::map<ResourceDay, DayBlocks> prefetched;
  if (prefetch) {
    auto loaded = RAMPART_TRY(LoadBlocks(c, wanted));
    prefetched = std::move(loaded);
  }
  auto states = RAMPART_TRY(LoadAttackStates(c, resources));

  std::vector<std::vector<store::Value>> rows;   // block parts to write
  std::vector<std::vector<store::Value>> folds;  // blocks whose parts > 0 are folded into 0
  std::set<std::pair<std::string, std::string>> tenant_days;  // closed days with new samples
  for (const auto& [key, unit] : units) {
    DayBlocks day;
    if (prefetch) {
      day = std::move(prefetched[key]);
    } else {
      auto loaded = RAMPART_TRY(LoadDayBlocks(c, key.first, key.second));
      day = std::move(loaded);
    }
    auto merged = MergeUnit(unit, &day.blocks, &report);
    if (merged.added.empty()) continue;
    const Owner& owner = *unit.front()->owner;
    AddPartRows(key, day, merged.added, owner.tenant, now, &rows, &folds);
    if (!prefetch) {  // SQLite: written now, while the block is hot; PostgreSQL: all at once
      RAMPART_TRY(WriteBlocks(c, rows, folds));
      rows.clear();
      folds.clear();
    }
    // A day whose close is due may have been closed, or be closing right now on another node
    // without these samples: the next close re-rates it (no difference, no adjustment). Asking
    // whether its bill exists would miss a close that has not committed yet.
    const auto& g = *unit.front()->group;
    const common::Instant day_end =
        g.day_start + common::Seconds(static_cast<int64_t>(g.slots) * g.window_s);
    if (now >= day_end + kGrace) tenant_days.insert({owner.tenant, key.second});
    RAMPART_TRY(TrackAttacks(c, owner, day.blocks, g.day_start, std::move(merged.windows),
                             &states[key.first], now));
  }
  std::sort(report.rejected.begin(), report.rejected.end(),
            [](const Rejection& a, const Rejection& b) { return a.index < b.index; });
  if (report.accepted == 0) return report;
  RAMPART_TRY(WriteBlocks(c, rows, folds));
  RAMPART_TRY(MarkLateDays(c, tenant_days));
  RAMPART_TRY(SaveAttackStates(c, states));
  return report;
}

common::Result<std::vector<StoredWindow>> WindowsOfDay(store::Connection& c,
                                                       const common::BillingCalendar& calendar,
                                                       std::string_view tenant_id,
                                                       std::string_view resource_id,
                                                       std::string_view day, bool by_source) {
  RAMPART_TRY(lifecycle::GetResource(c, tenant_id, resource_id));  // not_found if not theirs
  auto blocks = RAMPART_TRY(LoadBlocks(c, std::string(resource_id), std::string(day)));
  const common::Instant day_start = calendar.DayStart(*common::ParseDay(day));
  std::vector<StoredWindow> out;
  // Summed over sources: keyed by (window start, ip, window length).
  std::map<std::tuple<common::Instant, std::string, int64_t>, size_t> at;
  for (const auto& [key, block] : blocks) {
    for (size_t i = 0; i < block.slots(); ++i) {
      if (!block.present(i)) continue;
      const auto& v = block.at(i);
      const common::Instant start =
          day_start + common::Seconds(static_cast<int64_t>(i) * key.window_s);
      if (!by_source) {
        auto [it, fresh] = at.try_emplace({start, key.ip, key.window_s}, out.size());
        if (!fresh) {
          StoredWindow& sum = out[it->second];
          sum.attack_bps += v.attack_bps;
          sum.in_bytes += v.in_bytes;
          sum.out_bytes += v.out_bytes;
          continue;
        }
      }
      StoredWindow w{key.ip, "", 0, start, key.window_s, v.attack_bps, v.in_bytes, v.out_bytes};
      if (by_source) {
        w.source = key.source;
        w.revision = block.revision(i);
      }
      out.push_back(std::move(w));
    }
  }
  std::sort(out.begin(), out.end(), [](const StoredWindow& a, const StoredWindow& b) {
    return std::tie(a.window_start, a.ip, a.window_s, a.source) <
           std::tie(b.window_start, b.ip, b.window_s, b.source);
  });
  return out;
}

common::Result<void> ForEachWindow(store::Connection& c, const common::BillingCalendar& calendar,
                                   std::string_view resource_id, common::Day day,
                                   const std::function<void(const metering::UsageSample&)>& f) {
  auto blocks = RAMPART_TRY(LoadBlocks(c, std::string(resource_id), common::FormatDay(day)));
  const common::Instant day_start = calendar.DayStart(day);
  for (const auto& [key, block] : blocks) {
    metering::UsageSample s;
    s.window_s = key.window_s;
    for (size_t i = 0; i < block.slots(); ++i) {
      if (!block.present(i)) continue;
      s.window_start = day_start + common::Seconds(static_cast<int64_t>(i) * key.window_s);
      s.attack_bps = block.at(i).attack_bps;
      s.in_bytes = block.at(i).in_bytes;
      s.out_bytes = block.at(i).out_bytes;
      f(s);
    }
  }
  return {};
}

}  // namespace rampart::postpaid
