#include "collect/pcap.h"

#include <cerrno>
#include <cstring>

namespace rampart::collect {
namespace {

constexpr uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr uint32_t kMagicNano = 0xa1b23c4d;
constexpr uint32_t kLinkNull = 0, kLinkEthernet = 1, kLinkRaw = 101, kLinkLoop = 108,
                   kLinkSll = 113, kLinkIpv4 = 228, kLinkIpv6 = 229, kLinkSll2 = 276;
constexpr uint32_t kSnapLen = 262144;

uint32_t Swap32(uint32_t v) { return __builtin_bswap32(v); }
uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

common::Error Io(const std::string& what) {
  return {common::Code::kIoError, what + ": " + std::strerror(errno), ""};
}

}  // namespace

PcapWriter::~PcapWriter() {
  if (f_) std::fclose(f_);
}

common::Result<std::unique_ptr<PcapWriter>> PcapWriter::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (!f) return std::unexpected(Io("cannot open " + path));
  if (std::ftell(f) == 0) {
    struct {
      uint32_t magic = kMagicMicro;
      uint16_t major = 2, minor = 4;
      int32_t zone = 0;
      uint32_t sigfigs = 0, snaplen = kSnapLen, linktype = kLinkRaw;
    } header;
    if (std::fwrite(&header, sizeof header, 1, f) != 1) {
      std::fclose(f);
      return std::unexpected(Io("cannot write " + path));
    }
  }
  return std::unique_ptr<PcapWriter>(new PcapWriter(f));
}

common::Result<void> PcapWriter::Write(const Datagram& d, const common::IpAddress& collector) {
  const bool v4 = d.exporter.is_v4() && collector.is_v4();
  const size_t ip_len = v4 ? 20 : 40;
  const size_t udp_len = 8 + d.payload.size();
  packet_.assign(ip_len + udp_len, 0);
  uint8_t* p = packet_.data();
  auto be16 = [](uint8_t* at, size_t v) {
    at[0] = static_cast<uint8_t>(v >> 8);
    at[1] = static_cast<uint8_t>(v);
  };
  if (v4) {
    p[0] = 0x45;
    be16(p + 2, ip_len + udp_len);
    p[8] = 64;
    p[9] = 17;
    std::memcpy(p + 12, d.exporter.bytes().data() + 12, 4);
    std::memcpy(p + 16, collector.bytes().data() + 12, 4);
    uint32_t sum = 0;  // the header checksum, so that tools reading the archive accept it
    for (size_t i = 0; i < 20; i += 2) sum += Be16(p + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    be16(p + 10, ~sum & 0xffff);
  } else {
    p[0] = 0x60;
    be16(p + 4, udp_len);
    p[6] = 17;
    p[7] = 64;
    std::memcpy(p + 8, d.exporter.bytes().data(), 16);
    std::memcpy(p + 24, collector.bytes().data(), 16);
  }
  uint8_t* udp = p + ip_len;
  be16(udp, d.exporter_port);
  be16(udp + 2, d.collector_port);
  be16(udp + 4, udp_len);
  if (!d.payload.empty()) std::memcpy(udp + 8, d.payload.data(), d.payload.size());
  const uint32_t record[4] = {static_cast<uint32_t>(d.arrival_us / 1'000'000),
                              static_cast<uint32_t>(d.arrival_us % 1'000'000),
                              static_cast<uint32_t>(packet_.size()),
                              static_cast<uint32_t>(packet_.size())};
  if (std::fwrite(record, sizeof record, 1, f_) != 1 ||
      std::fwrite(packet_.data(), packet_.size(), 1, f_) != 1) {
    return std::unexpected(Io("writing the archive"));
  }
  return {};
}

common::Result<void> PcapWriter::Flush() {
  if (std::fflush(f_) != 0) return std::unexpected(Io("writing the archive"));
  return {};
}

PcapReader::~PcapReader() {
  if (f_) std::fclose(f_);
}

common::Result<std::unique_ptr<PcapReader>> PcapReader::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::unexpected(Io("cannot open " + path));
  std::unique_ptr<PcapReader> r(new PcapReader(f));
  uint32_t header[6];
  if (std::fread(header, sizeof header, 1, f) != 1) {
    return common::Fail(common::Code::kBadPcap, path + " is not a pcap file (too short)");
  }
  if (header[0] == kMagicMicro || header[0] == kMagicNano) {
    r->nanos_ = header[0] == kMagicNano;
  } else if (Swap32(header[0]) == kMagicMicro || Swap32(header[0]) == kMagicNano) {
    r->swapped_ = true;
    r->nanos_ = Swap32(header[0]) == kMagicNano;
  } else {
    return common::Fail(common::Code::kBadPcap,
                        path +
                            " is not a classic pcap file (pcapng is not read: "
                            "convert it with editcap -F pcap)");
  }
  r->linktype_ = (r->swapped_ ? Swap32(header[5]) : header[5]) & 0x0fffffff;
  switch (r->linktype_) {
    case kLinkNull:
    case kLinkEthernet:
    case kLinkRaw:
    case kLinkLoop:
    case kLinkSll:
    case kLinkIpv4:
    case kLinkIpv6:
    case kLinkSll2:
      break;
    default:
      return common::Fail(common::Code::kBadPcap,
                          path + ": link type " + std::to_string(r->linktype_) + " is not read");
  }
  return r;
}

common::Result<bool> PcapReader::Next(Datagram* out) {
  while (true) {
    uint32_t record[4];
    const size_t got = std::fread(record, 1, sizeof record, f_);
    if (got == 0 && std::feof(f_)) return false;
    if (got != sizeof record)
      return common::Fail(common::Code::kBadPcap, "the pcap file ends mid-record");
    if (swapped_) {
      for (auto& v : record) v = Swap32(v);
    }
    if (record[2] > kSnapLen) {
      return common::Fail(
          common::Code::kBadPcap,
          "a pcap record claims " + std::to_string(record[2]) + " bytes: the file is corrupt");
    }
    buf_.resize(record[2]);
    if (record[2] > 0 && std::fread(buf_.data(), record[2], 1, f_) != 1) {
      return common::Fail(common::Code::kBadPcap, "the pcap file ends mid-record");
    }
    out->arrival_us =
        static_cast<int64_t>(record[0]) * 1'000'000 + (nanos_ ? record[1] / 1000 : record[1]);
    if (Parse(buf_, out)) return true;
    ++skipped_;
  }
}

bool PcapReader::Parse(std::span<const uint8_t> f, Datagram* out) {
  size_t at = 0;
  uint16_t ethertype = 0;
  switch (linktype_) {
    case kLinkEthernet:
      if (f.size() < 14) return false;
      ethertype = Be16(&f[12]);
      at = 14;
      while ((ethertype == 0x8100 || ethertype == 0x88a8) && f.size() >= at + 4) {
        ethertype = Be16(&f[at + 2]);
        at += 4;
      }
      break;
    case kLinkSll:
      if (f.size() < 16) return false;
      ethertype = Be16(&f[14]);
      at = 16;
      break;
    case kLinkSll2:
      if (f.size() < 20) return false;
      ethertype = Be16(&f[0]);
      at = 20;
      break;
    case kLinkNull:
    case kLinkLoop: {
      if (f.size() < 4) return false;
      const uint32_t family = f[0] | f[1] << 8 | f[2] << 16 | static_cast<uint32_t>(f[3]) << 24;
      ethertype = (family == 2 || Swap32(family) == 2) ? 0x0800 : 0x86dd;
      at = 4;
      break;
    }
    default:  // raw IP: the version nibble tells
      if (f.empty()) return false;
      ethertype = (f[0] >> 4) == 4 ? 0x0800 : 0x86dd;
  }
  std::span<const uint8_t> ip = f.subspan(at);
  std::span<const uint8_t> udp;
  if (ethertype == 0x0800) {
    if (ip.size() < 20 || (ip[0] >> 4) != 4) return false;
    const size_t ihl = (ip[0] & 0x0f) * 4u;
    const size_t total = Be16(&ip[2]);
    if (ihl < 20 || total < ihl || ip.size() < total || ip[9] != 17) return false;
    if ((Be16(&ip[6]) & 0x3fff) != 0) return false;  // a fragment
    out->exporter = common::IpAddress();
    auto& b = out->exporter.mutable_bytes();
    b[10] = b[11] = 0xff;
    std::memcpy(b.data() + 12, &ip[12], 4);
    udp = ip.subspan(ihl, total - ihl);
  } else if (ethertype == 0x86dd) {
    if (ip.size() < 40 || (ip[0] >> 4) != 6 || ip[6] != 17) return false;
    const size_t payload = Be16(&ip[4]);
    if (ip.size() < 40 + payload) return false;
    std::memcpy(out->exporter.mutable_bytes().data(), &ip[8], 16);
    udp = ip.subspan(40, payload);
  } else {
    return false;
  }
  if (udp.size() < 8) return false;
  const size_t udp_len = Be16(&udp[4]);
  if (udp_len < 8 || udp_len > udp.size()) return false;
  out->exporter_port = Be16(&udp[0]);
  out->collector_port = Be16(&udp[2]);
  out->payload = udp.subspan(8, udp_len - 8);
  return true;
}

}  // namespace rampart::collect
