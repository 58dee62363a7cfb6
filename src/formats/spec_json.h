// The protection fields shared by a purchase body and a resource (api.md): product, region,
// line, scope, ip_count, base_gbps, elastic_gbps, forwarding_mode.
#pragma once

#include "billing/protection.h"
#include "formats/json_fields.h"

namespace rampart::formats {

struct SpecFieldsGiven {
  bool scope = false;
  bool ip_count = false;
};

// Reads the fields into `spec` (types and ranges; whether the combination is on sale is the
// billing core's check). `line` is required for hdip.
SpecFieldsGiven ReadProtectionSpec(FieldReader& r, billing::ProtectionSpec* spec);

}  // namespace rampart::formats
