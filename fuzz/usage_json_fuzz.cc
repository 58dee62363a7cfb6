// libFuzzer: the usage body reader (POST /v1/usage), as JSON and as NDJSON — the fast path
// for plain lines and the strict reader behind it must never crash, hang or read out of
// bounds, whatever a meter sends. The first byte picks the format.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/usage_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool ndjson = data[0] & 1;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto samples = rampart::api::ParseUsageBody(body, ndjson);
  if (samples) {
    for (const auto& s : *samples) {
      // A sample read is a whole one; a refused one says why.
      if (!s.sample && s.parse_error.message.empty()) __builtin_trap();
    }
  }
  return 0;
}
