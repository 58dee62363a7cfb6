// libFuzzer: the NetFlow v5 / v9 / IPFIX decoder of `rampart collect`. A datagram of any
// shape — and, since templates persist, any sequence of them — is decoded or refused with a
// reason, never a crash, an out-of-bounds read or unbounded growth. The input is split into
// datagrams at each 0xFE 0xFE pair so one run can teach templates and then use them.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "collect/flow_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rampart::collect::FlowDecoder decoder;
  static const auto exporter = rampart::common::IpAddress::Parse("192.0.2.1").value();
  std::vector<rampart::collect::FlowRecord> out;
  size_t start = 0;
  for (size_t i = 0; i + 1 <= size; ++i) {
    const bool split = i + 1 < size && data[i] == 0xFE && data[i + 1] == 0xFE;
    if (split || i + 1 == size) {
      const size_t end = split ? i : size;
      decoder.Decode({data + start, end - start}, exporter, out);
      start = i + 2;
      ++i;
    }
  }
  if (decoder.template_count() > rampart::collect::FlowDecoder::kMaxTemplatesPerExporter) {
    __builtin_trap();
  }
  for (const auto& r : out) {
    if (r.sampling == 0 || r.start_ms > r.end_ms) __builtin_trap();
  }
  return 0;
}
