#include "common/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rampart::common {

namespace fs = std::filesystem;

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Error IoError(const fs::path& path, const char* what) {
  return Error{common::Code::kIoError,
               std::string("cannot ") + what + " " + path.string() + ": " + std::strerror(errno)};
}

Result<void> WriteFileAtomically(const fs::path& path, std::string_view content) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  const bool special = !ec && fs::exists(status) && !fs::is_regular_file(status);
  const fs::path target = special ? path : fs::path(path.string() + ".tmp");
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(IoError(target, "write"));
  bool ok = WriteAll(fd, content) && (special || ::fsync(fd) == 0);
  ok = ::close(fd) == 0 && ok;
  if (!ok) return std::unexpected(IoError(target, "write"));
  if (!special && ::rename(target.c_str(), path.c_str()) != 0) {
    return std::unexpected(IoError(path, "replace"));
  }
  return {};
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(IoError(path, "read"));
  std::stringstream s;
  s << in.rdbuf();
  if (in.bad()) return std::unexpected(IoError(path, "read"));
  return s.str();
}

}  // namespace rampart::common
