#include "postpaid/usage_block.h"

#include <bit>
#include <cstring>

namespace rampart::postpaid {
namespace {

constexpr uint32_t kVersion = 1;           // every revision 0
constexpr uint32_t kVersionRevisions = 2;  // then a u32 revision per present slot

void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
void PutI64(std::string* out, int64_t v) { out->append(reinterpret_cast<const char*>(&v), 8); }

// Calls f(slot) for every set bit of `words`, in order.
template <typename F>
void ForEachSet(const std::vector<uint64_t>& words, F&& f) {
  for (size_t w = 0; w < words.size(); ++w) {
    for (uint64_t bits = words[w]; bits != 0; bits &= bits - 1) {
      f(w * 64 + static_cast<size_t>(std::countr_zero(bits)));
    }
  }
}

}  // namespace

std::string UsageBlock::Encode() const {
  // Layout: u32 version, u32 slots, a bitmap (bit i of byte i / 8 for slot i), then
  // 3 x i64 per present slot in slot order, and (version 2) a u32 revision per present slot;
  // integers in host byte order (x86-64).
  static_assert(std::endian::native == std::endian::little, "the bitmap is written as words");
  const size_t n = values_.size();
  size_t present = 0;
  for (uint64_t w : bits_) present += static_cast<size_t>(std::popcount(w));
  bool revised = false;
  if (!revisions_.empty()) ForEachSet(bits_, [&](size_t i) { revised |= revisions_[i] != 0; });
  std::string out;
  out.reserve(8 + (n + 7) / 8 + present * (revised ? 28 : 24));
  PutU32(&out, revised ? kVersionRevisions : kVersion);
  PutU32(&out, static_cast<uint32_t>(n));
  out.append(reinterpret_cast<const char*>(bits_.data()), (n + 7) / 8);
  ForEachSet(bits_, [&](size_t i) {
    PutI64(&out, values_[i].attack_bps);
    PutI64(&out, values_[i].in_bytes);
    PutI64(&out, values_[i].out_bytes);
  });
  if (revised) ForEachSet(bits_, [&](size_t i) { PutU32(&out, revisions_[i]); });
  return out;
}

common::Result<UsageBlock> UsageBlock::Decode(std::string_view bytes) {
  auto bad = [] {
    return common::Fail(common::Code::kInvalidBlock, "a stored usage block is corrupt");
  };
  if (bytes.size() < 8) return bad();
  uint32_t version = 0, n = 0;
  std::memcpy(&version, bytes.data(), 4);
  std::memcpy(&n, bytes.data() + 4, 4);
  if ((version != kVersion && version != kVersionRevisions) || n > 100'000) return bad();
  const size_t per_slot = version == kVersionRevisions ? 28 : 24;
  const size_t bitmap = (n + 7) / 8;
  if (bytes.size() < 8 + bitmap) return bad();
  UsageBlock block(n);
  std::memcpy(block.bits_.data(), bytes.data() + 8, bitmap);
  if (n % 64 != 0) block.bits_.back() &= (uint64_t{1} << (n % 64)) - 1;  // no slot past n
  size_t present = 0;
  for (uint64_t w : block.bits_) present += static_cast<size_t>(std::popcount(w));
  if (bytes.size() != 8 + bitmap + present * per_slot) return bad();
  const char* p = bytes.data() + 8 + bitmap;
  ForEachSet(block.bits_, [&](size_t i) {
    std::memcpy(&block.values_[i].attack_bps, p, 8);
    std::memcpy(&block.values_[i].in_bytes, p + 8, 8);
    std::memcpy(&block.values_[i].out_bytes, p + 16, 8);
    p += 24;
  });
  if (version == kVersionRevisions) {
    block.revisions_.assign(n, 0);
    ForEachSet(block.bits_, [&](size_t i) {
      std::memcpy(&block.revisions_[i], p, 4);
      p += 4;
    });
  }
  return block;
}

common::Result<void> UsageBlock::Merge(const UsageBlock& part) {
  if (part.slots() != slots()) {
    return common::Fail(common::Code::kInvalidBlock,
                        "a stored usage block part has another length");
  }
  ForEachSet(part.bits_, [&](size_t i) { Set(i, part.values_[i], part.revision(i)); });
  return {};
}

}  // namespace rampart::postpaid
