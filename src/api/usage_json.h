// Usage bodies (api.md "Usage sample"): a JSON array of samples, or NDJSON (one sample per
// line, Content-Type application/x-ndjson). A sample that cannot be read becomes that
// sample's rejection (its index, a code, a message naming the field); a body that is not
// an array at all is one error for the request.
#pragma once

#include <string_view>
#include <vector>

#include "common/error.h"
#include "postpaid/usage.h"

namespace rampart::api {

inline constexpr size_t kMaxSamplesPerBatch = 100'000;

common::Result<std::vector<postpaid::IncomingSample>> ParseUsageBody(std::string_view body,
                                                                     bool ndjson);

}  // namespace rampart::api
