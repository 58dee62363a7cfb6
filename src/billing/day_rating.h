// Rating one resource's billing day into bill lines: elastic protection for every product,
// forwarded traffic for hdip (product.md §4-§5). Pure: the caller gathers the day's usage
// (metering) and configuration history, and files the lines into the tenant's bill.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "billing/bill.h"
#include "billing/elastic_rating.h"
#include "billing/forwarding_rating.h"
#include "billing/protection.h"
#include "catalog/pricebook.h"

namespace rampart::billing {

struct ResourceDay {
  std::string resource_id;
  const catalog::PriceClass* elastic_prices = nullptr;           // required
  const catalog::ForwardingPrices* forwarding_prices = nullptr;  // hdip; nullptr for hdp
  ForwardingMode forwarding_mode = ForwardingMode::kByTraffic;   // the mode of this day
  std::span<const ConfigSegment> timeline;
  AttackSeries attack;
  ForwardedTraffic traffic;  // empty spans for hdp
};

// Appends the day's lines for one resource to `out`: an elastic line when any attack was
// measured (amount 0 when it stayed within the base), a forwarding line when any byte was
// forwarded (amount 0 when within the included bandwidth).
void RateResourceDay(const ResourceDay& day, int64_t included_forwarding_mbps,
                     std::vector<BillLine>* out);

}  // namespace rampart::billing
