// Daily bills (api.md "Daily bill"): one per tenant per billing day, line by line, each line
// carrying the measures behind its amount so a bill explains itself. Plain data.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "billing/elastic_rating.h"
#include "billing/forwarding_rating.h"
#include "common/calendar.h"
#include "common/money.h"

namespace rampart::billing {

enum class LineKind { kElastic, kForwardingTraffic, kForwardingBandwidth, kAdjustment };
std::string_view ToString(LineKind k);

// A correction of a closed day's charge, found after late samples re-rated it.
struct AdjustmentMeasure {
  common::Day corrects_day;
  common::Money previous;
  common::Money corrected;
};

using LineMeasure =
    std::variant<ElasticMeasure, TrafficMeasure, BandwidthMeasure, AdjustmentMeasure>;

struct BillLine {
  std::string resource;
  LineKind kind = LineKind::kElastic;
  common::Money amount;
  LineMeasure measure;
};

struct DailyBill {
  common::Day day;
  std::string tenant;
  common::Money total;  // the sum of the lines
  bool closed = false;
  std::vector<BillLine> lines;

  void Add(BillLine line) {
    total += line.amount;
    lines.push_back(std::move(line));
  }
};

}  // namespace rampart::billing
