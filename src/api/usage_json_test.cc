#include "api/usage_json.h"

#include <gtest/gtest.h>

namespace rampart::api {
namespace {

// The fast path and the strict reader must agree on every line: the same sample, or the
// same kind of rejection.
TEST(UsageJson, PlainAndUnusualLinesReadTheSame) {
  const std::vector<std::string> lines = {
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z", "window_s": 60, "attack_bps": 45000000000, "in_bytes": 1, "out_bytes": 2})",
      R"({"window_start":"2026-11-26T02:00:00Z","ip":"2001:db8::1","attack_bps":-5})",
      R"(  {"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z"}  )",
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z",})",
      R"({"ip": "198.51.100.7" "window_start": "2026-11-26T02:00:00Z"})",
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z", "attack_bps": 1e3})",
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z", "attack_bps": 01})",
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z", "attack_bps": 9223372036854775808})",
      R"({"ip": "198.51.100.7", "ip": "198.51.100.8", "window_start": "2026-11-26T02:00:00Z"})",
      R"({"ip": "198\u002e51.100.7", "window_start": "2026-11-26T02:00:00Z"})",
      R"({"ip": null, "window_start": "2026-11-26T02:00:00Z"})",
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z", "colour": 1})",
      R"({"ip": "not-an-ip", "window_start": "2026-11-26T02:00:00Z"})",
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z", "attack_bps": true})",
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z"} x)",
      R"({})",
      // Sources and revisions (dataplane.md §1) take the fast path too.
      R"({"ip":"198.51.100.7","window_start":"2026-11-26T02:00:00Z","attack_bps":8,"source":"collect:sz-1","revision":3})",
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z", "source": ""})",
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z", "source": 5})",
      R"({"ip": "198.51.100.7", "window_start": "2026-11-26T02:00:00Z", "revision": -1})",
  };
  for (const auto& line : lines) {
    // As NDJSON (the fast path applies) and as a one-element array (strict reader only).
    auto nd = ParseUsageBody(line, true);
    auto arr = ParseUsageBody("[" + line + "]", false);
    ASSERT_TRUE(nd.has_value()) << line;
    ASSERT_EQ(nd->size(), 1u) << line;
    if (!arr.has_value()) {  // not JSON at all: NDJSON rejects that one sample
      EXPECT_FALSE((*nd)[0].sample.has_value()) << line;
      EXPECT_EQ((*nd)[0].parse_error.code, common::Code::kInvalidJson) << line;
      continue;
    }
    const auto& a = (*arr)[0];
    const auto& b = (*nd)[0];
    ASSERT_EQ(a.sample.has_value(), b.sample.has_value()) << line;
    if (a.sample) {
      EXPECT_EQ(a.sample->ip, b.sample->ip) << line;
      EXPECT_EQ(a.sample->window_start, b.sample->window_start) << line;
      EXPECT_EQ(a.sample->window_s, b.sample->window_s) << line;
      EXPECT_EQ(a.sample->attack_bps, b.sample->attack_bps) << line;
      EXPECT_EQ(a.sample->in_bytes, b.sample->in_bytes) << line;
      EXPECT_EQ(a.sample->out_bytes, b.sample->out_bytes) << line;
      EXPECT_EQ(a.sample->source, b.sample->source) << line;
      EXPECT_EQ(a.sample->revision, b.sample->revision) << line;
    } else {
      EXPECT_EQ(a.parse_error.code, b.parse_error.code) << line;
    }
  }
}

}  // namespace
}  // namespace rampart::api
