#include "collect/second_ring.h"

#include <algorithm>

namespace rampart::collect {

SecondSlot* SecondRing::At(int64_t second, size_t budget, size_t* grown) {
  const int64_t lo = empty() ? second : std::min(lo_, second);
  const int64_t hi = empty() ? second + 1 : std::max(hi_, second + 1);
  if (hi - lo > kMaxSpanS) return nullptr;
  const auto span = static_cast<size_t>(hi - lo);
  if (span > slots_.size()) {
    size_t capacity = slots_.empty() ? 64 : slots_.size();
    while (capacity < span) capacity *= 2;
    const size_t added = capacity - slots_.size();
    if (added > budget) return nullptr;
    // Every slot outside [lo_, hi_) is zero, so only the held seconds move.
    std::vector<SecondSlot> bigger(capacity);
    for (int64_t s = lo_; s < hi_; ++s)
      bigger[static_cast<size_t>(s) & (capacity - 1)] = slots_[Index(s)];
    slots_.swap(bigger);
    *grown += added;
  }
  lo_ = lo;
  hi_ = hi;
  return &slots_[Index(second)];
}

size_t SecondRing::DropBefore(int64_t up_to) {
  if (empty() || up_to <= lo_) return 0;
  for (int64_t s = lo_; s < hi_ && s < up_to; ++s) slots_[Index(s)] = {};
  lo_ = std::max(lo_, up_to);
  if (lo_ < hi_) return 0;
  const size_t freed = slots_.size();
  std::vector<SecondSlot>().swap(slots_);
  lo_ = hi_ = 0;
  return freed;
}

}  // namespace rampart::collect
