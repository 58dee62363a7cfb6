#include "collect/sflow_decoder.h"

#include <array>

#include "collect/wire.h"

namespace rampart::collect {
namespace {

using wire::Bytes;
using wire::U16;
using wire::U32;
using wire::V4;
using wire::V6;

// sFlow v5 structure numbers (standard enterprise 0).
constexpr uint32_t kFlowSample = 1;
constexpr uint32_t kExpandedFlowSample = 3;
constexpr uint32_t kRawHeader = 1;
constexpr uint32_t kSampledIpv4 = 3;
constexpr uint32_t kSampledIpv6 = 4;
constexpr uint32_t kHeaderEthernet = 1;
constexpr uint32_t kHeaderIpv4 = 11;
constexpr uint32_t kHeaderIpv6 = 12;

// Reads the transport ports (and TCP's flags) of `protocol` at `l4`, when they are there.
void ReadPorts(Bytes h, size_t l4, uint8_t protocol, FlowRecord& r) {
  if ((protocol == 6 || protocol == 17 || protocol == 132) && l4 + 4 <= h.size()) {
    r.src_port = U16(h, l4);
    r.dst_port = U16(h, l4 + 2);
  }
  if (protocol == 6 && l4 + 14 <= h.size()) r.tcp_flags = h[l4 + 13];
  if ((protocol == 1 || protocol == 58) && l4 + 2 <= h.size()) {
    r.dst_port = static_cast<uint16_t>(h[l4] << 8 | h[l4 + 1]);  // type and code, as NetFlow
  }
}

// An IPv4 packet's header at h[at]: addresses, protocol, ports and its length. False when it
// is not a whole IPv4 header.
bool ReadIpv4(Bytes h, size_t at, FlowRecord& r, uint64_t& length) {
  if (at + 20 > h.size() || (h[at] >> 4) != 4) return false;
  const size_t ihl = static_cast<size_t>(h[at] & 0x0f) * 4;
  if (ihl < 20) return false;
  length = U16(h, at + 2);
  r.protocol = h[at + 9];
  r.src = V4(h.subspan(at + 12, 4));
  r.dst = V4(h.subspan(at + 16, 4));
  const bool first_fragment = (U16(h, at + 6) & 0x1fff) == 0;
  if (first_fragment) ReadPorts(h, at + ihl, r.protocol, r);
  return true;
}

// An IPv6 packet's header at h[at], past the extension headers that come before the
// transport's (hop-by-hop, routing, destination options, fragment; at most 8 of them).
bool ReadIpv6(Bytes h, size_t at, FlowRecord& r, uint64_t& length) {
  if (at + 40 > h.size() || (h[at] >> 4) != 6) return false;
  const uint16_t payload = U16(h, at + 4);
  length = payload == 0 ? 0 : uint64_t{payload} + 40;
  r.src = V6(h.subspan(at + 8, 16));
  r.dst = V6(h.subspan(at + 24, 16));
  uint8_t next = h[at + 6];
  size_t l4 = at + 40;
  bool first_fragment = true;
  for (int i = 0; i < 8; ++i) {
    if (next == 0 || next == 43 || next == 60) {
      if (l4 + 2 > h.size()) break;
      const uint8_t following = h[l4];
      l4 += (static_cast<size_t>(h[l4 + 1]) + 1) * 8;
      next = following;
    } else if (next == 44) {
      if (l4 + 8 > h.size()) break;
      first_fragment = (U16(h, l4 + 2) & 0xfff8) == 0;
      next = h[l4];
      l4 += 8;
    } else {
      break;
    }
  }
  r.protocol = next;
  if (first_fragment) ReadPorts(h, l4, next, r);
  return true;
}

// A raw packet header record: the IP packet behind its link header. Where the IP header gives
// no length, the frame's length less the stripped bytes and the link header.
bool ReadRawHeader(Bytes body, FlowRecord& r, uint64_t& length) {
  if (body.size() < 16) return false;
  const uint32_t protocol = U32(body, 0);
  const uint32_t frame_length = U32(body, 4);
  const uint32_t stripped = U32(body, 8);
  const uint32_t header_length = U32(body, 12);
  if (header_length > body.size() - 16) return false;
  const Bytes h = body.subspan(16, header_length);
  size_t at = 0;
  uint16_t type = 0;
  if (protocol == kHeaderEthernet) {
    if (h.size() < 14) return false;
    type = U16(h, 12);
    at = 14;
    for (int tags = 0; (type == 0x8100 || type == 0x88a8 || type == 0x9100) && tags < 4; ++tags) {
      if (at + 4 > h.size()) return false;
      type = U16(h, at + 2);
      at += 4;
    }
    if (type == 0x8847 || type == 0x8848) {  // MPLS: past the label stack, then IP by version
      for (int labels = 0; labels < 16; ++labels) {
        if (at + 4 > h.size()) return false;
        const bool bottom = (h[at + 2] & 0x01) != 0;
        at += 4;
        if (bottom) break;
      }
      if (at >= h.size()) return false;
      type = (h[at] >> 4) == 6 ? 0x86dd : 0x0800;
    }
  } else if (protocol == kHeaderIpv4) {
    type = 0x0800;
  } else if (protocol == kHeaderIpv6) {
    type = 0x86dd;
  } else {
    return false;
  }
  const bool ok =
      type == 0x0800 ? ReadIpv4(h, at, r, length) : type == 0x86dd && ReadIpv6(h, at, r, length);
  if (!ok) return false;
  if (length == 0) {
    const uint64_t overhead = uint64_t{stripped} + at;
    length = frame_length > overhead ? frame_length - overhead : 0;
  }
  return true;
}

// The sample's flow records: the first naming an IP packet fills `r`.
std::optional<DecodeIssue> ReadRecords(Bytes records, uint32_t count, FlowRecord& r,
                                       uint64_t& length, bool& found) {
  size_t at = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (at + 8 > records.size()) return DecodeIssue::kTruncated;
    const uint32_t format = U32(records, at);
    const uint32_t size = U32(records, at + 4);
    if (size > records.size() - at - 8) return DecodeIssue::kTruncated;
    const Bytes body = records.subspan(at + 8, size);
    at += 8 + size;
    if (found || (format >> 12) != 0) continue;
    switch (format & 0xfff) {
      case kRawHeader:
        found = ReadRawHeader(body, r, length);
        break;
      case kSampledIpv4:
      case kSampledIpv6: {
        // length, protocol, source and destination, ports, TCP flags, ToS or priority
        const size_t address = (format & 0xfff) == kSampledIpv4 ? 4 : 16;
        if (body.size() < 8 + 2 * address + 16) break;
        auto ip = [&](size_t at) {
          return address == 4 ? V4(body.subspan(at, 4)) : V6(body.subspan(at, 16));
        };
        length = U32(body, 0);
        r.protocol = static_cast<uint8_t>(U32(body, 4));
        r.src = ip(8);
        r.dst = ip(8 + address);
        const size_t ports = 8 + 2 * address;
        r.src_port = static_cast<uint16_t>(U32(body, ports));
        r.dst_port = static_cast<uint16_t>(U32(body, ports + 4));
        r.tcp_flags = static_cast<uint8_t>(U32(body, ports + 8));
        found = true;
        break;
      }
      default:
        break;
    }
  }
  return std::nullopt;
}

}  // namespace

bool SflowDecoder::Recognises(std::span<const uint8_t> d) {
  return d.size() >= 4 && U32(d, 0) == 5;
}

void SflowDecoder::Track(const SourceKey& key, uint32_t sequence, uint32_t drops) {
  auto it = sources_.find(key);
  if (it == sources_.end()) {
    if (sources_.size() < kMaxSources) sources_.emplace(key, SourceState{sequence + 1, drops});
    return;
  }
  SourceState& s = it->second;
  // A gap forward is lost samples; a step back is a restarted agent (or reordering): no loss.
  const auto gap = static_cast<int32_t>(sequence - s.next_sequence);
  if (gap > 0) stats_.lost += static_cast<uint32_t>(gap);
  if (gap >= 0 || gap < -1'000'000) s.next_sequence = sequence + 1;
  if (drops > s.drops) stats_.lost += drops - s.drops;
  s.drops = drops;
}

std::optional<DecodeIssue> SflowDecoder::Decode(std::span<const uint8_t> d,
                                                const common::IpAddress& exporter,
                                                int64_t arrival_ms, std::vector<FlowRecord>& out) {
  ++stats_.datagrams;
  auto fail = [&](DecodeIssue issue) {
    Count(issue);
    return issue;
  };
  if (d.size() < 8) return fail(DecodeIssue::kTruncated);
  if (U32(d, 0) != 5) return fail(DecodeIssue::kBadVersion);
  const uint32_t address_type = U32(d, 4);
  if (address_type != 1 && address_type != 2) return fail(DecodeIssue::kBadSet);
  size_t at = 8 + (address_type == 1 ? 4 : 16);
  if (at + 16 > d.size()) return fail(DecodeIssue::kTruncated);
  const uint32_t sub_agent = U32(d, at);
  const uint32_t samples = U32(d, at + 12);
  at += 16;
  for (uint32_t i = 0; i < samples; ++i) {
    if (at + 8 > d.size()) return fail(DecodeIssue::kTruncated);
    const uint32_t format = U32(d, at);
    const uint32_t size = U32(d, at + 4);
    if (size > d.size() - at - 8) return fail(DecodeIssue::kTruncated);
    const Bytes body = d.subspan(at + 8, size);
    at += 8 + size;
    if ((format >> 12) != 0) continue;
    const uint32_t kind = format & 0xfff;
    if (kind != kFlowSample && kind != kExpandedFlowSample) continue;  // counters and others
    const bool expanded = kind == kExpandedFlowSample;
    const size_t fixed = expanded ? 44 : 32;
    if (body.size() < fixed) return fail(DecodeIssue::kTruncated);
    const uint32_t sequence = U32(body, 0);
    const uint32_t source_id =
        expanded ? (U32(body, 4) << 24 | (U32(body, 8) & 0xffffff)) : U32(body, 4);
    const uint32_t rate = U32(body, expanded ? 12 : 8);
    const uint32_t drops = U32(body, expanded ? 20 : 16);
    const uint32_t count = U32(body, fixed - 4);
    ++stats_.samples;
    Track({exporter, sub_agent, source_id}, sequence, drops);
    FlowRecord r;
    uint64_t length = 0;
    bool found = false;
    if (auto issue = ReadRecords(body.subspan(fixed), count, r, length, found)) {
      return fail(*issue);
    }
    if (!found) {
      ++stats_.not_ip;
      continue;
    }
    r.bytes = length;
    r.packets = 1;
    r.start_ms = r.end_ms = arrival_ms;
    r.sampling = rate == 0 ? 1 : rate;
    out.push_back(r);
    ++stats_.records;
  }
  return std::nullopt;
}

}  // namespace rampart::collect
