// The quote/order body (api.md "Quote / order body") and the quote answer.
#pragma once

#include <boost/json/value.hpp>

#include "billing/prepaid.h"
#include "common/error.h"

namespace rampart::formats {

// Reads a purchase body strictly: types, ranges, unknown fields. Whether the options are on
// sale is the billing core's check (QuotePurchase), not this one.
// Defaults: scope "single", ip_count 1, elastic_gbps 0, forwarding_mode "by_traffic",
// quantity 1, auto_renew false.
common::Result<billing::PurchaseOptions> ParsePurchaseOptions(const boost::json::value& body);

// {"amount": "261120.00", "currency": "CNY", "lines": [...]}
boost::json::value QuoteToJson(const billing::Quote& quote);

}  // namespace rampart::formats
