#include "collect/flow_decoder.h"

#include <algorithm>
#include <cstring>

#include "collect/wire.h"

namespace rampart::collect {
namespace {

using wire::Bytes;
using wire::U16;
using wire::U32;
using wire::Uint;
using wire::V4;
using wire::V6;

// A sysUptime-relative time in Unix milliseconds against the header's clock: the difference
// taken modulo 2^32 as a signed number, so an uptime that wrapped after 49.7 days still gives
// the right time, and a time a little after the header's (an exporter's rounding) stays a
// little after it rather than 49.7 days before.
int64_t UptimeMs(int64_t header_ms, uint32_t uptime, uint32_t at) {
  return header_ms - static_cast<int32_t>(uptime - at);
}

// NTP time (seconds since 1900 and a 2^-32 fraction) in Unix milliseconds.
int64_t NtpMs(uint64_t ntp) {
  const int64_t seconds = static_cast<int64_t>(ntp >> 32) - 2'208'988'800LL;
  return seconds * 1000 + static_cast<int64_t>(((ntp & 0xffffffffULL) * 1000) >> 32);
}

// Information elements (v9 field types share the numbers below 128).
enum : uint16_t {
  kOctets = 1,
  kPackets = 2,
  kProtocol = 4,
  kTcpFlags = 6,
  kSrcPort = 7,
  kSrcV4 = 8,
  kDstPort = 11,
  kDstV4 = 12,
  kEndUptime = 21,
  kStartUptime = 22,
  kSrcV6 = 27,
  kDstV6 = 28,
  kSamplingInterval = 34,
  kSamplerId = 48,
  kSamplerRandomInterval = 50,
  kOctetsTotal = 85,
  kPacketsTotal = 86,
  kForwardingStatus = 89,
  kStartSeconds = 150,
  kEndSeconds = 151,
  kStartMs = 152,
  kEndMs = 153,
  kStartUs = 154,
  kEndUs = 155,
  kStartNs = 156,
  kEndNs = 157,
  kSystemInitMs = 160,
  kSelectorId = 302,
  kPacketInterval = 305,
  kPacketSpace = 306,
};

}  // namespace

std::string_view ToString(DecodeIssue issue) {
  switch (issue) {
    case DecodeIssue::kTruncated:
      return "truncated";
    case DecodeIssue::kBadVersion:
      return "bad_version";
    case DecodeIssue::kBadSet:
      return "bad_set";
    case DecodeIssue::kUnknownTemplate:
      return "unknown_template";
    case DecodeIssue::kTemplateLimit:
      return "template_limit";
    case DecodeIssue::kCount:
      break;
  }
  return "?";
}

size_t FlowDecoder::template_count() const {
  size_t n = 0;
  for (const auto& [_, d] : domains_) n += d.templates.size();
  return n;
}

size_t FlowDecoder::TemplatesOf(const common::IpAddress& exporter) const {
  size_t n = 0;
  for (auto it = domains_.lower_bound({exporter, 0});
       it != domains_.end() && it->first.first == exporter; ++it) {
    n += it->second.templates.size();
  }
  return n;
}

void FlowDecoder::Sequence(Domain& domain, uint32_t sequence, uint32_t advance) {
  if (domain.expected_sequence && sequence != *domain.expected_sequence) {
    const uint32_t gap = sequence - *domain.expected_sequence;  // modulo 2^32
    if (gap < (1u << 31)) stats_.lost += gap;  // ahead: lost; behind: late or reordered
  }
  domain.expected_sequence = sequence + advance;
}

std::optional<DecodeIssue> FlowDecoder::Decode(Bytes d, const common::IpAddress& exporter,
                                               std::vector<FlowRecord>& out) {
  ++stats_.datagrams;
  // Each path counts its own issues (a templated datagram may have several bad sets).
  const uint16_t version = d.size() < 2 ? 0 : U16(d, 0);
  if (version == 5) return DecodeV5(d, exporter, out);
  if (version == 9 || version == 10) return DecodeTemplated(d, version == 10, exporter, out);
  const DecodeIssue issue = d.size() < 2 ? DecodeIssue::kTruncated : DecodeIssue::kBadVersion;
  Count(issue);
  return issue;
}

std::optional<DecodeIssue> FlowDecoder::DecodeV5(Bytes d, const common::IpAddress& exporter,
                                                 std::vector<FlowRecord>& out) {
  constexpr size_t kHeader = 24, kRecord = 48;
  const auto fail = [&](DecodeIssue issue) {
    Count(issue);
    return issue;
  };
  if (d.size() < kHeader) return fail(DecodeIssue::kTruncated);
  const uint16_t count = U16(d, 2);
  if (count == 0 || count > 30) return fail(DecodeIssue::kBadSet);
  if (d.size() < kHeader + count * kRecord) return fail(DecodeIssue::kTruncated);
  const uint32_t uptime = U32(d, 4);
  const int64_t header_ms = int64_t{U32(d, 8)} * 1000 + U32(d, 12) / 1'000'000;
  const uint32_t interval = U16(d, 22) & 0x3fff;  // the top two bits are the mode
  if (domains_.size() < kMaxExporters || domains_.count({exporter, 0})) {
    Sequence(domains_[{exporter, 0}], U32(d, 16), count);
  }
  for (size_t i = 0; i < count; ++i) {
    const Bytes r = d.subspan(kHeader + i * kRecord, kRecord);
    // Built in place: a record built on the stack and copied was read back before its
    // byte-wide stores had landed (a store-forwarding stall per field, a quarter of the time).
    FlowRecord& f = out.emplace_back();
    f.src = V4(r.subspan(0, 4));
    f.dst = V4(r.subspan(4, 4));
    f.packets = U32(r, 16);
    f.bytes = U32(r, 20);
    // Uptime deltas modulo 2^32: right across the 49.7-day wrap.
    f.start_ms = UptimeMs(header_ms, uptime, U32(r, 24));
    f.end_ms = UptimeMs(header_ms, uptime, U32(r, 28));
    if (f.start_ms > f.end_ms) f.start_ms = f.end_ms;  // a bogus first-after-last
    f.src_port = U16(r, 32);
    f.dst_port = U16(r, 34);
    f.tcp_flags = r[37];
    f.protocol = r[38];
    f.sampling = interval > 1 ? interval : 1;
    ++stats_.records;
  }
  return std::nullopt;
}

std::optional<DecodeIssue> FlowDecoder::DecodeTemplated(Bytes d, bool ipfix,
                                                        const common::IpAddress& exporter,
                                                        std::vector<FlowRecord>& out) {
  const size_t header = ipfix ? 16 : 20;
  const auto fail = [&](DecodeIssue issue) {
    Count(issue);
    return issue;
  };
  if (d.size() < header) return fail(DecodeIssue::kTruncated);
  size_t end = d.size();
  if (ipfix) {
    end = U16(d, 2);  // the message's own length
    if (end < header || end > d.size()) return fail(DecodeIssue::kTruncated);
  }
  // v9: uptime, Unix seconds, packet sequence, source id. IPFIX: export time, record
  // sequence, observation domain.
  const uint32_t uptime = ipfix ? 0 : U32(d, 4);
  const int64_t header_ms = int64_t{U32(d, ipfix ? 4 : 8)} * 1000;
  const uint32_t sequence = U32(d, ipfix ? 8 : 12);
  const uint32_t domain_id = U32(d, ipfix ? 12 : 16);
  const DomainKey key{exporter, domain_id};
  if (!domains_.count(key) && domains_.size() >= kMaxExporters) {
    return fail(DecodeIssue::kTemplateLimit);
  }
  Domain& domain = domains_[key];
  data_records_ = 0;
  bool held_any = false;
  std::optional<DecodeIssue> issue;
  for (size_t at = header; at + 4 <= end;) {
    const uint16_t set_id = U16(d, at);
    const uint16_t length = U16(d, at + 2);
    if (length < 4 || at + length > end) {
      issue = fail(length < 4 ? DecodeIssue::kBadSet : DecodeIssue::kTruncated);
      break;  // the rest cannot be framed
    }
    const Bytes set = d.subspan(at + 4, length - 4);
    at += length;
    std::optional<DecodeIssue> set_issue;
    const uint16_t templates = ipfix ? 2 : 0, options = ipfix ? 3 : 1;
    if (set_id == templates || set_id == options) {
      set_issue = LearnTemplates(set, ipfix, set_id == options, exporter, domain);
    } else if (set_id >= 256) {
      auto t = domain.templates.find(set_id);
      if (t == domain.templates.end()) {
        if (held_bytes_ + set.size() <= kMaxHeldBytes) {
          domain.held.push_back(
              Held{set_id, ipfix, header_ms, uptime, std::vector<uint8_t>(set.begin(), set.end())});
          held_bytes_ += set.size();
          ++stats_.held;
          held_any = true;
        } else {
          set_issue = DecodeIssue::kUnknownTemplate;
        }
      } else {
        set_issue = DecodeData(set, t->second, ipfix, header_ms, uptime, domain, out);
      }
    } else {
      set_issue = DecodeIssue::kBadSet;
    }
    if (set_issue) {
      Count(*set_issue);  // skipped; the next set may still decode
      if (!issue) issue = set_issue;
    }
  }
  // v9 numbers datagrams; IPFIX numbers data records, options data included (before this
  // message). Held data has records not counted yet: the next message's number is not known.
  Sequence(domain, sequence, ipfix ? data_records_ : 1);
  if (ipfix && held_any) domain.expected_sequence.reset();
  if (!domain.held.empty()) DecodeHeld(domain, header_ms, out);
  return issue;
}

void FlowDecoder::DecodeHeld(Domain& domain, int64_t header_ms, std::vector<FlowRecord>& out) {
  std::vector<Held> keep;
  for (auto& h : domain.held) {
    auto t = domain.templates.find(h.template_id);
    if (t != domain.templates.end()) {
      if (auto bad = DecodeData(h.set, t->second, h.ipfix, h.header_ms, h.uptime_ms, domain, out)) {
        Count(*bad);
      }
      ++stats_.held_decoded;
    } else if (h.header_ms < header_ms - kHoldMs) {
      ++stats_.held_expired;
    } else {
      keep.push_back(std::move(h));
      continue;
    }
    held_bytes_ -= h.set.size();
  }
  domain.held = std::move(keep);
}

std::string FlowDecoder::SaveTemplates() const {
  // One line per domain: "D exporter domain sampling", then its samplers "S id interval",
  // and its templates "T id options scope_fields ie:length ...".
  std::string out = "flow-templates 1\n";
  for (const auto& [key, d] : domains_) {
    out += "D " + key.first.ToString() + " " + std::to_string(key.second) + " " +
           std::to_string(d.sampling) + "\n";
    for (const auto& [id, interval] : d.samplers) {
      out += "S " + std::to_string(id) + " " + std::to_string(interval) + "\n";
    }
    for (const auto& [id, t] : d.templates) {
      out += "T " + std::to_string(id) + " " + std::to_string(t.options) + " " +
             std::to_string(t.scope_fields);
      for (const auto& f : t.fields) {
        out += " " + std::to_string(f.id) + ":" + std::to_string(f.length);
      }
      out += "\n";
    }
  }
  return out;
}

bool FlowDecoder::LoadTemplates(std::string_view text) {
  std::map<DomainKey, Domain> loaded;
  Domain* current = nullptr;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    std::vector<std::string> w;
    for (size_t at = 0; at < line.size();) {
      const size_t sp = line.find(' ', at);
      w.push_back(line.substr(at, sp - at));
      at = sp == std::string::npos ? line.size() : sp + 1;
    }
    if (line_no++ == 0) {
      if (line != "flow-templates 1") return false;
      continue;
    }
    if (w.empty()) continue;
    try {
      if (w[0] == "D" && w.size() == 4) {
        auto ip = common::IpAddress::Parse(w[1]);
        if (!ip) return false;
        current = &loaded[{*ip, static_cast<uint32_t>(std::stoul(w[2]))}];
        current->sampling = static_cast<uint32_t>(std::stoul(w[3]));
      } else if (w[0] == "S" && w.size() == 3 && current) {
        current->samplers[static_cast<uint32_t>(std::stoul(w[1]))] =
            static_cast<uint32_t>(std::stoul(w[2]));
      } else if (w[0] == "T" && w.size() >= 4 && current) {
        Template t;
        t.options = w[2] == "1";
        t.scope_fields = static_cast<uint16_t>(std::stoul(w[3]));
        bool variable = false;
        for (size_t i = 4; i < w.size(); ++i) {
          const size_t colon = w[i].find(':');
          if (colon == std::string::npos) return false;
          Field f{static_cast<uint16_t>(std::stoul(w[i].substr(0, colon))),
                  static_cast<uint16_t>(std::stoul(w[i].substr(colon + 1)))};
          variable |= f.length == 65535;
          if (f.length != 65535) t.fixed_length += f.length;
          t.fields.push_back(f);
        }
        if (variable) t.fixed_length = 0;
        if (t.fields.empty() || (!variable && t.fixed_length == 0)) return false;
        current->templates[static_cast<uint16_t>(std::stoul(w[1]))] = std::move(t);
      } else {
        return false;
      }
    } catch (const std::exception&) {
      return false;
    }
  }
  domains_ = std::move(loaded);
  return true;
}

std::optional<DecodeIssue> FlowDecoder::LearnTemplates(Bytes set, bool ipfix, bool options,
                                                       const common::IpAddress& exporter,
                                                       Domain& domain) {
  size_t at = 0;
  // Each template: id, field count (IPFIX options: then the scope field count; v9 options:
  // scope and option lengths in bytes), then the fields.
  while (at + 4 <= set.size()) {
    const uint16_t id = U16(set, at);
    if (id == 0 && !ipfix) break;  // padding
    uint16_t count = U16(set, at + 2);
    uint16_t scope = 0;
    at += 4;
    if (options) {
      if (at + 2 > set.size()) return DecodeIssue::kTruncated;
      if (ipfix) {
        scope = U16(set, at);
        at += 2;
      } else {
        // v9: the second word is the scope fields' length in bytes, the third the options'.
        if (at + 2 > set.size()) return DecodeIssue::kTruncated;
        const uint16_t scope_bytes = count, option_bytes = U16(set, at);
        at += 2;
        if (scope_bytes % 4 || option_bytes % 4) return DecodeIssue::kBadSet;
        scope = scope_bytes / 4;
        count = static_cast<uint16_t>((scope_bytes + option_bytes) / 4);
      }
    }
    if (id < 256) return DecodeIssue::kBadSet;
    if (ipfix && count == 0) {  // a withdrawal
      domain.templates.erase(id);
      continue;
    }
    if (scope > count) return DecodeIssue::kBadSet;
    Template t;
    t.options = options;
    t.scope_fields = scope;
    t.fields.reserve(count);
    bool variable = false;
    size_t fixed = 0;
    for (uint16_t i = 0; i < count; ++i) {
      if (at + 4 > set.size()) return DecodeIssue::kTruncated;
      uint16_t ie = U16(set, at);
      const uint16_t length = U16(set, at + 2);
      at += 4;
      if (ipfix && (ie & 0x8000)) {  // enterprise-specific: its number follows; skipped
        if (at + 4 > set.size()) return DecodeIssue::kTruncated;
        at += 4;
        ie = 0;
      }
      if (length == 65535) {
        if (!ipfix) return DecodeIssue::kBadSet;  // v9 has no variable-length fields
        variable = true;
      } else {
        fixed += length;
      }
      t.fields.push_back({ie, length});
    }
    t.fixed_length = variable ? 0 : fixed;
    if (!variable && fixed == 0) return DecodeIssue::kBadSet;  // records of no bytes
    if (!domain.templates.count(id) && TemplatesOf(exporter) >= kMaxTemplatesPerExporter) {
      return DecodeIssue::kTemplateLimit;
    }
    domain.templates[id] = std::move(t);
  }
  return std::nullopt;
}

std::optional<DecodeIssue> FlowDecoder::DecodeData(Bytes set, const Template& t, bool ipfix,
                                                   int64_t header_ms, uint32_t uptime,
                                                   Domain& domain, std::vector<FlowRecord>& out) {
  size_t at = 0;
  const size_t min_record = t.fixed_length ? t.fixed_length : t.fields.size();
  // What is left after the last record shorter than a record is padding.
  while (at < set.size() && set.size() - at >= std::max<size_t>(min_record, 1)) {
    FlowRecord f;
    std::optional<uint64_t> start_uptime, end_uptime, start_ms, end_ms;
    uint64_t interval = 0, packet_interval = 0, packet_space = 0;
    std::optional<uint64_t> sampler;
    std::optional<int64_t> system_init;
    bool have_bytes = false, have_packets = false;
    for (const Field& field : t.fields) {
      size_t length = field.length;
      if (length == 65535) {
        if (at >= set.size()) return DecodeIssue::kTruncated;
        length = set[at++];
        if (length == 255) {
          if (at + 2 > set.size()) return DecodeIssue::kTruncated;
          length = U16(set, at);
          at += 2;
        }
      }
      if (at + length > set.size()) return DecodeIssue::kTruncated;
      const Bytes v = set.subspan(at, length);
      at += length;
      switch (field.id) {
        case kOctets:
          f.bytes = Uint(v);
          have_bytes = true;
          break;
        case kOctetsTotal:
          if (!have_bytes) f.bytes = Uint(v);
          break;
        case kPackets:
          f.packets = Uint(v);
          have_packets = true;
          break;
        case kPacketsTotal:
          if (!have_packets) f.packets = Uint(v);
          break;
        case kProtocol:
          f.protocol = static_cast<uint8_t>(Uint(v));
          break;
        case kTcpFlags:
          f.tcp_flags = static_cast<uint8_t>(Uint(v));
          break;
        case kSrcPort:
          f.src_port = static_cast<uint16_t>(Uint(v));
          break;
        case kDstPort:
          f.dst_port = static_cast<uint16_t>(Uint(v));
          break;
        case kSrcV4:
          if (length == 4) f.src = V4(v);
          break;
        case kDstV4:
          if (length == 4) f.dst = V4(v);
          break;
        case kSrcV6:
          if (length == 16) f.src = V6(v);
          break;
        case kDstV6:
          if (length == 16) f.dst = V6(v);
          break;
        case kStartUptime:
          start_uptime = Uint(v);
          break;
        case kEndUptime:
          end_uptime = Uint(v);
          break;
        case kStartSeconds:
          start_ms = Uint(v) * 1000;
          break;
        case kEndSeconds:
          end_ms = Uint(v) * 1000;
          break;
        case kStartMs:
          start_ms = Uint(v);
          break;
        case kEndMs:
          end_ms = Uint(v);
          break;
        case kStartUs:
        case kStartNs:
          start_ms = static_cast<uint64_t>(NtpMs(Uint(v)));
          break;
        case kEndUs:
        case kEndNs:
          end_ms = static_cast<uint64_t>(NtpMs(Uint(v)));
          break;
        case kSystemInitMs:
          system_init = static_cast<int64_t>(Uint(v));
          break;
        case kForwardingStatus:
          // unsigned8 (or the older 32-bit encoding: its low byte); the class is the top two
          // bits of that byte.
          if (length > 0) f.forwarding_status = static_cast<uint8_t>((v[length - 1] >> 6) & 3);
          break;
        case kSamplingInterval:
        case kSamplerRandomInterval:
          interval = Uint(v);
          break;
        case kPacketInterval:
          packet_interval = Uint(v);
          break;
        case kPacketSpace:
          packet_space = Uint(v);
          break;
        case kSamplerId:
        case kSelectorId:
          sampler = Uint(v);
          break;
        default:
          break;  // not needed (enterprise elements have id 0)
      }
    }
    ++data_records_;  // what IPFIX sequence numbers count: options data too
    if (packet_interval > 0) interval = (packet_interval + packet_space) / packet_interval;
    if (t.options) {
      // Options data: what the exporter says of itself (sampling, its boot time).
      if (interval > 0) {
        if (sampler) {
          domain.samplers[static_cast<uint32_t>(*sampler)] = static_cast<uint32_t>(interval);
        } else {
          domain.sampling = static_cast<uint32_t>(interval);
        }
      }
      if (system_init) domain.system_init_ms = *system_init;
      continue;
    }
    if (system_init) domain.system_init_ms = *system_init;
    // Times: absolute (IPFIX), else relative to the exporter's uptime (v9) or boot (IPFIX).
    if (!ipfix) {
      if (start_uptime) {
        f.start_ms = UptimeMs(header_ms, uptime, static_cast<uint32_t>(*start_uptime));
      }
      if (end_uptime) f.end_ms = UptimeMs(header_ms, uptime, static_cast<uint32_t>(*end_uptime));
    } else if (domain.system_init_ms) {
      if (start_uptime) f.start_ms = *domain.system_init_ms + static_cast<int64_t>(*start_uptime);
      if (end_uptime) f.end_ms = *domain.system_init_ms + static_cast<int64_t>(*end_uptime);
    }
    if (start_ms) f.start_ms = static_cast<int64_t>(*start_ms);
    if (end_ms) f.end_ms = static_cast<int64_t>(*end_ms);
    if (f.end_ms == 0) f.end_ms = header_ms;  // no times: the export's
    if (f.start_ms == 0 || f.start_ms > f.end_ms) f.start_ms = f.end_ms;
    if (interval == 0 && sampler) {
      auto s = domain.samplers.find(static_cast<uint32_t>(*sampler));
      if (s != domain.samplers.end()) interval = s->second;
    }
    if (interval == 0) interval = domain.sampling;
    f.sampling = interval > 1 ? static_cast<uint32_t>(std::min<uint64_t>(interval, 1u << 30)) : 1;
    if (f.bytes == 0 && f.packets == 0) continue;  // nothing to account (or padding)
    out.push_back(f);
    ++stats_.records;
  }
  return std::nullopt;
}

}  // namespace rampart::collect
