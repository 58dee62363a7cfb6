// Security: what a hostile tenant or a stranger could do (issue 11), each tried first.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

int CountLinesStartingWith(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.rfind(prefix, 0) == 0;
  return n;
}

// The bug: an unmatched path was the `route` label as it came, so a stranger could write
// metric lines and grow /metrics without bound.
TEST(Security, StrangersCannotWriteToMetrics) {
  Server s;
  const std::string injected = "rampart_orders_total{event=\"paid\"} 9999999";
  EXPECT_EQ(
      s.Call("POST", "/x%22%7D%201%0Arampart_orders_total%7Bevent%3D%22paid%22%7D%209999999%0A%23")
          .status,
      404);
  for (int i = 0; i < 300; ++i) {
    s.Call(i % 2 ? "GET" : "POST", "/v1/no/such/path/" + std::to_string(i * 7919));
  }
  const std::string m = s.Call("GET", "/metrics").body;
  EXPECT_EQ(CountLinesStartingWith(m, injected), 0) << m;
  EXPECT_EQ(CountLinesStartingWith(m, "rampart_orders_total"), 0) << m;
  // Every unknown path is one label.
  EXPECT_LE(CountLinesStartingWith(m, "rampart_http_requests_total{"), 6) << m;
  EXPECT_NE(
      m.find(R"(rampart_http_requests_total{route="unmatched",method="GET",status="401"} 150)"),
      std::string::npos)
      << m;
}

TEST(Security, TheBearerSchemeIsCaseInsensitive) {
  Server s;
  auto [tenant, key] = s.NewTenant("acme", "0");
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER "}) {
    EXPECT_EQ(s.Call("GET", "/v1/account", "", "", {{"Authorization", scheme + key}}).status, 200)
        << scheme;
  }
  EXPECT_EQ(s.Call("GET", "/v1/account", "", "", {{"Authorization", "Bearerx " + key}}).status,
            401);
}

}  // namespace
}  // namespace rampart::testing
