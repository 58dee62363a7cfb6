// Small file helpers shared by the commands and agents that keep state on disk.
//
// Errors: `io_error`, its message naming the path and the system's reason. Thread-safe (no
// shared state); two writers of one path at once are the caller's to prevent.
#pragma once

#include <filesystem>
#include <string_view>

#include "common/error.h"

namespace rampart::common {

// Writes all of `data` to `fd` (retrying short writes and EINTR); false on an error.
bool WriteAll(int fd, std::string_view data);

// An `io_error` saying "cannot <what> <path>: <strerror(errno)>".
Error IoError(const std::filesystem::path& path, const char* what);

// Replaces the file at `path` with `content` whole or not at all (a temporary file beside it,
// synced, renamed over it; mode 0600). A device, FIFO or socket there (--usage-out
// /dev/stdout, a pipe) is written in place instead: a rename would replace it (and /dev/null
// with it).
Result<void> WriteFileAtomically(const std::filesystem::path& path, std::string_view content);

// The whole content of the file at `path`.
Result<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace rampart::common
