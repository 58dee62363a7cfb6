#include "collect/second_ring.h"

#include <algorithm>

namespace rampart::collect {

void SecondRing::Add(int64_t from, int64_t to, const SecondSlot& value) {
  for (size_t k = 0; k < kSecondFields; ++k) {
    const int64_t v = value[static_cast<SecondField>(k)];
    Column(k)[IndexOf(from)] += v;
    Column(k)[IndexOf(to)] -= v;
  }
}

SecondSlot SecondRing::ChangeAt(int64_t second) const {
  SecondSlot change;
  for (size_t k = 0; k < kSecondFields; ++k) {
    change[static_cast<SecondField>(k)] = Column(k)[IndexOf(second)];
  }
  return change;
}

SecondSlot SecondRing::Carry() const {
  SecondSlot carry;
  for (size_t k = 0; k < kSecondFields; ++k) {
    carry[static_cast<SecondField>(k)] = lines_[capacity_].v[k];
  }
  return carry;
}

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
    // Every change outside [lo_, hi_) is zero, so only the held seconds (and the carry) move.
    std::unique_ptr<Line[]> bigger(new Line[capacity + 1]());
    if (capacity_ != 0) {
      for (size_t k = 0; k < kSecondFields; ++k) {
        int64_t* to_column = bigger[0].v + k * capacity;
        for (int64_t s = lo_; s < hi_; ++s) {
          to_column[static_cast<size_t>(s) & (capacity - 1)] = Column(k)[IndexOf(s)];
        }
      }
      bigger[capacity] = lines_[capacity_];
    }
    lines_ = std::move(bigger);
    capacity_ = static_cast<uint32_t>(capacity);
    *grown += added;
  }
  if (!empty() && lo < lo_) {
    // The carried traffic starts at the old first second, not before it.
    for (size_t k = 0; k < kSecondFields; ++k) {
      Column(k)[IndexOf(lo_)] += lines_[capacity_].v[k];
      lines_[capacity_].v[k] = 0;
    }
  }
  lo_ = lo;
  hi_ = hi;
  return true;
}

SecondSlot SecondRing::ValueAt(int64_t second) const {
  if (second < lo_ || second >= hi_) return {};
  SecondSlot value = Carry();
  for (int64_t s = lo_; s <= second; ++s) value += ChangeAt(s);
  return value;
}

size_t SecondRing::DropBefore(int64_t up_to) {
  if (empty() || up_to <= lo_) return 0;
  for (int64_t s = lo_; s < hi_ && s < up_to; ++s) {
    for (size_t k = 0; k < kSecondFields; ++k) {
      int64_t& change = Column(k)[IndexOf(s)];
      lines_[capacity_].v[k] += change;
      change = 0;
    }
  }
  lo_ = std::max(lo_, up_to);
  if (lo_ < hi_) return 0;
  // Every run ends inside the ring, so nothing is in force past its last second.
  const size_t freed = capacity_;
  lines_.reset();
  capacity_ = 0;
  lo_ = hi_ = 0;
  return freed;
}

}  // namespace rampart::collect
