// An agent's --state-dir: what `rampart collect` and `rampart forward` keep across restarts
// (their configuration, and usage not yet accepted by the server).
//
// StateDir::Open creates the directory (mode 0700: the state names customers' addresses) and
// takes an exclusive lock on DIR/lock for as long as the object lives, so two agents never
// share one state: both would post the same saved usage. Errors: `io_error` (cannot create or
// lock), `conflict` (another process holds it; the message says which file).
//
// Not thread-safe; the lock is released when the object is destroyed (or the process ends).
#pragma once

#include <filesystem>
#include <memory>

#include "common/error.h"

namespace rampart::agent {

class StateDir {
 public:
  static common::Result<std::unique_ptr<StateDir>> Open(const std::filesystem::path& dir);
  ~StateDir();
  const std::filesystem::path& path() const { return dir_; }

 private:
  StateDir(std::filesystem::path dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}
  std::filesystem::path dir_;
  int lock_fd_ = -1;
};

}  // namespace rampart::agent
