#include "postpaid/usage.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <tuple>

#include "lifecycle/notifications.h"
#include "postpaid/usage_block.h"

namespace rampart::postpaid {
namespace {

using store::Int;
using store::Text;

// A resource that protected an IP over [from, to) (to: INT64_MAX while it still does).
struct Owner {
  std::string resource;
  std::string tenant;
  int64_t base_bps = 0;
  int64_t from = 0;
  int64_t to = 0;
};

// Whoever protected `ip` at some moment since `since`, from the IP's assignment history.
common::Result<std::vector<Owner>> OwnersOf(store::Connection& c, const std::string& ip,
                                            int64_t since) {
  auto rows = c.Query(
      "SELECT a.resource_id, a.tenant_id, r.base_gbps, a.from_at, a.to_at FROM ip_assignments a "
      "JOIN resources r ON r.id = a.resource_id WHERE a.ip = $1 AND (a.to_at IS NULL OR a.to_at "
      "> $2) ORDER BY a.from_at",
      {ip, since});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Owner> owners;
  for (const auto& r : *rows) {
    owners.push_back(Owner{Text(r[0]), Text(r[1]), Int(r[2]) * 1'000'000'000, Int(r[3]),
                           store::IsNull(r[4]) ? std::numeric_limits<int64_t>::max() : Int(r[4])});
  }
  return owners;
}

// The resource protecting the IP at `t`, if any.
const Owner* OwnerAt(const std::vector<Owner>& owners, int64_t t) {
  for (const auto& o : owners) {
    if (o.from <= t && t < o.to) return &o;
  }
  return nullptr;
}

// Every block of a resource's day, decoded, keyed by (ip, window_s).
using Blocks = std::map<std::pair<std::string, int64_t>, UsageBlock>;

common::Result<Blocks> LoadBlocks(store::Connection& c, const std::string& resource,
                                  const std::string& day) {
  auto rows =
      c.Query("SELECT ip, window_s, slots FROM usage_blocks WHERE resource_id = $1 AND day = $2",
              {resource, day});
  if (!rows) return std::unexpected(rows.error());
  Blocks out;
  for (const auto& r : *rows) {
    auto block = UsageBlock::Decode(store::Bytes(r[2]));
    if (!block) return std::unexpected(block.error());
    out.emplace(std::make_pair(Text(r[0]), Int(r[1])), std::move(*block));
  }
  return out;
}

// The resource's attack at a window start: summed over its IPs and window lengths.
int64_t AttackAt(const Blocks& blocks, common::Instant day_start, common::Instant window_start) {
  const int64_t offset = (window_start - day_start).count();
  int64_t sum = 0;
  for (const auto& [key, block] : blocks) {
    if (offset % key.second != 0) continue;
    const auto slot = static_cast<size_t>(offset / key.second);
    if (slot < block.slots() && block.present(slot)) sum += block.at(slot).attack_bps;
  }
  return sum;
}

// Attack notices: the resource's attack crossing its base upward starts an attack, a later
// window at or below the base ends it. Windows older than the last one seen never end an
// attack early.
common::Result<void> TrackAttacks(store::Connection& c, const Owner& owner, const Blocks& blocks,
                                  common::Instant day_start, std::vector<common::Instant> windows,
                                  common::Instant now) {
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  auto state = c.Query("SELECT in_attack, last_window FROM attack_state WHERE resource_id = $1",
                       {owner.resource});
  if (!state) return std::unexpected(state.error());
  bool in_attack = !state->empty() && Int((*state)[0][0]) != 0;
  int64_t last = state->empty() ? 0 : Int((*state)[0][1]);
  for (const auto& w : windows) {
    const int64_t attack = AttackAt(blocks, day_start, w);
    const int64_t at = w.time_since_epoch().count();
    std::string event, message;
    if (attack > owner.base_bps && !in_attack) {
      event = "attack_started";
      message = "attack of " + std::to_string(attack / 1'000'000) + " Mbps above the base from " +
                common::FormatRfc3339(w);
      in_attack = true;
    } else if (attack <= owner.base_bps && in_attack && at > last) {
      event = "attack_ended";
      message = "attack ended by " + common::FormatRfc3339(w);
      in_attack = false;
    }
    if (!event.empty()) {
      if (auto n = lifecycle::Notify(c, owner.tenant, event, owner.resource, message, now); !n) {
        return n;
      }
    }
    last = std::max(last, at);
  }
  auto q = c.Query(
      "INSERT INTO attack_state (resource_id, in_attack, last_window) VALUES ($1, $2, $3) "
      "ON CONFLICT (resource_id) DO UPDATE SET in_attack = excluded.in_attack, "
      "last_window = excluded.last_window",
      {owner.resource, int64_t{in_attack}, last});
  if (!q) return std::unexpected(q.error());
  return {};
}

// Merges one owner's samples of a group into its block and stores it.
common::Result<void> StoreGroup(store::Connection& c, const Owner& owner, const SampleGroup& group,
                                const std::vector<const SampleGroup::Entry*>& entries,
                                common::Instant now, IngestReport* report) {
  auto blocks = LoadBlocks(c, owner.resource, group.day);
  if (!blocks) return std::unexpected(blocks.error());
  UsageBlock& block =
      blocks->try_emplace({group.ip, group.window_s}, UsageBlock(group.slots)).first->second;
  std::vector<common::Instant> accepted_windows;
  for (const auto* e : entries) {
    const auto slot =
        static_cast<size_t>((e->sample.window_start - group.day_start).count() / group.window_s);
    const WindowValues v{e->sample.attack_bps, e->sample.in_bytes, e->sample.out_bytes};
    if (!block.present(slot)) {
      block.Set(slot, v);
      accepted_windows.push_back(e->sample.window_start);
      ++report->accepted;
    } else if (block.at(slot) == v) {
      ++report->duplicates;
    } else {
      report->rejected.push_back(
          {e->index,
           {"conflict",
            "a different sample for " + group.ip + " at " +
                common::FormatRfc3339(e->sample.window_start) + " was already accepted",
            "window_start"}});
    }
  }
  if (accepted_windows.empty()) return {};
  auto saved = c.Query(
      "INSERT INTO usage_blocks (resource_id, day, ip, window_s, tenant_id, slots, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (resource_id, day, ip, window_s) "
      "DO UPDATE SET slots = excluded.slots, updated_at = excluded.updated_at",
      {owner.resource, group.day, group.ip, group.window_s, owner.tenant,
       store::Blob{block.Encode()}, now.time_since_epoch().count()});
  if (!saved) return std::unexpected(saved.error());
  // Samples for a day already billed: the next day close re-rates that day.
  auto late = c.Query(
      "INSERT INTO late_days (tenant_id, day) SELECT tenant_id, day FROM bills WHERE "
      "tenant_id = $1 AND day = $2 ON CONFLICT (tenant_id, day) DO NOTHING",
      {owner.tenant, group.day});
  if (!late) return std::unexpected(late.error());
  return TrackAttacks(c, owner, *blocks, group.day_start, std::move(accepted_windows), now);
}

}  // namespace

PreparedBatch PrepareSamples(const common::BillingCalendar& calendar,
                             const std::vector<IncomingSample>& samples, common::Instant now) {
  PreparedBatch batch;
  // Keyed by (IP, the day's start, window length): each group is one block, read, merged and
  // written once. The time-zone lookup is done once per day seen, not per sample.
  std::map<std::tuple<common::IpAddress, int64_t, int64_t>, std::vector<SampleGroup::Entry>> groups;
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
    groups[{in.sample->ip, cached_start.time_since_epoch().count(), in.sample->window_s}].push_back(
        {in.index, *in.sample});
  }
  batch.groups.reserve(groups.size());
  for (auto& [key, entries] : groups) {
    const auto& [ip, start, window_s] = key;
    const auto& [day, length] = days.at(start);
    batch.groups.push_back(SampleGroup{ip.ToString(), day, common::Instant(common::Seconds(start)),
                                       window_s, static_cast<size_t>(length / window_s),
                                       std::move(entries)});
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
  IngestReport report;
  report.rejected = batch.rejected;
  // The oldest window a sample may have (72 h, §7) with a day of margin: assignments that
  // ended before it cannot own any sample of this batch.
  const int64_t since = (now - std::chrono::hours(96)).time_since_epoch().count();
  std::map<std::string, std::vector<Owner>> owners;  // per IP, loaded once per batch
  for (const auto& group : batch.groups) {
    auto cached = owners.find(group.ip);
    if (cached == owners.end()) {
      auto loaded = OwnersOf(c, group.ip, since);
      if (!loaded) return std::unexpected(loaded.error());
      cached = owners.emplace(group.ip, std::move(*loaded)).first;
    }
    // Each sample goes to the resource protecting its IP at the window's start: usually one
    // for the whole group, two when the IP moved that day.
    std::map<const Owner*, std::vector<const SampleGroup::Entry*>> by_owner;
    for (const auto& e : group.entries) {
      const Owner* owner =
          OwnerAt(cached->second, e.sample.window_start.time_since_epoch().count());
      // The same answer whether the IP is unprotected, another tenant's, or not protected at
      // that window.
      if (!owner || (!tenant_id.empty() && owner->tenant != tenant_id)) {
        report.rejected.push_back(
            {e.index,
             {"unknown_ip", "no resource protects " + group.ip + " at that window", "ip"}});
        continue;
      }
      by_owner[owner].push_back(&e);
    }
    for (const auto& [owner, entries] : by_owner) {
      if (auto stored = StoreGroup(c, *owner, group, entries, now, &report); !stored) {
        return std::unexpected(stored.error());
      }
    }
  }
  std::sort(report.rejected.begin(), report.rejected.end(),
            [](const Rejection& a, const Rejection& b) { return a.index < b.index; });
  return report;
}

common::Result<std::vector<StoredWindow>> WindowsOfDay(store::Connection& c,
                                                       const common::BillingCalendar& calendar,
                                                       std::string_view tenant_id,
                                                       std::string_view resource_id,
                                                       std::string_view day) {
  auto owner = c.Query("SELECT count(*) FROM resources WHERE id = $1 AND tenant_id = $2",
                       {std::string(resource_id), std::string(tenant_id)});
  if (!owner) return std::unexpected(owner.error());
  if (Int((*owner)[0][0]) == 0) return common::Fail("not_found", "no such resource");
  auto blocks = LoadBlocks(c, std::string(resource_id), std::string(day));
  if (!blocks) return std::unexpected(blocks.error());
  const common::Instant day_start = calendar.DayStart(*common::ParseDay(day));
  std::vector<StoredWindow> out;
  for (const auto& [key, block] : *blocks) {
    for (size_t i = 0; i < block.slots(); ++i) {
      if (!block.present(i)) continue;
      const auto& v = block.at(i);
      out.push_back({key.first, day_start + common::Seconds(static_cast<int64_t>(i) * key.second),
                     key.second, v.attack_bps, v.in_bytes, v.out_bytes});
    }
  }
  std::sort(out.begin(), out.end(), [](const StoredWindow& a, const StoredWindow& b) {
    return std::tie(a.window_start, a.ip) < std::tie(b.window_start, b.ip);
  });
  return out;
}

common::Result<void> ForEachWindow(store::Connection& c, const common::BillingCalendar& calendar,
                                   std::string_view resource_id, common::Day day,
                                   const std::function<void(const metering::UsageSample&)>& f) {
  auto blocks = LoadBlocks(c, std::string(resource_id), common::FormatDay(day));
  if (!blocks) return std::unexpected(blocks.error());
  const common::Instant day_start = calendar.DayStart(day);
  for (const auto& [key, block] : *blocks) {
    metering::UsageSample s;
    s.window_s = key.second;
    for (size_t i = 0; i < block.slots(); ++i) {
      if (!block.present(i)) continue;
      s.window_start = day_start + common::Seconds(static_cast<int64_t>(i) * key.second);
      s.attack_bps = block.at(i).attack_bps;
      s.in_bytes = block.at(i).in_bytes;
      s.out_bytes = block.at(i).out_bytes;
      f(s);
    }
  }
  return {};
}

}  // namespace rampart::postpaid
