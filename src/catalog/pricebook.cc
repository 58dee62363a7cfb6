#include "catalog/pricebook.h"

#include <algorithm>

namespace rampart::catalog {
namespace {

template <typename T, typename F>
std::string Join(const std::vector<T>& items, F&& to_text) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += to_text(item);
  }
  return out;
}

}  // namespace

std::string_view ToString(Product p) { return p == Product::kHdip ? "hdip" : "hdp"; }

std::optional<Product> ParseProduct(std::string_view text) {
  if (text == "hdip") return Product::kHdip;
  if (text == "hdp") return Product::kHdp;
  return std::nullopt;
}

std::string_view ToString(BandwidthMeasure m) {
  return m == BandwidthMeasure::kPeak ? "peak" : "p95";
}

const BaseTier* PriceClass::FindBase(int64_t gbps) const {
  auto it =
      std::find_if(base.begin(), base.end(), [&](const BaseTier& t) { return t.gbps == gbps; });
  return it == base.end() ? nullptr : &*it;
}

const ElasticRange* PriceClass::FindElasticRange(int64_t excess_bps) const {
  constexpr int64_t kGiga = 1'000'000'000;
  for (const auto& r : elastic) {
    if (excess_bps > r.lo_gbps * kGiga && excess_bps <= r.hi_gbps * kGiga) return &r;
  }
  return nullptr;
}

std::string PriceClass::AllowedBases() const {
  return Join(base, [](const BaseTier& t) { return std::to_string(t.gbps); });
}

const HdipNetwork* PriceBook::FindHdipNetwork(std::string_view region,
                                              std::string_view line) const {
  for (const auto& n : hdip_networks) {
    if (n.region == region && n.line == line) return &n;
  }
  return nullptr;
}

const HdpRegion* PriceBook::FindHdpRegion(std::string_view region) const {
  for (const auto& r : hdp_regions) {
    if (r.region == region) return &r;
  }
  return nullptr;
}

const IpCountFactor* PriceBook::FindIpFactor(int64_t ip_count) const {
  for (const auto& f : hdp_ip_factors) {
    if (f.ip_count == ip_count) return &f;
  }
  return nullptr;
}

Decimal PriceBook::DiscountFor(int64_t months) const {
  Decimal off;
  for (const auto& d : terms.discounts) {
    if (months >= d.min_months) off = d.off;
  }
  return off;
}

bool PriceBook::MonthsAllowed(int64_t months) const {
  return std::find(terms.months.begin(), terms.months.end(), months) != terms.months.end();
}

std::string PriceBook::AllowedMonths() const {
  // Collapses consecutive runs: 1,2,...,12,24,36 -> "1-12, 24, 36".
  std::string out;
  const auto& m = terms.months;
  for (size_t i = 0; i < m.size();) {
    size_t j = i;
    while (j + 1 < m.size() && m[j + 1] == m[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += std::to_string(m[i]);
    if (j > i) out += "-" + std::to_string(m[j]);
    i = j + 1;
  }
  return out;
}

std::string PriceBook::AllowedHdipNetworks() const {
  return Join(hdip_networks, [](const HdipNetwork& n) { return n.region + "/" + n.line; });
}

std::string PriceBook::AllowedHdpRegions() const {
  return Join(hdp_regions, [](const HdpRegion& r) { return r.region; });
}

std::string PriceBook::AllowedIpCounts() const {
  return Join(hdp_ip_factors, [](const IpCountFactor& f) { return std::to_string(f.ip_count); });
}

}  // namespace rampart::catalog
