// SflowDecoder: sFlow v5 datagrams (sflow.org, "sFlow Version 5") into flow records, beside
// FlowDecoder for NetFlow and IPFIX (dataplane.md §2).
//
// - Flow samples (format 1) and expanded flow samples (format 3) of the standard enterprise
//   are read; counter samples and anything of another enterprise are skipped by their length.
// - Of a sample's flow records, the first that names an IP packet is used: a raw packet header
//   (record 1: Ethernet with VLAN/QinQ tags and MPLS labels, or IPv4 or IPv6 directly), a
//   sampled IPv4 (3) or a sampled IPv6 (4) record. Others (extended switch, router, ...) are
//   skipped.
// - Bytes are the IP packet's length (IPv4 total length, IPv6 payload length + 40), as NetFlow
//   and IPFIX count them, so one protected IP is measured alike whatever its routers export;
//   where the header says 0 (jumbograms, offloads) the frame length less the stripped bytes
//   and the link header. (sfacctd counts the frame length with its link header and the 4-byte
//   FCS; the peer test accounts for the difference.)
// - A record stands for `sampling_rate` packets: the caller multiplies, as for NetFlow, and an
//   operator override per exporter wins. The record's time is the datagram's arrival: sFlow
//   carries no flow times.
// - Lost samples are counted from the gaps in each data source's sample sequence numbers
//   (per exporter, sub-agent and source id; at most kMaxSources tracked) plus the drops the
//   agent itself reports (the counter's increase).
//
// Malformed input never throws and never reads out of bounds: the datagram is refused with
// the reason (records before the fault are kept) and counted. Not thread-safe: one decoder per
// receiving thread. Allocates only when a data source is first seen.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "collect/flow_decoder.h"
#include "common/ip_address.h"

namespace rampart::collect {

class SflowDecoder {
 public:
  static constexpr size_t kMaxSources = 65536;

  struct Stats {
    uint64_t datagrams = 0;
    uint64_t samples = 0;  // flow samples read
    uint64_t records = 0;  // flow records produced (samples naming an IP packet)
    uint64_t not_ip = 0;   // flow samples without an IP packet (ARP, LLDP, ...)
    uint64_t lost = 0;     // samples lost: sequence gaps and the agents' own drops
    std::array<uint64_t, static_cast<size_t>(DecodeIssue::kCount)> issues{};
  };

  // Whether a datagram is sFlow v5 (its first four bytes are the version 5), not NetFlow.
  static bool Recognises(std::span<const uint8_t> datagram);

  // Decodes one datagram from `exporter` that arrived at `arrival_ms` (Unix milliseconds) and
  // appends its records to `out`. Returns the issue that stopped it, if any.
  std::optional<DecodeIssue> Decode(std::span<const uint8_t> datagram,
                                    const common::IpAddress& exporter, int64_t arrival_ms,
                                    std::vector<FlowRecord>& out);

  const Stats& stats() const { return stats_; }

 private:
  struct SourceKey {
    common::IpAddress exporter;
    uint32_t sub_agent = 0;
    uint32_t source_id = 0;
    bool operator==(const SourceKey&) const = default;
  };
  struct SourceKeyHash {
    size_t operator()(const SourceKey& k) const {
      return common::IpAddressHash()(k.exporter) ^ (uint64_t{k.sub_agent} << 32 | k.source_id);
    }
  };
  struct SourceState {
    uint32_t next_sequence = 0;
    uint32_t drops = 0;
  };
  void Track(const SourceKey& key, uint32_t sequence, uint32_t drops);
  void Count(DecodeIssue issue) { ++stats_.issues[static_cast<size_t>(issue)]; }

  std::unordered_map<SourceKey, SourceState, SourceKeyHash> sources_;
  Stats stats_;
};

}  // namespace rampart::collect
