// libFuzzer: the streaming usage CSV reader of `rampart rate` — a hostile or truncated file
// gives rows and per-line errors, never a crash; line numbers only grow.
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "metering/usage_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;  // fmemopen needs a buffer
  std::FILE* in = fmemopen(const_cast<uint8_t*>(data), size, "r");
  if (!in) return 0;
  uint64_t last = 0;
  rampart::metering::UsageCsvReader reader(in);
  (void)reader.Read(
      [&](const rampart::metering::UsageSample&, uint64_t line) {
        if (line <= last) __builtin_trap();
        last = line;
      },
      [&](const rampart::common::Error& e, uint64_t line) {
        if (e.message.empty() || line <= last) __builtin_trap();
        last = line;
        return true;
      });
  std::fclose(in);
  return 0;
}
