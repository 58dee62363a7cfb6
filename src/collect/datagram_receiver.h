// DatagramReceiver: a UDP socket's datagrams, received in batches (recvmmsg) into buffers it
// owns, for `rampart collect`'s receive loop.
//
// - Each message is received into a dense 2 KiB slot, and only what does not fit there into
//   that message's own overflow area (the slots side by side: buffers 64 KiB apart all started
//   on the same cache set, and the kernel's copy and the decoder evicted each other).
// - With UDP GRO enabled on the socket (EnableGro), the kernel hands over an exporter's
//   same-size datagrams that arrived together as one message, with their size in a control
//   message: one receive and one socket buffer instead of one per datagram, the largest part of
//   the kernel's cost per datagram. ForEachDatagram splits such a message back into its
//   datagrams, so everything after it (decoding, the archive, metrics) sees each datagram as
//   the exporter sent it.
//
// A datagram's bytes are viewed in place, or (crossing from a slot into its overflow area)
// joined in a buffer of the receiver's; either way they are valid until the next call of
// ForEachDatagram or Receive. Allocates only when constructed. Not thread-safe.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rampart::collect {

class DatagramReceiver {
 public:
  static constexpr size_t kBatch = 64, kMaxMessage = 65536, kSlot = 2048;

  struct Stats {
    uint64_t messages = 0;  // messages received: datagrams / messages shows GRO at work
    // Messages longer than kMaxMessage (a GRO message, where the kernel's GRO limit was raised
    // past 64 KiB): the datagrams past it are lost; the one cut short is decoded as truncated.
    uint64_t truncated = 0;
  };

  DatagramReceiver();
  DatagramReceiver(const DatagramReceiver&) = delete;
  DatagramReceiver& operator=(const DatagramReceiver&) = delete;

  // Asks the kernel for UDP GRO on `fd`. False where it is not supported (then datagrams
  // arrive one per message, which works the same, only costs more).
  static bool EnableGro(int fd);

  // Receives up to kBatch messages already queued on `fd` (non-blocking). Returns how many
  // (0 when none is queued, or on an error: the caller polls again).
  int Receive(int fd);

  const Stats& stats() const { return stats_; }

  // f(payload, from) for each datagram of message `i` (< Receive's result), in the order the
  // exporter sent them: the message itself, or each datagram of a GRO message.
  template <class F>
  void ForEachDatagram(int i, F&& f) {
    const auto m = static_cast<size_t>(i);
    const size_t length = msgs_[m].msg_len, step = DatagramSize(m);
    if (length == 0) f(std::span<const uint8_t>(), from_[m]);  // empty: still a datagram
    for (size_t at = 0; at < length; at += step) {
      f(Bytes(m, at, std::min(step, length - at)), from_[m]);
    }
  }

 private:
  size_t DatagramSize(size_t m);  // the GRO size of message m, or its whole length
  // Message m's bytes [at, at + length): in place, or joined in whole_.
  std::span<const uint8_t> Bytes(size_t m, size_t at, size_t length);

  std::vector<uint8_t> slots_;             // kBatch slots of kSlot bytes
  std::vector<uint8_t> overflow_;          // kBatch areas of kMaxMessage - kSlot bytes
  std::vector<uint8_t> whole_;             // a datagram crossing from a slot into its overflow area
  std::vector<std::array<iovec, 2>> iov_;  // fixed: the kernel does not change them
  std::vector<mmsghdr> msgs_;
  std::vector<sockaddr_storage> from_;
  // Room for one control message a message (the GRO size: an int); uint64_t for alignment.
  std::vector<std::array<uint64_t, 4>> control_;
  Stats stats_;
};

}  // namespace rampart::collect
