// PriceBook: the operator's products, networks, options and list prices (product.md §1, §9).
//
// A PriceBook is plain data, validated once by the loader (pricebook_loader.h) so every
// invariant below holds for the rest of the program; immutable after loading and safe to
// share between threads. Lookups return nullptr when the option is not offered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/money.h"

namespace rampart::catalog {

using common::Decimal;
using common::Money;

enum class Product { kHdip, kHdp };
std::string_view ToString(Product p);
std::optional<Product> ParseProduct(std::string_view text);

// How a day's forwarded bandwidth is measured (product.md §5).
enum class BandwidthMeasure { kPeak, kP95 };
std::string_view ToString(BandwidthMeasure m);

struct BaseTier {
  int64_t gbps = 0;
  Money monthly;  // single-IP monthly list price
};

// The daily price of an excess in (lo, hi] Gbps.
struct ElasticRange {
  int64_t lo_gbps = 0;
  int64_t hi_gbps = 0;
  Money daily;
};

// Prices shared by a group of networks or regions (a column of the §9 tables).
// Invariants: `base` sorted by gbps, unique, non-empty; `elastic` contiguous from 0 with
// lo < hi; max_ceiling_gbps <= elastic.back().hi_gbps.
struct PriceClass {
  std::string name;
  std::vector<BaseTier> base;
  std::vector<ElasticRange> elastic;
  int64_t max_ceiling_gbps = 0;

  const BaseTier* FindBase(int64_t gbps) const;
  // The range containing `excess_bps` (> 0, in bit/s): lo*1e9 < excess <= hi*1e9.
  const ElasticRange* FindElasticRange(int64_t excess_bps) const;
  // "10, 20, 30" — for error messages.
  std::string AllowedBases() const;
};

struct ForwardingPrices {
  Money per_gb;        // by traffic, per 10^9 bytes of inbound + outbound
  Money per_mbps_day;  // by bandwidth, per billable Mbps per day
  BandwidthMeasure measure = BandwidthMeasure::kPeak;
};

struct HdipNetwork {
  std::string region;
  std::string line;
  size_t price_class = 0;  // index into PriceBook::hdip_classes
  ForwardingPrices forwarding;
};

struct HdpRegion {
  std::string region;
  size_t price_class = 0;  // index into PriceBook::hdp_classes
};

struct IpCountFactor {
  int64_t ip_count = 0;
  Decimal factor;
};

struct DurationDiscount {
  int64_t min_months = 0;
  Decimal off;  // 0.15 = 15 % off
};

struct Terms {
  std::vector<int64_t> months;              // allowed durations, ascending
  std::vector<DurationDiscount> discounts;  // ascending by min_months
  int64_t max_quantity = 10;
  int64_t hdp_first_purchase_min_months = 3;
};

struct PriceBook {
  std::string time_zone = "Asia/Shanghai";
  std::string currency = "CNY";
  Terms terms;
  int64_t included_forwarding_mbps = 100;
  std::vector<PriceClass> hdip_classes;
  std::vector<HdipNetwork> hdip_networks;
  std::vector<PriceClass> hdp_classes;
  std::vector<HdpRegion> hdp_regions;
  std::vector<IpCountFactor> hdp_ip_factors;  // ascending; contains ip_count 1

  const HdipNetwork* FindHdipNetwork(std::string_view region, std::string_view line) const;
  const HdpRegion* FindHdpRegion(std::string_view region) const;
  const IpCountFactor* FindIpFactor(int64_t ip_count) const;
  // The price class of an offered hdip network or hdp region.
  const PriceClass& ClassOf(const HdipNetwork& n) const { return hdip_classes[n.price_class]; }
  const PriceClass& ClassOf(const HdpRegion& r) const { return hdp_classes[r.price_class]; }
  // The discount for a duration: the largest min_months <= months, else 0.
  Decimal DiscountFor(int64_t months) const;
  bool MonthsAllowed(int64_t months) const;
  // "1-12, 24, 36" / "cn-south/bgp, ..." / "1, 5, 10" — for error messages.
  std::string AllowedMonths() const;
  std::string AllowedHdipNetworks() const;
  std::string AllowedHdpRegions() const;
  std::string AllowedIpCounts() const;
};

}  // namespace rampart::catalog
