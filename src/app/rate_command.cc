// `rampart rate`: rates one billing day offline, streaming the usage CSV.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "app/pricebook_arg.h"
#include "common/calendar.h"
#include "formats/bill_json.h"
#include "formats/json_pretty.h"
#include "formats/resource_json.h"
#include "metering/day_ingest.h"
#include "metering/usage_csv.h"

namespace rampart::app {
namespace {

constexpr uint64_t kBadRowsShown = 100;

struct Counts {
  uint64_t accepted = 0;
  uint64_t replaced = 0;  // corrections: a higher revision from the same source
  uint64_t duplicates = 0;
  uint64_t outside_day = 0;
  uint64_t bad = 0;
};

// Progress on stderr, rewritten in place; only when stderr is a terminal.
class ProgressLine {
 public:
  ProgressLine(bool enabled, uint64_t total_bytes)
      : enabled_(enabled && isatty(STDERR_FILENO)), total_(total_bytes) {}
  void Show(uint64_t bytes) {
    if (!enabled_) return;
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double mb = static_cast<double>(bytes) / 1e6;
    if (total_ > 0) {
      std::fprintf(stderr, "\rrate: %.0f of %.0f MB (%.0f%%), %.0f MB/s   ", mb,
                   static_cast<double>(total_) / 1e6,
                   100.0 * static_cast<double>(bytes) / static_cast<double>(total_),
                   s > 0 ? mb / s : 0.0);
    } else {
      std::fprintf(stderr, "\rrate: %.0f MB, %.0f MB/s   ", mb, s > 0 ? mb / s : 0.0);
    }
    shown_ = true;
  }
  void Done() {
    if (shown_) std::fprintf(stderr, "\n");
  }

 private:
  bool enabled_;
  uint64_t total_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

common::Result<boost::json::value> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::Fail(common::Code::kIoError, path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec)
    return common::Fail(common::Code::kInvalidJson, path + ": not valid JSON: " + ec.message());
  return v;
}

// Writes `text` to `path` through a temporary file, so a reader never sees half a file.
bool WriteAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!(out << text) || !out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int RunRate(const RateArgs& args) {
  auto book = LoadPriceBook(args.pricebook);
  if (!book) {
    std::cerr << book.error().message << "\n";
    return 1;
  }
  auto calendar = common::BillingCalendar::Create(book->time_zone);
  auto day = common::ParseDay(args.day);
  if (!day) {
    std::cerr << "error: --day: " << day.error().message << "\n";
    return 1;
  }
  const common::Instant day_start = calendar->DayStart(*day);
  const common::Instant day_end = calendar->DayEnd(*day);

  auto resources_json = ReadJsonFile(args.resources_path);
  if (!resources_json) {
    std::cerr << "error: " << resources_json.error().message << "\n";
    return resources_json.error().code == common::Code::kIoError ? 2 : 1;
  }
  auto resources = formats::ParseRateResources(*resources_json, day_start);
  if (!resources) {
    std::cerr << "error: " << args.resources_path << ": " << resources.error().message << "\n";
    return 1;
  }
  auto ingest = metering::DayIngest::Create(day_start, day_end, *resources);
  if (!ingest) {
    std::cerr << "error: " << args.resources_path << ": " << ingest.error().message << "\n";
    return 1;
  }

  std::FILE* in = args.usage_path == "-" ? stdin : std::fopen(args.usage_path.c_str(), "rb");
  if (!in) {
    std::cerr << "error: " << args.usage_path << ": cannot be read\n";
    return 2;
  }
  uint64_t total_bytes = 0;
  struct stat st {};
  if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
    total_bytes = static_cast<uint64_t>(st.st_size);
  ProgressLine progress(args.progress, total_bytes);

  Counts counts;
  bool failed_strict = false;
  auto report_bad = [&](const common::Error& e, uint64_t line) {
    ++counts.bad;
    if (counts.bad <= kBadRowsShown || args.strict) {
      std::cerr << args.usage_path << ":" << line << ": " << e.code << ": " << e.message << "\n";
    }
    if (args.strict) failed_strict = true;
    return !args.strict;
  };
  common::Error why;
  metering::UsageCsvReader reader(in);
  auto read = reader.Read(
      [&](const metering::UsageSample& s, uint64_t line) {
        if (failed_strict) return;
        switch ((*ingest)->Add(s, std::nullopt, &why)) {
          case metering::IngestOutcome::kAccepted:
            ++counts.accepted;
            break;
          case metering::IngestOutcome::kReplaced:
            ++counts.replaced;
            break;
          case metering::IngestOutcome::kDuplicate:
            ++counts.duplicates;
            break;
          case metering::IngestOutcome::kOutsideDay:
            ++counts.outside_day;
            break;
          case metering::IngestOutcome::kRejected:
            report_bad(why, line);
            break;
        }
      },
      report_bad, [&](const metering::CsvProgress& p) { progress.Show(p.bytes_read); });
  progress.Done();
  if (in != stdin) std::fclose(in);
  if (!read) {
    std::cerr << "error: " << args.usage_path << ": " << read.error().message << "\n";
    return read.error().code == common::Code::kIoError ? 2 : 1;
  }
  if (failed_strict) {
    std::cerr << "error: stopped at the first bad row (--strict); no bills written\n";
    return 1;
  }
  if (counts.bad > kBadRowsShown) {
    std::cerr << "... " << counts.bad - kBadRowsShown << " more bad rows not shown\n";
  }

  auto bills = metering::RateDay(*book, *day, *resources, **ingest, /*closed=*/true);
  if (!bills) {
    std::cerr << "error: " << args.resources_path << ": " << bills.error().message << "\n";
    return 1;
  }
  const std::string text = formats::PrettyJson(formats::BillsToJson(*bills));
  if (args.output_path.empty()) {
    std::cout << text << std::flush;
  } else if (!WriteAtomically(args.output_path, text)) {
    std::cerr << "error: " << args.output_path << ": cannot be written\n";
    return 2;
  }
  common::Money total;
  for (const auto& b : *bills) total += b.total;
  std::cerr << "rated " << args.day << " (" << book->time_zone << "): " << resources->size()
            << " resources, " << read->rows << " rows: " << counts.accepted << " accepted, "
            << counts.replaced << " replaced, " << counts.duplicates << " duplicates, "
            << counts.outside_day << " outside the day, " << counts.bad << " bad; " << bills->size()
            << " bills, total " << total.ToString() << " CNY\n";
  return 0;
}

}  // namespace rampart::app
