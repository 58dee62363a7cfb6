#include "api/purchase_json.h"

#include <boost/json.hpp>

#include "api/json_fields.h"

namespace rampart::api {

common::Result<billing::PurchaseOptions> ParsePurchaseOptions(const boost::json::value& body) {
  FieldReader r(body);
  billing::PurchaseOptions o;
  auto& spec = o.spec;
  if (auto p = r.String("product", true)) {
    if (auto product = catalog::ParseProduct(*p)) {
      spec.product = *product;
    } else {
      r.Problem("invalid_option", "product \"" + *p + "\" is not offered; allowed: hdip, hdp",
                "product");
    }
  }
  if (auto region = r.String("region", true)) spec.region = *region;
  const bool hdip = spec.product == catalog::Product::kHdip;
  if (auto line = r.String("line", hdip && r.ok())) spec.line = *line;
  if (auto scope = r.String("scope", false)) {
    if (auto s = billing::ParseScope(*scope)) {
      spec.scope = *s;
    } else {
      r.Problem("invalid_option", "scope \"" + *scope + "\" must be \"single\" or \"multi\"",
                "scope");
    }
  }
  if (auto n = r.Int("ip_count", false, 1, 100'000)) spec.ip_count = *n;
  if (auto n = r.Int("base_gbps", true, 1, 100'000)) spec.base_gbps = *n;
  if (auto n = r.Int("elastic_gbps", false, 0, 100'000)) spec.elastic_gbps = *n;
  if (auto mode = r.String("forwarding_mode", false)) {
    if (auto m = billing::ParseForwardingMode(*mode)) {
      spec.forwarding_mode = *m;
    } else {
      r.Problem("invalid_option",
                "forwarding_mode \"" + *mode + "\" must be \"by_traffic\" or \"by_bandwidth\"",
                "forwarding_mode");
    }
  }
  if (auto n = r.Int("quantity", false, 0, 1'000'000)) o.quantity = *n;
  if (auto n = r.Int("months", true, 0, 1'000)) o.months = *n;
  if (auto b = r.Bool("auto_renew", false)) o.auto_renew = *b;
  if (r.ok() && !hdip) {
    if (body.as_object().contains("line")) {
      r.Problem("invalid_option", "line applies to hdip only; an hdp is bought per region", "line");
    } else if (body.as_object().contains("forwarding_mode")) {
      r.Problem("invalid_option", "forwarding_mode applies to hdip only", "forwarding_mode");
    }
  }
  if (r.ok() && hdip &&
      (body.as_object().contains("scope") || body.as_object().contains("ip_count"))) {
    r.Problem("invalid_option", "scope and ip_count apply to hdp only",
              body.as_object().contains("scope") ? "scope" : "ip_count");
  }
  if (auto e = r.Finish()) return std::unexpected(*e);
  return o;
}

boost::json::value QuoteToJson(const billing::Quote& quote) {
  boost::json::array lines;
  for (const auto& l : quote.lines) {
    lines.push_back(boost::json::object{{"description", l.description},
                                        {"unit_price", l.unit_price.ToString()},
                                        {"months", l.months},
                                        {"quantity", l.quantity},
                                        {"discount", l.discount.ToString(2)},
                                        {"amount", l.amount.ToString()}});
  }
  return boost::json::object{
      {"amount", quote.amount.ToString()}, {"currency", "CNY"}, {"lines", std::move(lines)}};
}

}  // namespace rampart::api
