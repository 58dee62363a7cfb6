#include "formats/bill_json.h"

#include <boost/json.hpp>

namespace rampart::formats {
namespace {

using boost::json::object;
using boost::json::value;

value TimeOrNull(const std::optional<common::Instant>& t) {
  return t ? value(common::FormatRfc3339(*t)) : value(nullptr);
}

// Decimal GB with no trailing zeros: 1,500,500,000,000 bytes -> "1500.5".
std::string Gigabytes(int64_t bytes) {
  std::string s = std::to_string(bytes / 1'000'000'000);
  int64_t frac = bytes % 1'000'000'000;
  if (frac == 0) return s;
  std::string digits = std::to_string(frac);
  digits.insert(0, 9 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return s + "." + digits;
}

struct MeasureToJson {
  value operator()(const billing::ElasticMeasure& m) const {
    object o{{"attack_peak_bps", m.attack_peak_bps},
             {"attack_peak_at", TimeOrNull(m.attack_peak_at)},
             {"excess_bps", std::max<int64_t>(m.excess_bps, 0)},
             {"excess_at", m.excess_bps > 0 ? TimeOrNull(m.excess_at) : value(nullptr)},
             {"base_bps", m.base_bps},
             {"ceiling_bps", m.ceiling_bps}};
    if (m.range) {
      o["range"] = object{{"lo_gbps", m.range->lo_gbps}, {"hi_gbps", m.range->hi_gbps}};
      o["daily_price"] = m.range->daily.ToString();
    } else {
      o["range"] = nullptr;
    }
    return o;
  }
  value operator()(const billing::TrafficMeasure& m) const {
    return object{{"in_bytes", m.in_bytes},
                  {"out_bytes", m.out_bytes},
                  {"total_gb", Gigabytes(m.in_bytes + m.out_bytes)},
                  {"price_per_gb", m.per_gb.ToString()}};
  }
  value operator()(const billing::BandwidthMeasure& m) const {
    return object{{"measure", catalog::ToString(m.measure)},
                  {"buckets", m.buckets},
                  {"dropped_buckets", m.dropped},
                  {"bucket_at", TimeOrNull(m.bucket_at)},
                  {"bucket_bytes", m.bucket_bytes},
                  {"bandwidth_bps", m.measure_bps},
                  {"included_mbps", m.included_mbps},
                  {"billable_mbps", m.billable_mbps},
                  {"price_per_mbps_day", m.per_mbps_day.ToString()}};
  }
  value operator()(const billing::AdjustmentMeasure& m) const {
    return object{{"corrects_day", common::FormatDay(m.corrects_day)},
                  {"previous", m.previous.ToString()},
                  {"corrected", m.corrected.ToString()}};
  }
};

}  // namespace

value BillToJson(const billing::DailyBill& bill) {
  boost::json::array lines;
  for (const auto& l : bill.lines) {
    lines.push_back(object{{"resource", l.resource},
                           {"kind", billing::ToString(l.kind)},
                           {"amount", l.amount.ToString()},
                           {"measure", std::visit(MeasureToJson{}, l.measure)}});
  }
  return object{{"day", common::FormatDay(bill.day)},
                {"tenant", bill.tenant.empty() ? value(nullptr) : value(bill.tenant)},
                {"currency", "CNY"},
                {"total", bill.total.ToString()},
                {"status", bill.closed ? "closed" : "open"},
                {"lines", std::move(lines)}};
}

value BillsToJson(std::span<const billing::DailyBill> bills) {
  boost::json::array out;
  for (const auto& b : bills) out.push_back(BillToJson(b));
  return out;
}

}  // namespace rampart::formats
