#include "postpaid/usage_block.h"

#include <cstring>

namespace rampart::postpaid {
namespace {

constexpr uint32_t kVersion = 1;

void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
void PutI64(std::string* out, int64_t v) { out->append(reinterpret_cast<const char*>(&v), 8); }

}  // namespace

std::string UsageBlock::Encode() const {
  // Layout (host byte order, x86-64): u32 version, u32 slots, bitmap, then 3 x i64 per
  // present slot in slot order.
  const size_t n = values_.size();
  std::string out;
  size_t present = 0;
  for (bool p : present_) present += p;
  out.reserve(8 + (n + 7) / 8 + present * 24);
  PutU32(&out, kVersion);
  PutU32(&out, static_cast<uint32_t>(n));
  std::string bitmap((n + 7) / 8, '\0');
  for (size_t i = 0; i < n; ++i) {
    if (present_[i]) bitmap[i / 8] = static_cast<char>(bitmap[i / 8] | (1 << (i % 8)));
  }
  out += bitmap;
  for (size_t i = 0; i < n; ++i) {
    if (!present_[i]) continue;
    PutI64(&out, values_[i].attack_bps);
    PutI64(&out, values_[i].in_bytes);
    PutI64(&out, values_[i].out_bytes);
  }
  return out;
}

common::Result<UsageBlock> UsageBlock::Decode(std::string_view bytes) {
  auto bad = [] { return common::Fail("invalid_block", "a stored usage block is corrupt"); };
  if (bytes.size() < 8) return bad();
  uint32_t version = 0, n = 0;
  std::memcpy(&version, bytes.data(), 4);
  std::memcpy(&n, bytes.data() + 4, 4);
  if (version != kVersion || n > 100'000) return bad();
  const size_t bitmap = (n + 7) / 8;
  if (bytes.size() < 8 + bitmap) return bad();
  UsageBlock block(n);
  size_t present = 0;
  for (size_t i = 0; i < n; ++i) {
    block.present_[i] = (static_cast<uint8_t>(bytes[8 + i / 8]) >> (i % 8)) & 1;
    present += block.present_[i];
  }
  if (bytes.size() != 8 + bitmap + present * 24) return bad();
  const char* p = bytes.data() + 8 + bitmap;
  for (size_t i = 0; i < n; ++i) {
    if (!block.present_[i]) continue;
    std::memcpy(&block.values_[i].attack_bps, p, 8);
    std::memcpy(&block.values_[i].in_bytes, p + 8, 8);
    std::memcpy(&block.values_[i].out_bytes, p + 16, 8);
    p += 24;
  }
  return block;
}

common::Result<void> UsageBlock::Merge(const UsageBlock& part) {
  if (part.slots() != slots()) {
    return common::Fail("invalid_block", "a stored usage block part has another length");
  }
  for (size_t i = 0; i < part.slots(); ++i) {
    if (part.present_[i]) Set(i, part.values_[i]);
  }
  return {};
}

}  // namespace rampart::postpaid
