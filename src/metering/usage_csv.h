// Streaming reader of usage CSV (api.md `rampart rate`): a header naming the columns
// window_start, window_s, ip, attack_bps, in_bytes, out_bytes (any order, each once) and
// optionally source and revision (dataplane.md §1; empty cells: not given), then one sample
// per line. Reads in fixed-size chunks, so input of any size uses constant memory.
//
// Each row is parsed into a sample or a per-line error (`bad_row`, naming the line number and
// the column); what to do with bad rows is the caller's choice. Not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "common/error.h"
#include "metering/sample.h"

namespace rampart::metering {

struct CsvProgress {
  uint64_t bytes_read = 0;
  uint64_t rows = 0;
};

class UsageCsvReader {
 public:
  // Called for each parsed row; `line` is 1-based (the header is line 1).
  using OnSample = std::function<void(const UsageSample& sample, uint64_t line)>;
  // Called for each row that does not parse; return false to stop reading.
  using OnBadRow = std::function<bool(const common::Error& error, uint64_t line)>;
  // Called every ~64 MiB and at the end.
  using OnProgress = std::function<void(const CsvProgress&)>;

  // `in` stays owned by the caller and must outlive Read().
  explicit UsageCsvReader(std::FILE* in) : in_(in) {}

  // Reads to the end (or until OnBadRow returns false). Fails with `bad_csv` when the header
  // is missing or wrong, or with `io_error` when reading fails.
  common::Result<CsvProgress> Read(const OnSample& on_sample, const OnBadRow& on_bad_row,
                                   const OnProgress& on_progress = {});

 private:
  std::FILE* in_;
};

}  // namespace rampart::metering
