#include "formats/spec_json.h"

namespace rampart::formats {

SpecFieldsGiven ReadProtectionSpec(FieldReader& r, billing::ProtectionSpec* spec) {
  SpecFieldsGiven given;
  if (auto p = r.Choice("product", true, {"hdip", "hdp"}))
    spec->product = *catalog::ParseProduct(*p);
  if (auto region = r.String("region", true)) spec->region = *region;
  const bool hdip = spec->product == catalog::Product::kHdip;
  if (auto line = r.String("line", hdip && r.ok())) spec->line = *line;
  if (auto scope = r.Choice("scope", false, {"single", "multi"})) {
    spec->scope = *billing::ParseScope(*scope);
    given.scope = true;
  }
  if (auto n = r.Int("ip_count", false, 1, 100'000)) {
    spec->ip_count = *n;
    given.ip_count = true;
  }
  if (auto n = r.Int("base_gbps", true, 1, 100'000)) spec->base_gbps = *n;
  if (auto n = r.Int("elastic_gbps", false, 0, 100'000)) spec->elastic_gbps = *n;
  if (auto mode = r.Choice("forwarding_mode", false, {"by_traffic", "by_bandwidth"})) {
    spec->forwarding_mode = *billing::ParseForwardingMode(*mode);
  }
  return given;
}

}  // namespace rampart::formats
