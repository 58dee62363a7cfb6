#include "collect/state_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/file_io.h"

namespace rampart::collect {
namespace {

using common::IoError;
using common::WriteAll;

namespace fs = std::filesystem;

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

common::Result<std::vector<std::string>> StateJournal::Load() {
  std::vector<std::string> parts;
  std::ifstream in(dir_ / "state", std::ios::binary);
  if (!in) {
    if (fs::exists(dir_ / "state")) return std::unexpected(IoError(dir_ / "state", "read"));
    return parts;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string snapshot = ss.str();
  snapshot_bytes_ = snapshot.size();
  generation_ = 0;
  if (snapshot.rfind("G ", 0) == 0) {
    const size_t nl = snapshot.find('\n');
    generation_ = std::strtoull(snapshot.c_str() + 2, nullptr, 10);
    snapshot.erase(0, nl == std::string::npos ? snapshot.size() : nl + 1);
  }
  parts.push_back(std::move(snapshot));

  std::ifstream jin(dir_ / "journal", std::ios::binary);
  std::string journal;
  if (jin) {
    std::stringstream js;
    js << jin.rdbuf();
    journal = js.str();
  }
  size_t at = 0, good = 0;
  while (at < journal.size()) {
    const size_t nl = journal.find('\n', at);
    if (nl == std::string::npos) break;
    uint64_t generation = 0, length = 0, hash = 0;
    if (std::sscanf(journal.c_str() + at, "J %" SCNu64 " %" SCNu64 " %" SCNx64, &generation,
                    &length, &hash) != 3 ||
        length > journal.size() - nl - 1) {
      break;
    }
    const std::string_view body(journal.data() + nl + 1, length);
    if (Fnv1a(body) != hash) break;
    if (generation == generation_) parts.emplace_back(body);
    at = nl + 1 + length;
    good = at;
  }
  if (good < journal.size()) {
    // A torn or corrupt tail: cut it, so the next record follows whole ones.
    std::error_code ec;
    fs::resize_file(dir_ / "journal", good, ec);
    if (ec) {
      return std::unexpected(
          common::Error{common::Code::kIoError,
                        "cannot cut " + (dir_ / "journal").string() + ": " + ec.message()});
    }
  }
  journal_bytes_ = good;
  return parts;
}

common::Result<void> StateJournal::WriteSnapshot(const std::string& text) {
  const std::string header = "G " + std::to_string(generation_ + 1) + "\n";
  if (auto w = common::WriteFileAtomically(dir_ / "state", header + text); !w) return w;
  ++generation_;
  snapshot_bytes_ = header.size() + text.size();
  // The old journal is of the old generation now: ignored if this fails, emptied here.
  const int j = ::open((dir_ / "journal").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (j >= 0) ::close(j);
  journal_bytes_ = 0;
  return {};
}

common::Result<void> StateJournal::Append(const std::string& text) {
  const fs::path path = dir_ / "journal";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(IoError(path, "append to"));
  char header[96];
  std::snprintf(header, sizeof header, "J %" PRIu64 " %zu %016" PRIx64 "\n", generation_,
                text.size(), Fnv1a(text));
  const bool ok = WriteAll(fd, header) && WriteAll(fd, text) && ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok) return std::unexpected(IoError(path, "append to"));
  journal_bytes_ += std::strlen(header) + text.size();
  return {};
}

}  // namespace rampart::collect
