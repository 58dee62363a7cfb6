#include "postpaid/usage.h"

#include "lifecycle/notifications.h"

namespace rampart::postpaid {

using store::Int;
using store::Text;

namespace {

// Attack notices: the resource's attack (summed over its IPs for the window) crossing its
// base upward starts an attack, a later window back at or below the base ends it. Samples
// arriving out of order never end an attack early.
common::Result<void> TrackAttack(store::Connection& c, const std::string& resource,
                                 const std::string& tenant, const metering::UsageSample& s,
                                 common::Instant now) {
  const int64_t window = s.window_start.time_since_epoch().count();
  auto sums = c.Query(
      "SELECT (SELECT sum(attack_bps) FROM usage_samples WHERE resource_id = $1 AND "
      "window_start = $2), (SELECT base_gbps FROM resources WHERE id = $1), "
      "(SELECT in_attack FROM attack_state WHERE resource_id = $1), "
      "(SELECT last_window FROM attack_state WHERE resource_id = $1)",
      {resource, window});
  if (!sums) return std::unexpected(sums.error());
  const auto& row = (*sums)[0];
  const int64_t attack = Int(row[0]);
  const int64_t base = Int(row[1]) * 1'000'000'000;
  const bool in_attack = Int(row[2]) != 0;
  const int64_t last = store::IsNull(row[3]) ? 0 : Int(row[3]);
  std::string event;
  if (attack > base && !in_attack) {
    event = "attack_started";
  } else if (attack <= base && in_attack && window > last) {
    event = "attack_ended";
  }
  if (!event.empty()) {
    const std::string msg = event == "attack_started"
                                ? "attack of " + std::to_string(attack / 1'000'000) +
                                      " Mbps above the base from " +
                                      common::FormatRfc3339(s.window_start)
                                : "attack ended by " + common::FormatRfc3339(s.window_start);
    if (auto n = lifecycle::Notify(c, tenant, event, resource, msg, now); !n) return n;
  }
  auto q = c.Query(
      "INSERT INTO attack_state (resource_id, in_attack, last_window) VALUES ($1, $2, $3) "
      "ON CONFLICT (resource_id) DO UPDATE SET in_attack = excluded.in_attack, "
      "last_window = CASE WHEN excluded.last_window > attack_state.last_window THEN "
      "excluded.last_window ELSE attack_state.last_window END",
      {resource, int64_t{event.empty() ? in_attack : event == "attack_started"}, window});
  if (!q) return std::unexpected(q.error());
  return {};
}

}  // namespace

common::Result<IngestReport> IngestSamples(store::Connection& c,
                                           const common::BillingCalendar& calendar,
                                           std::string_view tenant_id,
                                           const std::vector<IncomingSample>& samples,
                                           common::Instant now) {
  IngestReport report;
  for (const auto& in : samples) {
    if (!in.sample) {
      report.rejected.push_back({in.index, in.parse_error});
      continue;
    }
    const metering::UsageSample& s = *in.sample;
    if (auto bad = metering::ValidateSample(s, now)) {
      report.rejected.push_back({in.index, *bad});
      continue;
    }
    const std::string ip = s.ip.ToString();
    auto owner = c.Query(
        "SELECT r.id, r.tenant_id, r.created_at FROM resource_ips i JOIN resources r ON "
        "r.id = i.resource_id WHERE i.ip = $1",
        {ip});
    if (!owner) return std::unexpected(owner.error());
    const bool known = !owner->empty() &&
                       (tenant_id.empty() || Text((*owner)[0][1]) == tenant_id) &&
                       Int((*owner)[0][2]) <= s.window_start.time_since_epoch().count();
    if (!known) {
      // The same answer whether the IP is unprotected or another tenant's.
      report.rejected.push_back(
          {in.index, {"unknown_ip", "no resource protects " + ip + " at that window", "ip"}});
      continue;
    }
    const std::string day = common::FormatDay(calendar.DayOf(s.window_start));
    auto inserted = c.Query(
        "INSERT INTO usage_samples (ip, window_start, window_s, resource_id, day, attack_bps, "
        "in_bytes, out_bytes, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "ON CONFLICT (ip, window_start, window_s) DO NOTHING RETURNING ip",
        {ip, s.window_start.time_since_epoch().count(), s.window_s, Text((*owner)[0][0]), day,
         s.attack_bps, s.in_bytes, s.out_bytes, now.time_since_epoch().count()});
    if (!inserted) return std::unexpected(inserted.error());
    if (!inserted->empty()) {
      ++report.accepted;
      // A sample for a day already billed: the next day close re-rates that day.
      auto late = c.Query(
          "INSERT INTO late_days (tenant_id, day) SELECT tenant_id, day FROM bills WHERE "
          "tenant_id = $1 AND day = $2 ON CONFLICT (tenant_id, day) DO NOTHING",
          {Text((*owner)[0][1]), day});
      if (!late) return std::unexpected(late.error());
      if (auto a = TrackAttack(c, Text((*owner)[0][0]), Text((*owner)[0][1]), s, now); !a) {
        return std::unexpected(a.error());
      }
      continue;
    }
    auto existing = c.Query(
        "SELECT attack_bps, in_bytes, out_bytes FROM usage_samples WHERE ip = $1 AND "
        "window_start = $2 AND window_s = $3",
        {ip, s.window_start.time_since_epoch().count(), s.window_s});
    if (!existing) return std::unexpected(existing.error());
    const auto& e = (*existing)[0];
    if (Int(e[0]) == s.attack_bps && Int(e[1]) == s.in_bytes && Int(e[2]) == s.out_bytes) {
      ++report.duplicates;
    } else {
      report.rejected.push_back(
          {in.index,
           {"conflict",
            "a different sample for " + ip + " at " + common::FormatRfc3339(s.window_start) +
                " was already accepted",
            "window_start"}});
    }
  }
  return report;
}

common::Result<std::vector<StoredWindow>> WindowsOfDay(store::Connection& c,
                                                       std::string_view tenant_id,
                                                       std::string_view resource_id,
                                                       std::string_view day) {
  auto owner = c.Query("SELECT count(*) FROM resources WHERE id = $1 AND tenant_id = $2",
                       {std::string(resource_id), std::string(tenant_id)});
  if (!owner) return std::unexpected(owner.error());
  if (Int((*owner)[0][0]) == 0) return common::Fail("not_found", "no such resource");
  auto rows = c.Query(
      "SELECT ip, window_start, window_s, attack_bps, in_bytes, out_bytes FROM usage_samples "
      "WHERE resource_id = $1 AND day = $2 ORDER BY window_start, ip",
      {std::string(resource_id), std::string(day)});
  if (!rows) return std::unexpected(rows.error());
  std::vector<StoredWindow> out;
  for (const auto& r : *rows) {
    out.push_back({Text(r[0]), common::Instant(common::Seconds(Int(r[1]))), Int(r[2]), Int(r[3]),
                   Int(r[4]), Int(r[5])});
  }
  return out;
}

}  // namespace rampart::postpaid
