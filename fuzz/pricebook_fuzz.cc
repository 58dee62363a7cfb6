// libFuzzer: the price-book loader (TOML -> validated PriceBook). An operator's file, however
// broken, must give a list of problems, never a crash; one it accepts must hold the loader's
// invariants (pricebook.h), checked here the way the billing core relies on them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/pricebook_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto book = rampart::catalog::ParsePriceBook(text, "fuzz.toml");
  if (!book) return 0;
  for (const auto* classes : {&book->hdip_classes, &book->hdp_classes}) {
    for (const auto& c : *classes) {
      if (c.base.empty() || c.elastic.empty() || c.elastic.front().lo_gbps != 0) __builtin_trap();
      for (size_t i = 1; i < c.elastic.size(); ++i) {
        if (c.elastic[i].lo_gbps != c.elastic[i - 1].hi_gbps) __builtin_trap();
      }
      if (c.max_ceiling_gbps > c.elastic.back().hi_gbps) __builtin_trap();
    }
  }
  return 0;
}
