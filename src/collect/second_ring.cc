#include "collect/second_ring.h"

#include <algorithm>

namespace rampart::collect {

bool SecondRing::Extend(int64_t from, int64_t to, size_t budget, size_t* grown) {
  const int64_t lo = empty() ? from : std::min(lo_, from);
  const int64_t hi = empty() ? to + 1 : std::max(hi_, to + 1);
  if (hi - lo > kMaxSpanS) return false;
  const auto span = static_cast<size_t>(hi - lo);
  if (span > capacity_) {
    size_t capacity = capacity_ == 0 ? 64 : capacity_;
    while (capacity < span) capacity *= 2;
    const size_t added = capacity - capacity_;
    if (added > budget) return false;
    // Every slot outside [lo_, hi_) is zero, so only the held seconds (and the carry) move.
    std::unique_ptr<SecondSlot[]> bigger(new SecondSlot[capacity + 1]);
    if (capacity_ != 0) {
      for (int64_t s = lo_; s < hi_; ++s)
        bigger[static_cast<size_t>(s) & (capacity - 1)] = slots_[Index(s)];
      bigger[capacity] = carry();
    }
    slots_ = std::move(bigger);
    capacity_ = static_cast<uint32_t>(capacity);
    *grown += added;
  }
  if (!empty() && lo < lo_) {
    // The carried traffic starts at the old first second, not before it.
    slots_[Index(lo_)] += carry();
    carry() = {};
  }
  lo_ = lo;
  hi_ = hi;
  return true;
}

SecondSlot SecondRing::ValueAt(int64_t second) const {
  if (second < lo_ || second >= hi_) return {};
  SecondSlot value = carry();
  for (int64_t s = lo_; s <= second; ++s) value += slots_[Index(s)];
  return value;
}

size_t SecondRing::DropBefore(int64_t up_to) {
  if (empty() || up_to <= lo_) return 0;
  for (int64_t s = lo_; s < hi_ && s < up_to; ++s) {
    carry() += slots_[Index(s)];
    slots_[Index(s)] = {};
  }
  lo_ = std::max(lo_, up_to);
  if (lo_ < hi_) return 0;
  // Every run ends inside the ring, so nothing is in force past its last second.
  const size_t freed = capacity_;
  slots_.reset();
  capacity_ = 0;
  lo_ = hi_ = 0;
  return freed;
}

}  // namespace rampart::collect
