// SecondRing: one IP's traffic per second for the seconds not judged yet, the traffic meter's
// hot path. A record lasting n seconds adds a handful of runs (a value to every second of
// [from, to)), and a run costs two updates whatever its length: the ring stores, per second,
// how the traffic changes there (a difference array), and reading a second sums the changes
// up to it. Reading is done in order (ForEachBefore), once per second settled.
//
// A power-of-two array indexed by the second itself covers the seconds [lo, hi) that hold
// changes; the traffic in force before lo (from the seconds already dropped) is carried. A
// second whose traffic sums to zero is empty (a second with traffic has a byte or a packet).
// The ring grows (doubling) to span what it must hold, up to kMaxSpanS seconds; the caller
// bounds the sum over all rings through `budget`. Small (32 bytes: the carried traffic is
// stored after the changes), so a table of rings stays dense. Not thread-safe; movable.
//
// Stored by field: a column of changes per field (SecondField), not a slot of all eight per
// second. A record adds to two fields (its byte class and its packets' kind), and most
// records to the same two, so what the meter touches is a quarter of what slots of all eight
// would hold, and eight seconds of a field share a cache line. With slots, the rings of a
// thousand busy IPs outgrew the L2 cache (the meter ran a fifth faster with its writes sent
// to a few slots in L1 instead); by field it runs 6 % faster.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace rampart::collect {

// The fields of a second's traffic (SecondSlot's, in its order): the ring's columns.
enum class SecondField : uint8_t {
  kUnknownBytes,
  kAttackBytes,
  kCleanBytes,
  kOutBytes,
  kSyn,
  kUdp,
  kIcmp,
  kOther,
};
inline constexpr size_t kSecondFields = 8;

// A second's traffic, as read from the ring (or added to it).
struct SecondSlot {
  int64_t unknown_bytes = 0;  // no forwarding status: detection decides
  int64_t attack_bytes = 0;   // marked dropped
  int64_t clean_bytes = 0;    // marked forwarded
  int64_t out_bytes = 0;
  // Inbound packets by kind; their sum is the packets (a record adds to one field, not two).
  int64_t syn = 0;  // TCP SYN without ACK
  int64_t udp = 0;
  int64_t icmp = 0;  // ICMP and ICMPv6
  int64_t other = 0;

  int64_t& operator[](SecondField f) { return this->*kMembers[static_cast<size_t>(f)]; }
  int64_t operator[](SecondField f) const { return this->*kMembers[static_cast<size_t>(f)]; }
  int64_t packets() const { return syn + udp + icmp + other; }
  bool empty() const {
    return (unknown_bytes | attack_bytes | clean_bytes | out_bytes | syn | udp | icmp | other) == 0;
  }
  SecondSlot& operator+=(const SecondSlot& o) {
    for (auto m : kMembers) this->*m += o.*m;
    return *this;
  }
  SecondSlot& operator-=(const SecondSlot& o) {
    for (auto m : kMembers) this->*m -= o.*m;
    return *this;
  }

  static constexpr std::array<int64_t SecondSlot::*, kSecondFields> kMembers = {
      &SecondSlot::unknown_bytes, &SecondSlot::attack_bytes, &SecondSlot::clean_bytes,
      &SecondSlot::out_bytes,     &SecondSlot::syn,          &SecondSlot::udp,
      &SecondSlot::icmp,          &SecondSlot::other};
};

class SecondRing {
 public:
  static constexpr int64_t kMaxSpanS = 16384;  // ~4.5 h of unsettled seconds for one IP

  SecondRing() = default;
  // A ring moved from is left empty.
  SecondRing(SecondRing&& o) noexcept { *this = std::move(o); }
  SecondRing& operator=(SecondRing&& o) noexcept {
    lines_ = std::move(o.lines_);
    capacity_ = std::exchange(o.capacity_, 0);
    lo_ = std::exchange(o.lo_, 0);
    hi_ = std::exchange(o.hi_, 0);
    return *this;
  }

  // Makes the seconds [from, to] addressable (`to` inclusive: a run ending at `to` changes
  // it), the ring grown as needed. False (nothing changed) when the ring would then span more
  // than kMaxSpanS seconds or grow by more than `budget` seconds. `*grown` is increased by
  // the seconds added. `from` must not be before a second already dropped.
  bool Reserve(int64_t from, int64_t to, size_t budget, size_t* grown) {
    if (from >= lo_ && to < hi_) return true;  // held already: most records of a busy IP
    return Extend(from, to, budget, grown);
  }

  // Adds `value` to every second of [from, to); [from, to] must be reserved.
  void Add(int64_t from, int64_t to, const SecondSlot& value);

  // The changes of `field`, indexed by IndexOf(second) for a reserved second: what is added
  // there is added to every second from it on. A caller adding several runs at once adds
  // their summed changes, once a second. Valid until the next Reserve or DropBefore.
  int64_t* Changes(SecondField field) { return Column(static_cast<size_t>(field)); }
  size_t IndexOf(int64_t second) const { return static_cast<size_t>(second) & (capacity_ - 1); }

  // The traffic of `second` (a held one), summed from the changes: O(second - lo).
  SecondSlot ValueAt(int64_t second) const;

  // f(second, traffic) for each second with traffic before `up_to`, in order.
  template <class F>
  void ForEachBefore(int64_t up_to, F f) const {
    if (empty()) return;
    SecondSlot running = Carry();
    for (int64_t s = lo_; s < hi_ && s < up_to; ++s) {
      running += ChangeAt(s);
      if (!running.empty()) f(s, running);
    }
  }
  // Empties the seconds before `up_to` (after ForEachBefore has read them); their changes
  // are carried into what is in force at the new first second. Returns the seconds freed
  // when the ring is left empty (its storage released), else 0.
  size_t DropBefore(int64_t up_to);

  bool empty() const { return lo_ >= hi_; }
  size_t capacity() const { return capacity_; }  // seconds: each holds a change per field

 private:
  // capacity_ seconds of kSecondFields columns fill capacity_ cache lines; one more holds
  // the carry (the traffic in force at lo_ from the dropped seconds; held only while the ring
  // is not empty), a field a word.
  struct alignas(64) Line {
    int64_t v[kSecondFields];
  };
  static_assert(sizeof(Line) == kSecondFields * sizeof(int64_t));

  bool Extend(int64_t from, int64_t to, size_t budget, size_t* grown);  // Reserve's slow path
  const int64_t* Column(size_t field) const { return lines_[0].v + field * capacity_; }
  int64_t* Column(size_t field) { return lines_[0].v + field * capacity_; }
  SecondSlot ChangeAt(int64_t second) const;  // every field's change at a reserved second
  SecondSlot Carry() const;

  std::unique_ptr<Line[]> lines_;  // capacity_ + 1 lines (none while capacity_ is 0)
  uint32_t capacity_ = 0;          // 0 or a power of two, at least 64
  int64_t lo_ = 0, hi_ = 0;        // the seconds held; empty when lo_ >= hi_
};

}  // namespace rampart::collect
