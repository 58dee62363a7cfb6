// UsageBlock: one IP's windows of one length over one billing day, stored as one compact
// value (the volume layout of the metering issue): a presence bitmap, then the present
// windows' (attack_bps, in_bytes, out_bytes) only. A full day of one-minute windows is
// ~34.7 KB; an IP with a few windows a few hundred bytes. Ingestion merges a batch into the
// block in memory and writes it back once, instead of a row (and an index entry) per sample.
// Value type; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace rampart::postpaid {

struct WindowValues {
  int64_t attack_bps = 0;
  int64_t in_bytes = 0;
  int64_t out_bytes = 0;
  bool operator==(const WindowValues&) const = default;
};

class UsageBlock {
 public:
  explicit UsageBlock(size_t slots) : bits_((slots + 63) / 64, 0), values_(slots) {}
  // `invalid_block` for a value this code did not write.
  static common::Result<UsageBlock> Decode(std::string_view bytes);
  std::string Encode() const;

  size_t slots() const { return values_.size(); }
  bool present(size_t slot) const { return (bits_[slot / 64] >> (slot % 64)) & 1; }
  const WindowValues& at(size_t slot) const { return values_[slot]; }
  int64_t revision(size_t slot) const { return revisions_.empty() ? 0 : revisions_[slot]; }
  void Set(size_t slot, const WindowValues& v, int64_t revision = 0) {
    bits_[slot / 64] |= uint64_t{1} << (slot % 64);
    values_[slot] = v;
    if (revision != 0 && revisions_.empty()) revisions_.assign(values_.size(), 0);
    if (!revisions_.empty()) revisions_[slot] = static_cast<uint32_t>(revision);
  }
  // Takes `part`'s windows (a block of the same length, stored as a later part), replacing
  // the copies of the windows it holds again.
  // `invalid_block` when the lengths differ.
  common::Result<void> Merge(const UsageBlock& part);

 private:
  // Presence as 64-bit words, so that sparse blocks (a batch's part) are walked a word at a
  // time rather than a slot at a time.
  std::vector<uint64_t> bits_;
  std::vector<WindowValues> values_;
  std::vector<uint32_t> revisions_;  // empty while every revision is 0 (the usual case)
};

}  // namespace rampart::postpaid
