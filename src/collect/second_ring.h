// SecondRing: one IP's traffic per second for the seconds not judged yet, the traffic meter's
// hot path. A record lasting n seconds adds a handful of runs (a value to every second of
// [from, to)), and a run costs two slot updates whatever its length: the ring stores, per
// second, how the traffic changes there (a difference array), and reading a second sums the
// changes up to it. Reading is done in order (ForEachBefore), once per second settled.
//
// A power-of-two array indexed by the second itself covers the seconds [lo, hi) that hold
// changes; the traffic in force before lo (from the seconds already dropped) is carried. A
// second whose traffic sums to zero is empty (a second with traffic has a byte or a packet).
// The ring grows (doubling) to span what it must hold, up to kMaxSpanS seconds; the caller
// bounds the sum over all rings through `budget`. Small (32 bytes: the carried traffic is
// stored after the slots), so a table of rings stays dense. Not thread-safe; movable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace rampart::collect {

// One slot per cache line (64-byte aligned): a record's change at a second touches one line.
struct alignas(64) SecondSlot {
  int64_t unknown_bytes = 0;  // no forwarding status: detection decides
  int64_t attack_bytes = 0;   // marked dropped
  int64_t clean_bytes = 0;    // marked forwarded
  int64_t out_bytes = 0;
  // Inbound packets by kind; their sum is the packets (a record adds to one field, not two).
  int64_t syn = 0;  // TCP SYN without ACK
  int64_t udp = 0;
  int64_t icmp = 0;  // ICMP and ICMPv6
  int64_t other = 0;

  int64_t packets() const { return syn + udp + icmp + other; }
  bool empty() const {
    return (unknown_bytes | attack_bytes | clean_bytes | out_bytes | syn | udp | icmp | other) == 0;
  }
  SecondSlot& operator+=(const SecondSlot& o) {
    unknown_bytes += o.unknown_bytes;
    attack_bytes += o.attack_bytes;
    clean_bytes += o.clean_bytes;
    out_bytes += o.out_bytes;
    syn += o.syn;
    udp += o.udp;
    icmp += o.icmp;
    other += o.other;
    return *this;
  }
  SecondSlot& operator-=(const SecondSlot& o) {
    unknown_bytes -= o.unknown_bytes;
    attack_bytes -= o.attack_bytes;
    clean_bytes -= o.clean_bytes;
    out_bytes -= o.out_bytes;
    syn -= o.syn;
    udp -= o.udp;
    icmp -= o.icmp;
    other -= o.other;
    return *this;
  }
};

class SecondRing {
 public:
  static constexpr int64_t kMaxSpanS = 16384;  // ~4.5 h of unsettled seconds for one IP

  SecondRing() = default;
  // A ring moved from is left empty.
  SecondRing(SecondRing&& o) noexcept { *this = std::move(o); }
  SecondRing& operator=(SecondRing&& o) noexcept {
    slots_ = std::move(o.slots_);
    capacity_ = std::exchange(o.capacity_, 0);
    lo_ = std::exchange(o.lo_, 0);
    hi_ = std::exchange(o.hi_, 0);
    return *this;
  }

  // Makes the seconds [from, to] addressable (`to` inclusive: a run ending at `to` changes
  // it), the ring grown as needed. False (nothing changed) when the ring would then span more
  // than kMaxSpanS seconds or grow by more than `budget` slots. `*grown` is increased by the
  // slots added. `from` must not be before a second already dropped.
  bool Reserve(int64_t from, int64_t to, size_t budget, size_t* grown) {
    if (from >= lo_ && to < hi_) return true;  // held already: most records of a busy IP
    return Extend(from, to, budget, grown);
  }

  // Adds `value` to every second of [from, to); [from, to] must be reserved.
  void Add(int64_t from, int64_t to, const SecondSlot& value) {
    slots_[Index(from)] += value;
    slots_[Index(to)] -= value;
  }

  // The change at `second` (reserved): what is added to it is added to every second from it
  // on. A caller adding several runs at once adds their summed changes here, once a second.
  SecondSlot& ChangeAt(int64_t second) { return slots_[Index(second)]; }

  // The traffic of `second` (a held one), summed from the changes: O(second - lo).
  SecondSlot ValueAt(int64_t second) const;

  // f(second, traffic) for each second with traffic before `up_to`, in order.
  template <class F>
  void ForEachBefore(int64_t up_to, F f) const {
    if (empty()) return;
    SecondSlot running = carry();
    for (int64_t s = lo_; s < hi_ && s < up_to; ++s) {
      running += slots_[Index(s)];
      if (!running.empty()) f(s, running);
    }
  }
  // Empties the seconds before `up_to` (after ForEachBefore has read them); their changes
  // are carried into what is in force at the new first second. Returns the slots freed when
  // the ring is left empty (its storage released), else 0.
  size_t DropBefore(int64_t up_to);

  bool empty() const { return lo_ >= hi_; }
  size_t capacity() const { return capacity_; }

 private:
  bool Extend(int64_t from, int64_t to, size_t budget, size_t* grown);  // Reserve's slow path
  size_t Index(int64_t second) const { return static_cast<size_t>(second) & (capacity_ - 1); }
  // The traffic in force at lo_ from the dropped seconds (held only while the ring is not empty).
  SecondSlot& carry() { return slots_[capacity_]; }
  const SecondSlot& carry() const { return slots_[capacity_]; }
  // capacity_ slots (0 or a power of two; the change at each second), then the carry.
  std::unique_ptr<SecondSlot[]> slots_;
  uint32_t capacity_ = 0;
  int64_t lo_ = 0, hi_ = 0;  // the seconds held; empty when lo_ >= hi_
};

}  // namespace rampart::collect
