// StateJournal: what `rampart collect` keeps in --state-dir, as a snapshot and a journal, so
// that a second's changes cost what changed rather than everything kept (72 h of windows).
//
// - `state`: a snapshot, written atomically (temporary file, fsync, rename), its first line
//   `G <generation>`. (A snapshot without that line, from before the journal, is generation 0.)
// - `journal`: records appended after it, each `J <generation> <length> <fnv-1a 64>` and its
//   text, synced before Append returns. Load keeps the records of the snapshot's generation, in
//   order, up to the first torn or corrupt one (a crash mid-write), and cuts the file there so
//   that later records follow whole ones. A snapshot starts a new generation and empties the
//   journal; a crash between the two leaves records of the old generation, which are ignored.
//
// Not thread-safe. Errors: `io_error` (with the path and the system's reason).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace rampart::collect {

class StateJournal {
 public:
  explicit StateJournal(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // The snapshot's text and then each journal record's, in order; empty when there is no
  // snapshot yet.
  common::Result<std::vector<std::string>> Load();
  // Replaces the snapshot with `text` and starts an empty journal after it.
  common::Result<void> WriteSnapshot(const std::string& text);
  // Appends `text` as one record after the snapshot (synced).
  common::Result<void> Append(const std::string& text);

  uint64_t journal_bytes() const { return journal_bytes_; }
  uint64_t snapshot_bytes() const { return snapshot_bytes_; }

 private:
  std::filesystem::path dir_;
  uint64_t generation_ = 0;
  uint64_t journal_bytes_ = 0;
  uint64_t snapshot_bytes_ = 0;
};

}  // namespace rampart::collect
