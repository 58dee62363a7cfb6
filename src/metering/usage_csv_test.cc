#include "metering/usage_csv.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace rampart::metering {
namespace {

struct Outcome {
  std::vector<std::pair<UsageSample, uint64_t>> samples;
  std::vector<std::pair<common::Error, uint64_t>> bad;
  common::Result<CsvProgress> result = CsvProgress{};
};

Outcome ReadText(const std::string& text, bool stop_on_bad = false) {
  std::FILE* f = fmemopen(const_cast<char*>(text.data()), text.size(), "r");
  Outcome o;
  UsageCsvReader reader(f);
  o.result =
      reader.Read([&](const UsageSample& s, uint64_t line) { o.samples.emplace_back(s, line); },
                  [&](const common::Error& e, uint64_t line) {
                    o.bad.emplace_back(e, line);
                    return !stop_on_bad;
                  });
  std::fclose(f);
  return o;
}

const char* kHeader = "window_start,window_s,ip,attack_bps,in_bytes,out_bytes\n";

TEST(UsageCsv, ReadsRowsWithLineNumbers) {
  auto o = ReadText(std::string(kHeader) +
                    "2026-11-26T02:00:00Z,60,203.0.113.7,45000000000,1200000,3400000\n"
                    "2026-11-26T02:01:00Z,300,2001:db8::1,0,5,6\r\n"
                    "2026-11-26T02:02:00Z,60,\"203.0.113.8\",7,8,9");  // no final newline
  ASSERT_TRUE(o.result.has_value());
  EXPECT_EQ(o.result->rows, 3u);
  ASSERT_EQ(o.samples.size(), 3u);
  EXPECT_EQ(o.samples[0].second, 2u);
  EXPECT_EQ(o.samples[0].first.attack_bps, 45'000'000'000);
  EXPECT_EQ(o.samples[0].first.out_bytes, 3'400'000);
  EXPECT_EQ(o.samples[1].first.window_s, 300);
  EXPECT_EQ(o.samples[1].first.ip.ToString(), "2001:db8::1");
  EXPECT_EQ(o.samples[2].first.ip.ToString(), "203.0.113.8");
  EXPECT_EQ(o.samples[2].second, 4u);
  EXPECT_TRUE(o.bad.empty());
}

TEST(UsageCsv, ColumnsMayComeInAnyOrder) {
  auto o = ReadText(
      "ip,out_bytes,in_bytes,attack_bps,window_s,window_start\n"
      "203.0.113.7,3,2,1,60,2026-11-26T02:00:00Z\n");
  ASSERT_EQ(o.samples.size(), 1u);
  EXPECT_EQ(o.samples[0].first.attack_bps, 1);
  EXPECT_EQ(o.samples[0].first.in_bytes, 2);
  EXPECT_EQ(o.samples[0].first.out_bytes, 3);
}

TEST(UsageCsv, SourceAndRevisionColumnsAreOptional) {
  auto o = ReadText(
      "window_start,window_s,ip,attack_bps,in_bytes,out_bytes,source,revision\n"
      "2026-11-26T02:00:00Z,60,203.0.113.7,1,2,3,collect:sz,4\n"
      "2026-11-26T02:00:00Z,60,203.0.113.7,1,2,3,,\n"
      "2026-11-26T02:00:00Z,60,203.0.113.7,1,2,3,a,x\n"
      "2026-11-26T02:00:00Z,60,203.0.113.7,1,2,3\n");
  ASSERT_EQ(o.samples.size(), 2u);
  EXPECT_EQ(o.samples[0].first.source, "collect:sz");
  EXPECT_EQ(o.samples[0].first.revision, 4);
  EXPECT_EQ(o.samples[1].first.source, "");
  EXPECT_EQ(o.samples[1].first.revision, 0);
  ASSERT_EQ(o.bad.size(), 2u);
  EXPECT_EQ(o.bad[0].first.field, "revision");
  EXPECT_EQ(o.bad[0].second, 4u);
  EXPECT_EQ(o.bad[1].second, 5u);  // 6 columns where the header has 8
}

TEST(UsageCsv, ReportsBadRowsAndGoesOn) {
  auto o = ReadText(std::string(kHeader) +
                    "2026-11-26T02:00:00Z,60,203.0.113.7,1,2,3\n"
                    "yesterday,60,203.0.113.7,1,2,3\n"
                    "2026-11-26T02:00:00Z,60,not-an-ip,1,2,3\n"
                    "2026-11-26T02:00:00Z,60,203.0.113.7,1.5,2,3\n"
                    "2026-11-26T02:00:00Z,60,203.0.113.7,1,2\n"
                    "2026-11-26T02:00:00Z,60,203.0.113.7,1,2,3,4\n"
                    "2026-11-26T02:00:00Z,60,203.0.113.7,99999999999999999999,2,3\n"
                    "\n"
                    "2026-11-26T02:01:00Z,60,203.0.113.7,1,2,3\n");
  ASSERT_TRUE(o.result.has_value());
  EXPECT_EQ(o.samples.size(), 2u);
  ASSERT_EQ(o.bad.size(), 6u);
  EXPECT_EQ(o.bad[0].second, 3u);
  EXPECT_EQ(o.bad[0].first.field, "window_start");
  EXPECT_EQ(o.bad[1].first.field, "ip");
  EXPECT_EQ(o.bad[2].first.field, "attack_bps");
  EXPECT_NE(o.bad[3].first.message.find("expected 6 columns, got 5"), std::string::npos);
  EXPECT_NE(o.bad[4].first.message.find("expected 6 columns"), std::string::npos);
  EXPECT_EQ(o.bad[5].second, 8u);
  EXPECT_EQ(o.samples[1].second, 10u);
}

TEST(UsageCsv, StopsWhenTold) {
  auto o =
      ReadText(std::string(kHeader) + "bad\n2026-11-26T02:01:00Z,60,203.0.113.7,1,2,3\n", true);
  EXPECT_EQ(o.bad.size(), 1u);
  EXPECT_TRUE(o.samples.empty());
}

TEST(UsageCsv, RejectsAWrongHeader) {
  for (const char* text :
       {"", "window_start,window_s,ip,attack_bps,in_bytes\n",
        "window_start,window_s,ip,attack_bps,in_bytes,in_bytes\n", "a,b,c,d,e,f\n",
        "window_start,window_s,ip,attack_bps,in_bytes,out_bytes,source,source\n",
        "window_start,window_s,ip,attack_bps,in_bytes,out_bytes,source,revision,x\n"}) {
    auto o = ReadText(text);
    ASSERT_FALSE(o.result.has_value()) << text;
    EXPECT_EQ(o.result.error().code, common::Code::kBadCsv);
  }
}

TEST(UsageCsv, LinesLongerThanAChunkAreJoined) {
  // A row split across the 1 MiB read boundary must parse whole.
  std::string text = kHeader;
  const std::string row = "2026-11-26T02:00:00Z,60,203.0.113.7,1,2,3\n";
  while (text.size() < (1u << 20) + row.size()) text += row;
  auto o = ReadText(text);
  ASSERT_TRUE(o.result.has_value());
  EXPECT_TRUE(o.bad.empty());
  EXPECT_EQ(o.samples.size(), o.result->rows);
  EXPECT_EQ(o.result->bytes_read, text.size());
}

}  // namespace
}  // namespace rampart::metering
