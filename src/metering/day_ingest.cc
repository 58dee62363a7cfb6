#include "metering/day_ingest.h"

#include <map>

#include "billing/day_rating.h"
#include "billing/prepaid.h"

namespace rampart::metering {
namespace {

uint64_t Fingerprint(const UsageSample& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (int64_t v : {s.attack_bps, s.in_bytes, s.out_bytes}) {
    h = (h ^ static_cast<uint64_t>(v)) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  return h | 1;  // never 0, which means "not seen"
}

}  // namespace

common::Result<std::unique_ptr<DayIngest>> DayIngest::Create(
    common::Instant day_start, common::Instant day_end, std::span<const RatedResource> resources) {
  std::unique_ptr<DayIngest> ingest(new DayIngest(day_start, day_end, resources.size()));
  const size_t slots = static_cast<size_t>((day_end - day_start).count() / 60) +
                       static_cast<size_t>((day_end - day_start).count() / 300) + 1;
  for (size_t i = 0; i < resources.size(); ++i) {
    for (const auto& ip : resources[i].ips) {
      auto [it, inserted] = ingest->ips_.try_emplace(ip);
      if (!inserted) {
        return common::Fail("ip_conflict", "IP " + ip.ToString() + " is claimed by both " +
                                               resources[it->second.resource].id + " and " +
                                               resources[i].id);
      }
      it->second.resource = i;
      it->second.seen.assign(slots, 0);
    }
  }
  return ingest;
}

IngestOutcome DayIngest::Add(const UsageSample& s, std::optional<common::Instant> now,
                             common::Error* why) {
  if (auto bad = ValidateSample(s, now)) {
    *why = std::move(*bad);
    return IngestOutcome::kRejected;
  }
  if (s.window_start < day_start_ || s.window_start >= day_end_) return IngestOutcome::kOutsideDay;
  auto it = ips_.find(s.ip);
  if (it == ips_.end()) {
    *why = {"unknown_ip", "no resource protects " + s.ip.ToString(), "ip"};
    return IngestOutcome::kRejected;
  }
  IpDay& ip = it->second;
  const int64_t offset = (s.window_start - day_start_).count();
  const size_t minutes = static_cast<size_t>((day_end_ - day_start_).count() / 60);
  const size_t slot = s.window_s == 60 ? static_cast<size_t>(offset / 60)
                                       : minutes + static_cast<size_t>(offset / 300);
  const uint64_t fp = Fingerprint(s);
  if (ip.seen[slot] == fp) return IngestOutcome::kDuplicate;
  if (ip.seen[slot] != 0) {
    *why = {"conflict",
            "a different sample for " + s.ip.ToString() + " at " +
                common::FormatRfc3339(s.window_start) + " (" + std::to_string(s.window_s) +
                " s) was already accepted",
            "window_start"};
    return IngestOutcome::kRejected;
  }
  ip.seen[slot] = fp;
  auto& usage = usage_[ip.resource];
  if (!usage) usage = std::make_unique<DayUsage>(day_start_, day_end_);
  usage->Add(s);
  return IngestOutcome::kAccepted;
}

common::Result<std::vector<billing::DailyBill>> RateDay(const catalog::PriceBook& book,
                                                        common::Day day,
                                                        std::span<const RatedResource> resources,
                                                        const DayIngest& ingest, bool closed) {
  return RateDay(
      book, day, resources, [&](size_t i) { return ingest.UsageOf(i); }, closed);
}

common::Result<std::vector<billing::DailyBill>> RateDay(
    const catalog::PriceBook& book, common::Day day, std::span<const RatedResource> resources,
    const std::function<const DayUsage*(size_t)>& usage_of, bool closed) {
  std::map<std::string, billing::DailyBill> bills;
  std::vector<billing::BillLine> lines;
  for (size_t i = 0; i < resources.size(); ++i) {
    const RatedResource& r = resources[i];
    auto prices = billing::ValidateSpec(book, r.spec);
    if (!prices) {
      return common::Fail(prices.error().code, "resource " + r.id + ": " + prices.error().message,
                          prices.error().field);
    }
    billing::DailyBill& bill = bills[r.tenant];
    bill.day = day;
    bill.tenant = r.tenant;
    bill.closed = closed;
    const DayUsage* usage = usage_of(i);
    if (!usage) continue;
    billing::ResourceDay rd;
    rd.resource_id = r.id;
    rd.elastic_prices = *prices;
    if (r.spec.product == catalog::Product::kHdip) {
      rd.forwarding_prices = &book.FindHdipNetwork(r.spec.region, r.spec.line)->forwarding;
      rd.forwarding_mode = r.spec.forwarding_mode;
    }
    rd.timeline = r.timeline;
    rd.attack = usage->attack();
    rd.traffic = usage->traffic();
    lines.clear();
    billing::RateResourceDay(rd, book.included_forwarding_mbps, &lines);
    for (auto& line : lines) bill.Add(std::move(line));
  }
  std::vector<billing::DailyBill> out;
  out.reserve(bills.size());
  for (auto& [tenant, bill] : bills) out.push_back(std::move(bill));
  return out;
}

}  // namespace rampart::metering
