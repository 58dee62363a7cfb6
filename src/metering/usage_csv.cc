#include "metering/usage_csv.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace rampart::metering {
namespace {

// The six required columns, then the optional ones (dataplane.md §1: sources and revisions).
enum Column {
  kWindowStart,
  kWindowS,
  kIp,
  kAttackBps,
  kInBytes,
  kOutBytes,
  kSource,
  kRevision,
  kColumns
};
constexpr size_t kRequired = kSource;
constexpr std::array<std::string_view, kColumns> kColumnNames = {
    "window_start", "window_s", "ip", "attack_bps", "in_bytes", "out_bytes", "source", "revision"};
constexpr size_t kAbsent = SIZE_MAX;

constexpr size_t kChunk = 1 << 20;
constexpr uint64_t kProgressEvery = 64ull << 20;

std::string_view Trim(std::string_view f) {
  while (!f.empty() && (f.back() == '\r' || f.back() == ' ')) f.remove_suffix(1);
  while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
  if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
  return f;
}

// Splits `line` on commas into at most `max` fields; returns the count (max + 1 if more).
size_t Split(std::string_view line, std::string_view* fields, size_t max) {
  size_t n = 0;
  while (true) {
    const size_t comma = line.find(',');
    if (n == max) return max + 1;
    fields[n++] = Trim(line.substr(0, comma));
    if (comma == std::string_view::npos) return n;
    line.remove_prefix(comma + 1);
  }
}

bool ParseInt(std::string_view f, int64_t* out) {
  if (f.empty()) return false;
  auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), *out);
  return ec == std::errc() && p == f.data() + f.size();
}

common::Error BadRow(std::string message, std::string field) {
  return common::Error{common::Code::kBadRow, std::move(message), std::move(field)};
}

}  // namespace

common::Result<CsvProgress> UsageCsvReader::Read(const OnSample& on_sample,
                                                 const OnBadRow& on_bad_row,
                                                 const OnProgress& on_progress) {
  std::vector<char> buf(kChunk);
  std::string carry;  // a line split across chunks
  CsvProgress progress;
  uint64_t next_progress = kProgressEvery;
  uint64_t line_no = 0;
  std::array<size_t, kColumns> column_at{};  // column -> field position (kAbsent: optional, absent)
  size_t width = kRequired;                  // the header's column count
  bool header_seen = false;
  bool stop = false;
  std::optional<common::Error> fatal;

  auto handle_line = [&](std::string_view line) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view fields[kColumns];
    if (!header_seen) {
      header_seen = true;
      const size_t n = Split(line, fields, kColumns);
      std::array<bool, kColumns> found{};
      bool ok = n >= kRequired && n <= kColumns;
      width = n;
      for (size_t i = 0; ok && i < n; ++i) {
        size_t c = 0;
        while (c < kColumns && kColumnNames[c] != fields[i]) ++c;
        if (c == kColumns || found[c]) {
          ok = false;
        } else {
          found[c] = true;
          column_at[c] = i;
        }
      }
      for (size_t c = 0; ok && c < kColumns; ++c) {
        if (!found[c]) {
          if (c < kRequired) ok = false;
          column_at[c] = kAbsent;
        }
      }
      if (!ok) {
        fatal = common::Error{
            common::Code::kBadCsv,
            "line 1: the header must name the columns "
            "window_start,window_s,ip,attack_bps,in_bytes,out_bytes (and optionally source, "
            "revision); got \"" +
                std::string(line.substr(0, 200)) + "\"",
            ""};
        stop = true;
      }
      return;
    }
    if (line.empty()) return;  // blank lines (a trailing newline) are not rows
    ++progress.rows;
    const size_t n = Split(line, fields, width);
    if (n != width) {
      stop = !on_bad_row(BadRow("expected " + std::to_string(width) + " columns, got " +
                                    std::string(n > width ? "more" : std::to_string(n)),
                                ""),
                         line_no);
      return;
    }
    UsageSample s;
    const std::string_view start = fields[column_at[kWindowStart]];
    auto t = common::ParseRfc3339(start);
    if (!t) {
      stop = !on_bad_row(BadRow(t.error().message, "window_start"), line_no);
      return;
    }
    s.window_start = *t;
    auto ip = common::IpAddress::Parse(fields[column_at[kIp]]);
    if (!ip) {
      stop = !on_bad_row(BadRow(ip.error().message, "ip"), line_no);
      return;
    }
    s.ip = *ip;
    int64_t* targets[] = {&s.window_s, &s.attack_bps, &s.in_bytes, &s.out_bytes};
    const Column cols[] = {kWindowS, kAttackBps, kInBytes, kOutBytes};
    for (size_t i = 0; i < 4; ++i) {
      const std::string_view f = fields[column_at[cols[i]]];
      if (!ParseInt(f, targets[i])) {
        stop = !on_bad_row(BadRow(std::string(kColumnNames[cols[i]]) + " \"" +
                                      std::string(f.substr(0, 40)) + "\" is not an integer",
                                  std::string(kColumnNames[cols[i]])),
                           line_no);
        return;
      }
    }
    if (column_at[kSource] != kAbsent) s.source = fields[column_at[kSource]];
    if (column_at[kRevision] != kAbsent) {
      const std::string_view f = fields[column_at[kRevision]];
      if (!f.empty() && !ParseInt(f, &s.revision)) {
        stop = !on_bad_row(
            BadRow("revision \"" + std::string(f.substr(0, 40)) + "\" is not an integer",
                   "revision"),
            line_no);
        return;
      }
    }
    on_sample(s, line_no);
  };

  while (!stop) {
    const size_t got = std::fread(buf.data(), 1, buf.size(), in_);
    if (got == 0) {
      if (std::ferror(in_)) {
        return common::Fail(common::Code::kIoError,
                            std::string("reading usage failed: ") + std::strerror(errno));
      }
      break;
    }
    progress.bytes_read += got;
    std::string_view chunk(buf.data(), got);
    while (!stop) {
      const size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        carry.append(chunk);
        break;
      }
      if (carry.empty()) {
        handle_line(chunk.substr(0, nl));
      } else {
        carry.append(chunk.substr(0, nl));
        handle_line(carry);
        carry.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
    if (on_progress && progress.bytes_read >= next_progress) {
      on_progress(progress);
      next_progress += kProgressEvery;
    }
  }
  if (!stop && !carry.empty()) handle_line(carry);  // last line without a newline
  if (!header_seen && !fatal) {
    fatal =
        common::Error{common::Code::kBadCsv, "the usage CSV is empty: expected a header line", ""};
  }
  if (fatal) return std::unexpected(*fatal);
  if (on_progress) on_progress(progress);
  return progress;
}

}  // namespace rampart::metering
