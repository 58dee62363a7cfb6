#include "collect/datagram_receiver.h"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <cstring>

namespace rampart::collect {

DatagramReceiver::DatagramReceiver()
    : slots_(kBatch * kSlot),
      overflow_(kBatch * (kMaxMessage - kSlot)),
      whole_(kMaxMessage),
      iov_(kBatch),
      msgs_(kBatch),
      from_(kBatch),
      control_(kBatch) {
  static_assert(CMSG_SPACE(sizeof(int)) <= sizeof(control_[0]));
  for (size_t i = 0; i < kBatch; ++i) {
    iov_[i][0] = {slots_.data() + i * kSlot, kSlot};
    iov_[i][1] = {overflow_.data() + i * (kMaxMessage - kSlot), kMaxMessage - kSlot};
  }
}

bool DatagramReceiver::EnableGro(int fd) {
  const int one = 1;
  return ::setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
}

int DatagramReceiver::Receive(int fd) {
  for (size_t i = 0; i < kBatch; ++i) {
    auto& h = msgs_[i].msg_hdr;  // the kernel wrote each one's lengths and flags
    h = {};
    h.msg_name = &from_[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = iov_[i].data();
    h.msg_iovlen = 2;
    h.msg_control = control_[i].data();
    h.msg_controllen = sizeof(control_[i]);
  }
  const int n = ::recvmmsg(fd, msgs_.data(), kBatch, MSG_DONTWAIT, nullptr);
  if (n <= 0) return 0;
  stats_.messages += static_cast<uint64_t>(n);
  for (int i = 0; i < n; ++i)
    stats_.truncated += (msgs_[static_cast<size_t>(i)].msg_hdr.msg_flags & MSG_TRUNC) != 0;
  return n;
}

size_t DatagramReceiver::DatagramSize(size_t m) {
  msghdr& h = msgs_[m].msg_hdr;
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
        c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int size = 0;
      std::memcpy(&size, CMSG_DATA(c), sizeof size);
      if (size > 0) return static_cast<size_t>(size);
    }
  }
  return msgs_[m].msg_len;
}

std::span<const uint8_t> DatagramReceiver::Bytes(size_t m, size_t at, size_t length) {
  const uint8_t* slot = slots_.data() + m * kSlot;
  const uint8_t* overflow = overflow_.data() + m * (kMaxMessage - kSlot);
  if (at + length <= kSlot) return {slot + at, length};
  if (at >= kSlot) return {overflow + (at - kSlot), length};
  // Across the end of the slot: at most one datagram a message.
  const size_t head = kSlot - at;
  std::memcpy(whole_.data(), slot + at, head);
  std::memcpy(whole_.data() + head, overflow, length - head);
  return {whole_.data(), length};
}

}  // namespace rampart::collect
