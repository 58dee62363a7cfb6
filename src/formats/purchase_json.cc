#include "formats/purchase_json.h"

#include <boost/json.hpp>

#include "formats/json_fields.h"
#include "formats/spec_json.h"

namespace rampart::formats {

common::Result<billing::PurchaseOptions> ParsePurchaseOptions(const boost::json::value& body) {
  FieldReader r(body);
  billing::PurchaseOptions o;
  auto& spec = o.spec;
  const SpecFieldsGiven given = ReadProtectionSpec(r, &spec);
  const bool hdip = spec.product == catalog::Product::kHdip;
  if (auto n = r.Int("quantity", false, 0, 1'000'000)) o.quantity = *n;
  if (auto n = r.Int("months", true, 0, 1'000)) o.months = *n;
  if (auto b = r.Bool("auto_renew", false)) o.auto_renew = *b;
  if (r.ok() && !hdip) {
    if (body.as_object().contains("line")) {
      r.Problem(common::Code::kInvalidOption,
                "line applies to hdip only; an hdp is bought per region", "line");
    } else if (body.as_object().contains("forwarding_mode")) {
      r.Problem(common::Code::kInvalidOption, "forwarding_mode applies to hdip only",
                "forwarding_mode");
    }
  }
  if (r.ok() && hdip && (given.scope || given.ip_count)) {
    r.Problem(common::Code::kInvalidOption, "scope and ip_count apply to hdp only",
              given.scope ? "scope" : "ip_count");
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

}  // namespace rampart::formats
