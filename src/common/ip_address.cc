#include "common/ip_address.h"

#include <arpa/inet.h>

namespace rampart::common {
namespace {
constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

Result<IpAddress> IpAddress::Parse(std::string_view text) {
  IpAddress ip;
  char buf[INET6_ADDRSTRLEN + 1];
  if (!text.empty() && text.size() < sizeof buf) {
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    if (inet_pton(AF_INET, buf, ip.bytes_.data() + 12) == 1) {
      std::memcpy(ip.bytes_.data(), kV4MappedPrefix, 12);
      return ip;
    }
    if (inet_pton(AF_INET6, buf, ip.bytes_.data()) == 1) return ip;
  }
  return Fail(common::Code::kInvalidIp,
              "\"" + std::string(text) + "\" is not an IPv4 or IPv6 address");
}

bool IpAddress::is_v4() const { return std::memcmp(bytes_.data(), kV4MappedPrefix, 12) == 0; }

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    inet_ntop(AF_INET, bytes_.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  }
  return buf;
}

namespace {

// Whether bit `i` (0 = most significant of the 128) is set.
bool Bit(const IpAddress& ip, int i) {
  return (ip.bytes()[static_cast<size_t>(i / 8)] >> (7 - i % 8)) & 1;
}

}  // namespace

Result<Cidr> Cidr::Parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Fail(common::Code::kInvalidCidr, "\"" + std::string(text) + "\" " + why, "cidr");
  };
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad("is not a CIDR block like 203.0.113.0/28");
  auto ip = IpAddress::Parse(text.substr(0, slash));
  if (!ip) return bad("does not start with an IPv4 or IPv6 address");
  int prefix = 0;
  std::string_view digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3) return bad("has no valid prefix length");
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return bad("has no valid prefix length");
    prefix = prefix * 10 + (ch - '0');
  }
  const int max = ip->is_v4() ? 32 : 128;
  if (prefix > max) return bad("has a prefix longer than " + std::to_string(max));
  Cidr c;
  c.network_ = *ip;
  c.prefix_ = prefix;
  for (int i = c.Bits128(); i < 128; ++i) {
    if (Bit(*ip, i)) {
      IpAddress masked = *ip;
      for (int j = c.Bits128(); j < 128; ++j) {
        masked.mutable_bytes()[static_cast<size_t>(j / 8)] &=
            static_cast<uint8_t>(~(1u << (7 - j % 8)));
      }
      return bad("has host bits set; the block is " + masked.ToString() + "/" +
                 std::to_string(prefix));
    }
  }
  return c;
}

int64_t Cidr::size() const {
  const int host_bits = 128 - Bits128();
  return host_bits >= 62 ? (int64_t{1} << 62) : (int64_t{1} << host_bits);
}

IpAddress Cidr::At(int64_t offset) const {
  IpAddress ip = network_;
  auto& b = ip.mutable_bytes();
  uint64_t carry = static_cast<uint64_t>(offset);
  for (int i = 15; i >= 0 && carry != 0; --i) {
    const uint64_t sum = b[static_cast<size_t>(i)] + (carry & 0xff);
    b[static_cast<size_t>(i)] = static_cast<uint8_t>(sum & 0xff);
    carry = (carry >> 8) + (sum >> 8);
  }
  return ip;
}

bool Cidr::Contains(const IpAddress& ip) const {
  for (int i = 0; i < Bits128(); ++i) {
    if (Bit(ip, i) != Bit(network_, i)) return false;
  }
  return true;
}

bool Cidr::Overlaps(const Cidr& other) const {
  // Two blocks overlap exactly when the shorter prefix contains the other's network.
  return Bits128() <= other.Bits128() ? Contains(other.network_) : other.Contains(network_);
}

std::string Cidr::ToString() const { return network_.ToString() + "/" + std::to_string(prefix_); }

}  // namespace rampart::common
