// FlowDecoder: NetFlow v5, NetFlow v9 and IPFIX (RFC 7011) datagrams into flow records, the
// first stage of `rampart collect` (dataplane.md §2).
//
// - Templates (v9 and IPFIX, data and options) are kept per (exporter address, source id or
//   observation domain, template id), replaced when announced again and, for IPFIX, withdrawn
//   by a template record with no fields. At most kMaxTemplatesPerExporter per exporter and
//   kMaxExporters exporters: beyond that new ones are refused and counted, never grown.
// - Enterprise-specific IPFIX elements are skipped by their length, variable-length fields
//   (length 65535: a one-byte length, or 255 and a two-byte one) are read as RFC 7011 §7 says.
// - Times: v5 and v9 flow start and end are relative to the exporter's sysUptime; they are
//   turned into Unix milliseconds against the header's clock, modulo 2^32 (an uptime that
//   wrapped after 49.7 days still gives the right time). IPFIX absolute times (IEs 150-157)
//   are taken as they are; relative ones (IEs 21/22) against systemInitTimeMilliseconds (160).
// - Sampling: the v5 header's interval; per record IEs 34 (samplingInterval), 305/306
//   (packet interval and space) and 50 (sampler random interval); options data announcing
//   an interval for the exporter and domain, or for a sampler id (IE 48/302) that data records
//   name. A record carries the rate found; the caller multiplies (an operator override wins).
// - Sequence numbers are tracked per (exporter, domain): datagrams (v9) or records (v5,
//   IPFIX) missing in between are counted as lost, never guessed.
//
// Malformed input never throws and never reads out of bounds: the datagram is refused with a
// reason (or the bad set skipped) and counted. Data for a template not seen yet is held
// (at most kMaxHeldBytes in all, up to 60 s of the exporter's clock) and decoded when the
// template arrives; what expires or does not fit is counted (`held_expired`,
// `unknown_template`). Templates can be saved and loaded (--state-dir), so a restarted
// collector decodes at once. Not thread-safe: one decoder per receiving thread. Allocates
// only when a template is learnt or data is held.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/ip_address.h"

namespace rampart::collect {

struct FlowRecord {
  common::IpAddress src;
  common::IpAddress dst;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t protocol = 0;
  uint8_t tcp_flags = 0;
  uint64_t bytes = 0;  // as exported: multiply by `sampling` for the traffic it stands for
  uint64_t packets = 0;
  int64_t start_ms = 0;  // Unix milliseconds
  int64_t end_ms = 0;
  // IE 89's status class (the top two bits): 0 unknown, 1 forwarded, 2 dropped, 3 consumed.
  std::optional<uint8_t> forwarding_status;
  uint32_t sampling = 1;  // 1 in N packets was sampled; 1 = every packet
};

// Why a datagram (or part of one) was refused; the counters of FlowDecoder::Stats.
enum class DecodeIssue : uint8_t {
  kTruncated,        // shorter than its header, a record or a set says
  kBadVersion,       // not 5, 9 or 10
  kBadSet,           // a set or template with an impossible length or id
  kUnknownTemplate,  // data for a template not (yet) announced
  kTemplateLimit,    // a template refused: the exporter (or the decoder) has too many
  kCount
};
std::string_view ToString(DecodeIssue issue);

class FlowDecoder {
 public:
  static constexpr size_t kMaxTemplatesPerExporter = 1024;
  static constexpr size_t kMaxExporters = 4096;

  struct Stats {
    uint64_t datagrams = 0;
    uint64_t records = 0;
    uint64_t lost = 0;  // by sequence numbers
    uint64_t held = 0;  // data sets held for a template not seen yet
    uint64_t held_decoded = 0;
    uint64_t held_expired = 0;
    std::array<uint64_t, static_cast<size_t>(DecodeIssue::kCount)> issues{};
  };

  // Decodes one datagram from `exporter` and appends its flow records to `out`. Returns the
  // issue that stopped it, if any (records before it are kept; a bad set is skipped and the
  // rest decoded). Times come from the datagram itself, never from its arrival.
  std::optional<DecodeIssue> Decode(std::span<const uint8_t> datagram,
                                    const common::IpAddress& exporter,
                                    std::vector<FlowRecord>& out);

  const Stats& stats() const { return stats_; }
  size_t template_count() const;

  // The templates and sampling learnt, as text; LoadTemplates takes them back (false, and
  // nothing loaded, when the text is not SaveTemplates').
  std::string SaveTemplates() const;
  bool LoadTemplates(std::string_view text);

  static constexpr size_t kMaxHeldBytes = 4 << 20;
  static constexpr int64_t kHoldMs = 60'000;

 private:
  struct Field {
    uint16_t id = 0;      // the information element (enterprise ones: 0, skipped)
    uint16_t length = 0;  // 65535: variable
  };
  struct Template {
    std::vector<Field> fields;
    uint16_t scope_fields = 0;  // options templates: the first `scope_fields` are scope
    bool options = false;
    size_t fixed_length = 0;  // when no field is variable; 0 otherwise
  };
  struct Held {
    uint16_t template_id = 0;
    bool ipfix = false;
    int64_t header_ms = 0;
    uint32_t uptime_ms = 0;
    std::vector<uint8_t> set;
  };
  struct Domain {
    std::map<uint16_t, Template> templates;
    std::vector<Held> held;  // oldest first
    std::optional<uint32_t> expected_sequence;
    uint32_t sampling = 0;                  // from options data; 0 = none announced
    std::map<uint32_t, uint32_t> samplers;  // sampler id -> interval
    std::optional<int64_t> system_init_ms;  // IPFIX IE 160, from options data
  };
  using DomainKey = std::pair<common::IpAddress, uint32_t>;

  std::optional<DecodeIssue> DecodeV5(std::span<const uint8_t> d, const common::IpAddress& exporter,
                                      std::vector<FlowRecord>& out);
  std::optional<DecodeIssue> DecodeTemplated(std::span<const uint8_t> d, bool ipfix,
                                             const common::IpAddress& exporter,
                                             std::vector<FlowRecord>& out);
  std::optional<DecodeIssue> LearnTemplates(std::span<const uint8_t> set, bool ipfix, bool options,
                                            const common::IpAddress& exporter, Domain& domain);
  std::optional<DecodeIssue> DecodeData(std::span<const uint8_t> set, const Template& t, bool ipfix,
                                        int64_t header_ms, uint32_t uptime_ms, Domain& domain,
                                        std::vector<FlowRecord>& out);
  size_t TemplatesOf(const common::IpAddress& exporter) const;
  void Count(DecodeIssue issue) { ++stats_.issues[static_cast<size_t>(issue)]; }
  void Sequence(Domain& domain, uint32_t sequence, uint32_t advance);
  void DecodeHeld(Domain& domain, int64_t header_ms, std::vector<FlowRecord>& out);

  std::map<DomainKey, Domain> domains_;
  size_t held_bytes_ = 0;
  uint32_t data_records_ = 0;  // data records (options data too) of the message being decoded
  Stats stats_;
};

}  // namespace rampart::collect
