// DatagramReceiver on real loopback sockets: what the kernel hands over, split back into the
// datagrams that were sent, whole and in order.
#include "collect/datagram_receiver.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/socket_address.h"

namespace rampart::collect {
namespace {

struct Socket {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ~Socket() { ::close(fd); }
  uint16_t Bind() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
  }
  void SendTo(uint16_t port, const std::vector<uint8_t>& bytes) {
    sockaddr_storage a{};
    const socklen_t len =
        common::ToSockAddr(common::IpAddress::Parse("127.0.0.1").value(), port, a);
    ASSERT_EQ(::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), len),
              static_cast<ssize_t>(bytes.size()))
        << std::strerror(errno);
  }
};

// `size` bytes, each naming its datagram and position.
std::vector<uint8_t> Datagram(int n, size_t size) {
  std::vector<uint8_t> d(size);
  for (size_t i = 0; i < size; ++i) d[i] = static_cast<uint8_t>(n * 31 + i);
  return d;
}

struct Got {
  std::vector<std::vector<uint8_t>> datagrams;
  std::vector<uint16_t> ports;
  int messages = 0;
};

// Everything `receiver` gets on `fd` until `count` datagrams have arrived (or 2 s pass).
Got ReceiveAll(DatagramReceiver& receiver, int fd, size_t count) {
  Got got;
  for (int polls = 0; got.datagrams.size() < count && polls < 20; ++polls) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 100);
    const int n = receiver.Receive(fd);
    got.messages += n;
    for (int i = 0; i < n; ++i) {
      receiver.ForEachDatagram(
          i, [&](std::span<const uint8_t> bytes, const sockaddr_storage& from) {
            got.datagrams.emplace_back(bytes.begin(), bytes.end());
            got.ports.push_back(ntohs(reinterpret_cast<const sockaddr_in&>(from).sin_port));
          });
    }
  }
  return got;
}

TEST(DatagramReceiver, SplitsAGroMessageBackIntoItsDatagramsAcrossTheSlotsEnd) {
  Socket in, out;
  const uint16_t port = in.Bind();
  ASSERT_TRUE(DatagramReceiver::EnableGro(in.fd)) << "this kernel has UDP GRO (Linux 5.0 on)";
  // Eleven datagrams sent at once with UDP GSO, ten of 1,000 bytes and a last of 300: loopback
  // hands them to a socket with GRO as one message. The third crosses the 2 KiB slot's end.
  const int size = 1000;
  ASSERT_EQ(::setsockopt(out.fd, SOL_UDP, UDP_SEGMENT, &size, sizeof size), 0);
  std::vector<std::vector<uint8_t>> sent;
  std::vector<uint8_t> message;
  for (int n = 0; n < 11; ++n) {
    sent.push_back(Datagram(n, n < 10 ? 1000 : 300));
    message.insert(message.end(), sent.back().begin(), sent.back().end());
  }
  out.SendTo(port, message);
  DatagramReceiver receiver;
  const Got got = ReceiveAll(receiver, in.fd, sent.size());
  EXPECT_EQ(got.datagrams, sent);
  EXPECT_EQ(got.messages, 1);
  EXPECT_EQ(receiver.stats().messages, 1u);
  EXPECT_EQ(receiver.stats().truncated, 0u);
}

TEST(DatagramReceiver, GivesEachDatagramWholeWithItsSender) {
  Socket in, a, b;
  const uint16_t port = in.Bind();
  DatagramReceiver::EnableGro(in.fd);
  const uint16_t a_port = a.Bind(), b_port = b.Bind();
  // Two exporters' datagrams of one size (GRO never joins different senders), one larger than
  // a slot (jumbo frames: slot and overflow area joined), and an empty one.
  const std::vector<std::vector<uint8_t>> sent = {
      Datagram(0, 1464), Datagram(1, 1464), Datagram(2, 6000), Datagram(3, 0), Datagram(4, 1464)};
  a.SendTo(port, sent[0]);
  b.SendTo(port, sent[1]);
  a.SendTo(port, sent[2]);
  b.SendTo(port, sent[3]);
  a.SendTo(port, sent[4]);
  DatagramReceiver receiver;
  const Got got = ReceiveAll(receiver, in.fd, sent.size());
  EXPECT_EQ(got.datagrams, sent);
  EXPECT_EQ(got.ports, (std::vector<uint16_t>{a_port, b_port, a_port, b_port, a_port}));
  EXPECT_EQ(got.messages, 5);
}

}  // namespace
}  // namespace rampart::collect
