// libFuzzer: the NetFlow v5 / v9 / IPFIX and sFlow v5 decoders of `rampart collect` (a
// datagram goes to the one that recognises it, as in the collector). A datagram of any
// shape — and, since templates persist, any sequence of them — is decoded or refused with a
// reason, never a crash, an out-of-bounds read or unbounded growth. The input is split into
// datagrams at each 0xFE 0xFE pair so one run can teach templates and then use them.
// Then: the templates learnt survive a save and load, and the traffic meter fed the records
// loses and invents no byte (every destination protected: the windows' attack and clean
// bytes add up to the records' bytes times their sampling).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <vector>

#include "collect/flow_decoder.h"
#include "collect/sflow_decoder.h"
#include "collect/traffic_meter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rampart::collect::FlowDecoder decoder;
  rampart::collect::SflowDecoder sflow;
  static const auto exporter = rampart::common::IpAddress::Parse("192.0.2.1").value();
  std::vector<rampart::collect::FlowRecord> out;
  size_t start = 0;
  for (size_t i = 0; i + 1 <= size; ++i) {
    const bool split = i + 1 < size && data[i] == 0xFE && data[i + 1] == 0xFE;
    if (split || i + 1 == size) {
      const size_t end = split ? i : size;
      const std::span<const uint8_t> datagram{data + start, end - start};
      if (rampart::collect::SflowDecoder::Recognises(datagram)) {
        sflow.Decode(datagram, exporter, 1'764'115'200'000, out);
      } else {
        decoder.Decode(datagram, exporter, out);
      }
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
  rampart::collect::FlowDecoder reloaded;
  if (!reloaded.LoadTemplates(decoder.SaveTemplates())) __builtin_trap();
  if (reloaded.template_count() != decoder.template_count()) __builtin_trap();

  std::set<rampart::common::IpAddress> dsts;
  for (const auto& r : out) dsts.insert(r.dst);
  std::vector<rampart::collect::MeterUnit> units;
  for (const auto& ip : dsts) units.push_back({ip.ToString(), {}, {ip}});
  rampart::collect::TrafficMeter meter(120, /*count_bytes=*/true);
  meter.Configure(units);
  __int128 expected = 0;
  for (const auto& r : out) {
    meter.Add(r, 0);
    if (r.start_ms < 0 || r.end_ms < 0 || r.start_ms > 10'000'000'000'000 ||
        r.end_ms > 10'000'000'000'000) {
      continue;  // refused as bad_time
    }
    const unsigned __int128 scaled = static_cast<unsigned __int128>(r.bytes) * r.sampling;
    expected += static_cast<__int128>(std::min<unsigned __int128>(scaled, uint64_t{1} << 50));
  }
  std::vector<rampart::collect::WindowSample> windows;
  meter.Flush(windows);
  __int128 got = 0;
  for (const auto& w : windows) got += w.attack_bytes + w.clean_in_bytes;
  if (meter.stats().overflow == 0 && got != expected) __builtin_trap();
  return 0;
}
