// UsageSpool: the forwarder's usage in --state-dir, saved on its own thread so the packet loop
// never waits for the disk. What the server has not yet accepted survives a stop while the
// server is unreachable (everything) and a kill (all but the bytes of the last second).
//
// Layout (each file in the UsageState text, written whole or not at all):
//   DIR/usage          the open windows and the next batch number N
//   DIR/batches/<seq>  one file per batch not yet accepted (written once, removed when gone)
// A batch file is written before the `usage` file that counts it (N > seq) and no longer holds
// its windows, so a crash between the two leaves a batch file numbered ≥ N: Open removes it,
// and its windows are still in `usage` — nothing counted twice, nothing lost. `on_saved(N-1)`
// follows each save: the outbox may send batches up to N-1, which a restart would never
// rebuild with other numbers.
//
// Thread safety: Save and Flush may be called from any thread; on_saved runs on the spool's
// thread. A failed save is said on stderr (once per streak) and retried every second, merged
// with later ones. The destructor finishes the pending save (one attempt), then joins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/error.h"
#include "forward/usage_state.h"

namespace rampart::forward {

class UsageSpool {
 public:
  // Reads what `dir` holds into `restored` (windows, batches in order, next number) and starts
  // the saving thread. Errors: `io_error`, `invalid_state` (a damaged file, named).
  static common::Result<std::unique_ptr<UsageSpool>> Open(
      const std::filesystem::path& dir, std::function<void(uint64_t seq)> on_saved,
      UsageState* restored);
  ~UsageSpool();

  // Saves: `added` batches to their files, the batches `gone` (sent or dropped) removed, then
  // the open `windows` and `next_seq`.
  void Save(std::vector<agent::UsageBatch> added, std::vector<uint64_t> gone,
            std::vector<WindowBytes> windows, uint64_t next_seq);
  // Waits until every Save so far is on disk, or `timeout`; true when it is.
  bool Flush(std::chrono::milliseconds timeout);
  uint64_t failures() const;

 private:
  struct Change {
    std::vector<agent::UsageBatch> added;
    std::vector<uint64_t> gone;
    std::vector<WindowBytes> windows;
    uint64_t next_seq = 1;
  };
  UsageSpool(std::filesystem::path dir, std::function<void(uint64_t)> on_saved);
  common::Result<void> Write(const Change& c);
  void Run();

  std::filesystem::path dir_;
  std::function<void(uint64_t)> on_saved_;
  mutable std::mutex mu_;
  std::condition_variable wake_, done_;
  std::optional<Change> next_;
  uint64_t submitted_ = 0, written_ = 0;  // Save calls, and those on disk
  uint64_t failures_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace rampart::forward
