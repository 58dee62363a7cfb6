#include "agent/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "common/file_io.h"

namespace rampart::agent {

namespace fs = std::filesystem;

common::Result<std::unique_ptr<StateDir>> StateDir::Open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return common::Fail(common::Code::kIoError,
                        "cannot create --state-dir " + dir.string() + ": " + ec.message());
  }
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  const fs::path lock = dir / "lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(common::IoError(lock, "open"));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return common::Fail(common::Code::kConflict,
                          "--state-dir " + dir.string() + " is in use by another process (" +
                              lock.string() + " is locked); give each agent its own");
    }
    errno = err;
    return std::unexpected(common::IoError(lock, "lock"));
  }
  return std::unique_ptr<StateDir>(new StateDir(dir, fd));
}

StateDir::~StateDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

}  // namespace rampart::agent
