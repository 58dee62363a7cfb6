#include "metering/day_ingest.h"

#include <map>

#include "billing/day_rating.h"
#include "billing/prepaid.h"

namespace rampart::metering {
namespace {}  // namespace

common::Result<std::unique_ptr<DayIngest>> DayIngest::Create(
    common::Instant day_start, common::Instant day_end, std::span<const RatedResource> resources) {
  std::unique_ptr<DayIngest> ingest(new DayIngest(day_start, day_end, resources.size()));
  for (size_t i = 0; i < resources.size(); ++i) {
    for (const auto& ip : resources[i].ips) {
      auto [it, inserted] = ingest->ips_.try_emplace(ip);
      if (!inserted) {
        return common::Fail(common::Code::kIpConflict,
                            "IP " + ip.ToString() + " is claimed by both " +
                                resources[it->second.resource].id + " and " + resources[i].id);
      }
      it->second.resource = i;
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
    *why = {common::Code::kUnknownIp, "no resource protects " + s.ip.ToString(), "ip"};
    return IngestOutcome::kRejected;
  }
  IpDay& ip = it->second;
  const int64_t offset = (s.window_start - day_start_).count();
  const size_t minutes = static_cast<size_t>((day_end_ - day_start_).count() / 60);
  const size_t slot = s.window_s == 60 ? static_cast<size_t>(offset / 60)
                                       : minutes + static_cast<size_t>(offset / 300);
  auto [kept, fresh] = ip.seen.try_emplace({slot, s.source});
  Kept& k = kept->second;
  const Kept incoming{s.revision, s.attack_bps, s.in_bytes, s.out_bytes};
  auto& usage = usage_[ip.resource];
  if (!usage) usage = std::make_unique<DayUsage>(day_start_, day_end_);
  if (!fresh) {
    const std::string what = s.ip.ToString() + " at " + common::FormatRfc3339(s.window_start) +
                             " (" + std::to_string(s.window_s) + " s" +
                             (s.source.empty() ? "" : ", source " + s.source) + ")";
    if (s.revision < k.revision) {
      *why = {common::Code::kStaleRevision,
              "revision " + std::to_string(s.revision) + " for " + what + " is older than " +
                  std::to_string(k.revision),
              "revision"};
      return IngestOutcome::kRejected;
    }
    if (s.revision == k.revision) {
      if (k.attack_bps == incoming.attack_bps && k.in_bytes == incoming.in_bytes &&
          k.out_bytes == incoming.out_bytes) {
        return IngestOutcome::kDuplicate;
      }
      *why = {common::Code::kConflict, "a different sample for " + what + " was already accepted",
              "window_start"};
      return IngestOutcome::kRejected;
    }
    UsageSample undo = s;  // the replaced copy's values, taken back out
    undo.attack_bps = -k.attack_bps;
    undo.in_bytes = -k.in_bytes;
    undo.out_bytes = -k.out_bytes;
    usage->Add(undo);
  }
  k = incoming;
  usage->Add(s);
  if (!fresh) return IngestOutcome::kReplaced;
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
