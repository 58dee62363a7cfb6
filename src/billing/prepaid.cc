#include "billing/prepaid.h"

#include <cassert>

namespace rampart::billing {
namespace {

using catalog::PriceBook;
using catalog::PriceClass;
using common::Fail;

constexpr __int128 kMicros = Decimal::kScale;

// "hdip cn-south/bgp", "hdp cn-east, 5 IPs".
std::string Offering(const ProtectionSpec& s) {
  if (s.product == Product::kHdip) return "hdip " + s.region + "/" + s.line;
  return "hdp " + s.region + ", " +
         (s.scope == Scope::kSingle ? "single IP" : std::to_string(s.ip_count) + " IPs");
}

std::string Describe(const ProtectionSpec& s, int64_t base_gbps) {
  return Offering(s) + ", base " + std::to_string(base_gbps) + " Gbps";
}

// The IP-count factor of a validated spec (1 for hdip).
Decimal FactorOf(const PriceBook& book, const ProtectionSpec& s) {
  if (s.product == Product::kHdip) return Decimal::FromInt(1);
  const auto* f = book.FindIpFactor(s.ip_count);
  assert(f != nullptr);
  return f->factor;
}

Result<int64_t> CheckMonths(const PriceBook& book, int64_t months) {
  if (!book.MonthsAllowed(months)) {
    return Fail(
        common::Code::kInvalidOption,
        "months " + std::to_string(months) + " is not offered; allowed: " + book.AllowedMonths(),
        "months");
  }
  return months;
}

QuoteLine PrepaidLine(const PriceBook& book, const ProtectionSpec& spec, Money monthly,
                      int64_t months, int64_t quantity) {
  const Decimal factor = FactorOf(book, spec);
  const Decimal off = book.DiscountFor(months);
  QuoteLine line;
  line.description = Describe(spec, spec.base_gbps);
  line.unit_price = Money::RoundHalfUp(__int128(monthly.fen()) * factor.micros(), kMicros);
  line.months = months;
  line.quantity = quantity;
  line.discount = off;
  line.amount = Money::RoundHalfUp(
      __int128(monthly.fen()) * factor.micros() * months * quantity * (kMicros - off.micros()),
      kMicros * kMicros);
  return line;
}

}  // namespace

Result<const PriceClass*> ValidateSpec(const PriceBook& book, const ProtectionSpec& spec) {
  const PriceClass* pc = nullptr;
  if (spec.product == Product::kHdip) {
    const auto* net = book.FindHdipNetwork(spec.region, spec.line);
    if (!net) {
      const bool region_known = [&] {
        for (const auto& n : book.hdip_networks)
          if (n.region == spec.region) return true;
        return false;
      }();
      return Fail(common::Code::kInvalidOption,
                  "hdip is not offered on " + spec.region + "/" + spec.line +
                      "; networks: " + book.AllowedHdipNetworks(),
                  region_known ? "line" : "region");
    }
    pc = &book.ClassOf(*net);
  } else {
    const auto* region = book.FindHdpRegion(spec.region);
    if (!region) {
      return Fail(common::Code::kInvalidOption,
                  "hdp is not offered in region \"" + spec.region +
                      "\"; regions: " + book.AllowedHdpRegions(),
                  "region");
    }
    pc = &book.ClassOf(*region);
    if (spec.scope == Scope::kSingle && spec.ip_count != 1) {
      return Fail(common::Code::kInvalidOption,
                  "ip_count " + std::to_string(spec.ip_count) +
                      " does not fit scope single, which protects exactly 1 IP; use scope multi",
                  "ip_count");
    }
    if (spec.scope == Scope::kMulti && (spec.ip_count <= 1 || !book.FindIpFactor(spec.ip_count))) {
      std::string allowed;
      for (const auto& f : book.hdp_ip_factors) {
        if (f.ip_count > 1) allowed += (allowed.empty() ? "" : ", ") + std::to_string(f.ip_count);
      }
      return Fail(common::Code::kInvalidOption,
                  "ip_count " + std::to_string(spec.ip_count) +
                      " is not offered for multi-IP packets; allowed: " + allowed,
                  "ip_count");
    }
  }
  if (!pc->FindBase(spec.base_gbps)) {
    return Fail(common::Code::kInvalidOption,
                "base_gbps " + std::to_string(spec.base_gbps) + " is not offered for " +
                    Offering(spec) + "; allowed: " + pc->AllowedBases(),
                "base_gbps");
  }
  if (spec.elastic_gbps != 0 &&
      (spec.elastic_gbps <= spec.base_gbps || spec.elastic_gbps > pc->max_ceiling_gbps)) {
    return Fail(common::Code::kInvalidOption,
                "elastic_gbps " + std::to_string(spec.elastic_gbps) +
                    " must be 0 (elastic off) or above base_gbps " +
                    std::to_string(spec.base_gbps) + " and at most " +
                    std::to_string(pc->max_ceiling_gbps),
                "elastic_gbps");
  }
  return pc;
}

Result<Quote> QuotePurchase(const PriceBook& book, const PurchaseOptions& o,
                            bool first_hdp_purchase) {
  auto pc = RAMPART_TRY(ValidateSpec(book, o.spec));
  if (o.quantity < 1 || o.quantity > book.terms.max_quantity) {
    return Fail(common::Code::kInvalidOption,
                "quantity " + std::to_string(o.quantity) + " is not allowed; allowed: 1-" +
                    std::to_string(book.terms.max_quantity),
                "quantity");
  }
  RAMPART_TRY(CheckMonths(book, o.months));
  if (o.spec.product == Product::kHdp && first_hdp_purchase &&
      o.months < book.terms.hdp_first_purchase_min_months) {
    return Fail(common::Code::kInvalidOption,
                "a first hdp purchase is at least " +
                    std::to_string(book.terms.hdp_first_purchase_min_months) + " months; got " +
                    std::to_string(o.months),
                "months");
  }
  const Money monthly = (pc)->FindBase(o.spec.base_gbps)->monthly;
  Quote q;
  q.lines.push_back(PrepaidLine(book, o.spec, monthly, o.months, o.quantity));
  q.amount = q.lines.back().amount;
  return q;
}

Result<Quote> QuoteRenewal(const PriceBook& book, const ProtectionSpec& spec, int64_t months) {
  auto pc = RAMPART_TRY(ValidateSpec(book, spec));
  RAMPART_TRY(CheckMonths(book, months));
  Quote q;
  q.lines.push_back(PrepaidLine(book, spec, (pc)->FindBase(spec.base_gbps)->monthly, months, 1));
  q.lines.back().description = "renewal: " + q.lines.back().description;
  q.amount = q.lines.back().amount;
  return q;
}

Result<UpgradeQuote> QuoteUpgrade(const PriceBook& book, const ProtectionSpec& spec,
                                  int64_t new_base_gbps, common::Seconds remaining) {
  auto pc = RAMPART_TRY(ValidateSpec(book, spec));
  const catalog::BaseTier* to = (pc)->FindBase(new_base_gbps);
  if (!to) {
    return Fail(common::Code::kInvalidOption,
                "base_gbps " + std::to_string(new_base_gbps) +
                    " is not offered; allowed: " + (pc)->AllowedBases(),
                "base_gbps");
  }
  if (new_base_gbps <= spec.base_gbps) {
    return Fail(common::Code::kInvalidOption,
                "an upgrade only raises the base: " + std::to_string(new_base_gbps) +
                    " Gbps is not above the current " + std::to_string(spec.base_gbps) + " Gbps",
                "base_gbps");
  }
  if (remaining.count() <= 0) {
    return Fail(common::Code::kExpired, "the term has ended; renew before upgrading");
  }
  const Money from = (pc)->FindBase(spec.base_gbps)->monthly;
  const Decimal factor = FactorOf(book, spec);
  // (new - old) x factor x remaining_s / (365/12 x 86400 s) = ... x 12 / (365 x 86400).
  const __int128 numerator =
      __int128(to->monthly.fen() - from.fen()) * factor.micros() * remaining.count() * 12;
  const __int128 denominator = kMicros * 365 * 86400;
  UpgradeQuote u;
  QuoteLine line;
  line.description = "upgrade: " + Describe(spec, spec.base_gbps) + " -> " +
                     std::to_string(new_base_gbps) + " Gbps, " + std::to_string(remaining.count()) +
                     " s remaining";
  line.unit_price =
      Money::RoundHalfUp(__int128(to->monthly.fen() - from.fen()) * factor.micros(), kMicros);
  line.quantity = 1;
  line.amount = Money::RoundHalfUp(numerator, denominator);
  u.quote.amount = line.amount;
  u.quote.lines.push_back(std::move(line));
  u.elastic_switched_off = spec.elastic_gbps != 0 && new_base_gbps >= spec.elastic_gbps;
  return u;
}

Money UnusedValue(const std::vector<PaidPeriod>& periods, common::Instant now) {
  Money total;
  for (const PaidPeriod& p : periods) {
    if (p.to <= p.from || now >= p.to) continue;
    if (now <= p.from) {
      total = total + p.amount;
      continue;
    }
    total = total + Money::RoundHalfUp(__int128(p.amount.fen()) * (p.to - now).count(),
                                       (p.to - p.from).count());
  }
  return total;
}

}  // namespace rampart::billing
