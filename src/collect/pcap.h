// Pcap files of flow-export datagrams: `--archive` writes every datagram received with its
// arrival time; `--replay` reads them back (and captures made with tcpdump) so a day's usage
// can be recomputed from the raw exports (dataplane.md §2, "Archive and replay").
//
// PcapWriter writes the classic format (microsecond times, LINKTYPE_RAW): each datagram as an
// IPv4 or IPv6 packet with a UDP header, from the exporter's address and port to the
// collector's. PcapReader reads the classic format in either byte order, with microsecond or
// nanosecond times, on links Ethernet (with VLAN tags), raw IP, Linux cooked (v1 and v2) and
// BSD loopback; packets that are not whole unfragmented UDP are skipped and counted.
// Neither is thread-safe. Errors: `io_error`, `bad_pcap`.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/ip_address.h"

namespace rampart::collect {

struct Datagram {
  int64_t arrival_us = 0;  // Unix microseconds
  common::IpAddress exporter;
  uint16_t exporter_port = 0;
  uint16_t collector_port = 0;
  std::span<const uint8_t> payload;  // valid until the next Next()
};

class PcapWriter {
 public:
  ~PcapWriter();
  // Opens (creating, or appending to a file this writer's format already holds).
  static common::Result<std::unique_ptr<PcapWriter>> Open(const std::string& path);
  common::Result<void> Write(const Datagram& d, const common::IpAddress& collector);
  common::Result<void> Flush();

 private:
  explicit PcapWriter(std::FILE* f) : f_(f) {}
  std::FILE* f_;
  std::vector<uint8_t> packet_;
};

class PcapReader {
 public:
  ~PcapReader();
  static common::Result<std::unique_ptr<PcapReader>> Open(const std::string& path);
  // The next UDP datagram; false at the end. Fails on a truncated or corrupt file.
  common::Result<bool> Next(Datagram* out);
  uint64_t skipped() const { return skipped_; }

 private:
  explicit PcapReader(std::FILE* f) : f_(f) {}
  bool Parse(std::span<const uint8_t> frame, Datagram* out);
  std::FILE* f_;
  bool swapped_ = false;
  bool nanos_ = false;
  uint32_t linktype_ = 0;
  std::vector<uint8_t> buf_;
  uint64_t skipped_ = 0;
};

}  // namespace rampart::collect
