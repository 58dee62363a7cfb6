// Prepaid amounts (product.md §2-§3): quotes for new orders, renewals and upgrades, and the
// refund of a cancellation. Pure functions of the price book and their arguments.
//
// Every amount is an exact rational rounded once, half-up, to the fen at the line. An option
// the network does not offer is an `invalid_option` error whose `field` names the option and
// whose message lists the allowed values.
#pragma once

#include <string>
#include <vector>

#include "billing/protection.h"
#include "catalog/pricebook.h"
#include "common/error.h"
#include "common/money.h"
#include "common/time.h"

namespace rampart::billing {

using common::Decimal;
using common::Money;
using common::Result;

struct PurchaseOptions {
  ProtectionSpec spec;
  int64_t quantity = 1;
  int64_t months = 1;
  bool auto_renew = false;
};

struct QuoteLine {
  std::string description;  // "hdip cn-south/bgp, base 30 Gbps"
  Money unit_price;         // monthly price of one resource (IP factor applied), for display
  int64_t months = 0;
  int64_t quantity = 0;
  Decimal discount;  // 0.15 = 15 % off
  Money amount;      // exact: monthly x factor x months x quantity x (1 - discount), rounded once
};

struct Quote {
  Money amount;  // sum of the lines
  std::vector<QuoteLine> lines;
};

// Checks every option of `spec` against the price book (network or region, scope and IP
// count, base, elastic ceiling, forwarding mode). Returns the spec's price class on success.
Result<const catalog::PriceClass*> ValidateSpec(const catalog::PriceBook& book,
                                                const ProtectionSpec& spec);

// The amount of a new order. `first_hdp_purchase` enforces the minimum duration of a
// customer's first hdp (product.md §2).
Result<Quote> QuotePurchase(const catalog::PriceBook& book, const PurchaseOptions& options,
                            bool first_hdp_purchase);

// Renewing one resource for `months` (an allowed duration, with its discount).
Result<Quote> QuoteRenewal(const catalog::PriceBook& book, const ProtectionSpec& spec,
                           int64_t months);

struct UpgradeQuote {
  Quote quote;
  bool elastic_switched_off = false;  // the new base reaches the elastic peak
};

// Raising one resource's base to `new_base_gbps` with `remaining` time left on its term:
// (new monthly - old monthly) x remaining / (365/12 days), remaining to the second.
// Errors: `invalid_option` (base not offered, or not above the current one) and
// `expired` (no time remains).
Result<UpgradeQuote> QuoteUpgrade(const catalog::PriceBook& book, const ProtectionSpec& spec,
                                  int64_t new_base_gbps, common::Seconds remaining);

// How long after purchase a resource can still be cancelled (product.md §6).
inline constexpr common::Seconds kCancelWindow{5 * 86400};

// One prepaid payment for a resource and the span of time it pays for: the order's share
// (delivery to the first expiry), a renewal (the old expiry, or the renewal time if it had
// expired, to the new one), an upgrade (the upgrade time to the expiry then).
struct PaidPeriod {
  Money amount;
  common::Instant from;
  common::Instant to;
};

// What a cancellation at `now` gives back of all the payments for a resource's prepaid
// terms: each payment's unused part, pro rata to the second over its own period and rounded
// half-up to the fen as its own line, summed. A period not yet begun is returned whole, one
// already over not at all. Never fails; the cancel window is the caller's check.
Money UnusedValue(const std::vector<PaidPeriod>& periods, common::Instant now);

}  // namespace rampart::billing
