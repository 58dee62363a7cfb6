// A catalogue of malformed and hostile requests: each is answered with the right 4xx and a
// message, never a crash, and changes nothing.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>

#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

struct Bad {
  std::string what;
  std::string method;
  std::string path;
  std::string body;
  int status;
  std::string code;
  std::string field = "";
  std::map<std::string, std::string> headers = {};
};

const std::string kOk =
    R"("product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "months": 1)";

TEST(MalformedRequests, EachGetsTheRight4xxAndChangesNothing) {
  Server s;
  ASSERT_EQ(s.AddPool("203.0.113.0/24"), 201);  // capacity to sell
  auto [tenant, key] = s.NewTenant("acme", "100000.00");
  const std::string order =
      std::string(s.Call("POST", "/v1/orders", key, "{" + kOk + "}").Json().at("id").as_string());
  const std::vector<Bad> cases = {
      {"not JSON", "POST", "/v1/quotes", "{", 400, "invalid_json"},
      {"JSON array", "POST", "/v1/quotes", "[1,2]", 400, "invalid_type"},
      {"JSON string", "POST", "/v1/quotes", "\"hdip\"", 400, "invalid_type"},
      {"empty body", "POST", "/v1/quotes", "", 400, "invalid_json"},
      {"trailing garbage", "POST", "/v1/quotes", "{" + kOk + "} x", 400, "invalid_json"},
      {"deep nesting", "POST", "/v1/quotes", std::string(100, '[') + std::string(100, ']'), 400,
       "invalid_json"},
      {"missing product", "POST", "/v1/quotes",
       R"({"region": "cn-south", "line": "bgp", "base_gbps": 20, "months": 1})", 400,
       "missing_field", "product"},
      {"unknown product", "POST", "/v1/quotes",
       R"({"product": "cdn", "region": "cn-south", "base_gbps": 20, "months": 1})", 400,
       "invalid_option", "product"},
      {"product as number", "POST", "/v1/quotes",
       R"({"product": 1, "region": "cn-south", "base_gbps": 20, "months": 1})", 400, "invalid_type",
       "product"},
      {"missing region", "POST", "/v1/quotes",
       R"({"product": "hdip", "line": "bgp", "base_gbps": 20, "months": 1})", 400, "missing_field",
       "region"},
      {"missing line", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "cn-south", "base_gbps": 20, "months": 1})", 400,
       "missing_field", "line"},
      {"unknown region", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "mars", "line": "bgp", "base_gbps": 20, "months": 1})", 400,
       "invalid_option", "region"},
      {"unknown line", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "cn-south", "line": "dsl", "base_gbps": 20, "months": 1})",
       400, "invalid_option", "line"},
      {"base as string", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": "20", "months": 1})",
       400, "invalid_type", "base_gbps"},
      {"base fractional", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20.5, "months": 1})",
       400, "invalid_type", "base_gbps"},
      {"base negative", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": -20, "months": 1})",
       400, "out_of_range", "base_gbps"},
      {"base huge", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 1e300, "months": 1})",
       400, "invalid_type", "base_gbps"},
      {"base overflow", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 99999999999999999999, "months": 1})",
       400, "invalid_type", "base_gbps"},
      {"base not offered", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 25, "months": 1})",
       400, "invalid_option", "base_gbps"},
      {"ceiling below base", "POST", "/v1/quotes", "{" + kOk + R"(, "elastic_gbps": 10})", 400,
       "invalid_option", "elastic_gbps"},
      {"ceiling too high", "POST", "/v1/quotes", "{" + kOk + R"(, "elastic_gbps": 500})", 400,
       "invalid_option", "elastic_gbps"},
      {"13 months", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "months": 13})",
       400, "invalid_option", "months"},
      {"months missing", "POST", "/v1/quotes",
       R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20})", 400,
       "missing_field", "months"},
      {"quantity 0", "POST", "/v1/quotes", "{" + kOk + R"(, "quantity": 0})", 400, "invalid_option",
       "quantity"},
      {"quantity 11", "POST", "/v1/quotes", "{" + kOk + R"(, "quantity": 11})", 400,
       "invalid_option", "quantity"},
      {"auto_renew string", "POST", "/v1/quotes", "{" + kOk + R"(, "auto_renew": "yes"})", 400,
       "invalid_type", "auto_renew"},
      {"bad forwarding mode", "POST", "/v1/quotes", "{" + kOk + R"(, "forwarding_mode": "free"})",
       400, "invalid_option", "forwarding_mode"},
      {"unknown field", "POST", "/v1/quotes", "{" + kOk + R"(, "discount": 0.5})", 400,
       "unknown_field", "discount"},
      {"hdp with line", "POST", "/v1/quotes",
       R"({"product": "hdp", "region": "cn-east", "line": "bgp", "base_gbps": 20, "months": 3})",
       400, "invalid_option", "line"},
      {"hdp ip_count not offered", "POST", "/v1/quotes",
       R"({"product": "hdp", "region": "cn-east", "scope": "multi", "ip_count": 7, "base_gbps": 20, "months": 3})",
       400, "invalid_option", "ip_count"},
      {"hdp bad scope", "POST", "/v1/quotes",
       R"({"product": "hdp", "region": "cn-east", "scope": "all", "base_gbps": 20, "months": 3})",
       400, "invalid_option", "scope"},
      {"wrong content type",
       "POST",
       "/v1/quotes",
       "{" + kOk + "}",
       415,
       "unsupported_media_type",
       "",
       {{"Content-Type", "text/plain"}}},
      {"gzip not accepted here",
       "POST",
       "/v1/quotes",
       "{" + kOk + "}",
       415,
       "unsupported_media_type",
       "",
       {{"Content-Encoding", "gzip"}}},
      {"order body invalid", "POST", "/v1/orders", R"({"product": "hdip"})", 400, "missing_field",
       "region"},
      {"pay with a body field", "POST", "/v1/orders/" + order + "/pay", R"({"amount": "1.00"})",
       400, "unknown_field", "amount"},
      {"pay unknown order", "POST", "/v1/orders/ord_nope/pay", "", 404, "not_found"},
      {"get unknown order", "GET", "/v1/orders/ord_nope", "", 404, "not_found"},
      {"get unknown resource", "GET", "/v1/resources/res_nope", "", 404, "not_found"},
      {"unknown endpoint", "GET", "/v1/nothing", "", 404, "not_found"},
      // A GET outside /v1 is the console's page; anything else there is not found.
      {"outside /v1", "POST", "/admin", "{}", 404, "not_found"},
      {"wrong method", "DELETE", "/v1/orders", "", 405, "method_not_allowed"},
      {"PUT on quotes", "PUT", "/v1/quotes", "{}", 405, "method_not_allowed"},
      {"bad limit", "GET", "/v1/orders?limit=abc", "", 400, "out_of_range", "limit"},
      {"negative limit", "GET", "/v1/orders?limit=-1", "", 400, "out_of_range", "limit"},
      {"bad cursor", "GET", "/v1/orders?cursor=%27%20OR%201=1", "", 400, "invalid_cursor",
       "cursor"},
      {"SQL in an id", "GET", "/v1/orders/x'%20OR%20'1'='1", "", 404, "not_found"},
      {"long idempotency key",
       "POST",
       "/v1/orders",
       "{" + kOk + "}",
       400,
       "invalid_option",
       "",
       {{"Idempotency-Key", std::string(201, 'k')}}},
  };
  ASSERT_GE(cases.size(), 40u);
  for (const auto& c : cases) {
    const Reply r = s.Call(c.method, c.path, key, c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    if (r.status < 400) continue;
    const auto error = r.Json().at("error");
    EXPECT_EQ(std::string(error.at("code").as_string()), c.code) << c.what << ": " << r.body;
    EXPECT_FALSE(error.at("message").as_string().empty()) << c.what;
    if (!c.field.empty()) {
      EXPECT_EQ(std::string(error.at("details").at("field").as_string()), c.field) << c.what;
    }
  }
  // Nothing changed: one order, unpaid; the balance untouched.
  EXPECT_EQ(s.Call("GET", "/v1/orders", key).Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(std::string(s.Call("GET", "/v1/account", key).Json().at("balance").as_string()),
            "100000.00");
}

TEST(MalformedRequests, AdminInputIsValidatedToo) {
  Server s;
  auto [tenant, key] = s.NewTenant("acme", "0");
  const std::vector<Bad> cases = {
      {"tenant without name", "POST", "/v1/admin/tenants", "{}", 400, "missing_field", "name"},
      {"tenant empty name", "POST", "/v1/admin/tenants", R"({"name": ""})", 400, "invalid_option",
       "name"},
      {"duplicate tenant", "POST", "/v1/admin/tenants", R"({"name": "acme"})", 409, "conflict",
       "name"},
      {"key with bad role", "POST", "/v1/admin/tenants/" + tenant + "/keys", R"({"role": "root"})",
       400, "invalid_option", "role"},
      {"admin key for a tenant", "POST", "/v1/admin/tenants/" + tenant + "/keys",
       R"({"role": "admin"})", 400, "invalid_option", "role"},
      {"key for unknown tenant", "POST", "/v1/admin/tenants/ten_nope/keys", R"({"role": "tenant"})",
       404, "not_found"},
      {"topup negative", "POST", "/v1/admin/tenants/" + tenant + "/topup", R"({"amount": "-5.00"})",
       400, "invalid_option", "amount"},
      {"topup three decimals", "POST", "/v1/admin/tenants/" + tenant + "/topup",
       R"({"amount": "5.001"})", 400, "invalid_option", "amount"},
      {"topup as number", "POST", "/v1/admin/tenants/" + tenant + "/topup", R"({"amount": 5})", 400,
       "invalid_type", "amount"},
      {"topup unknown tenant", "POST", "/v1/admin/tenants/ten_nope/topup", R"({"amount": "5.00"})",
       404, "not_found"},
      {"pool bad cidr", "POST", "/v1/admin/ip-pools",
       R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/33"})", 400, "invalid_cidr",
       "cidr"},
      {"pool host bits", "POST", "/v1/admin/ip-pools",
       R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.5/24"})", 400, "invalid_cidr",
       "cidr"},
      {"pool unknown network", "POST", "/v1/admin/ip-pools",
       R"({"region": "mars", "line": "bgp", "cidr": "203.0.113.0/24"})", 400, "invalid_option",
       "region"},
      {"clock both", "POST", "/v1/admin/clock",
       R"({"advance_s": 1, "now": "2027-01-01T00:00:00Z"})", 400, "invalid_option"},
      {"clock negative", "POST", "/v1/admin/clock", R"({"advance_s": -1})", 400, "out_of_range",
       "advance_s"},
      {"clock bad time", "POST", "/v1/admin/clock", R"({"now": "tomorrow"})", 400, "invalid_time",
       "now"},
  };
  for (const auto& c : cases) {
    const Reply r = s.Call(c.method, c.path, kAdminKey, c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    const auto error = r.Json().at("error");
    EXPECT_EQ(std::string(error.at("code").as_string()), c.code) << c.what << ": " << r.body;
    if (!c.field.empty()) {
      EXPECT_EQ(std::string(error.at("details").at("field").as_string()), c.field) << c.what;
    }
  }
  // Overlapping pools are refused.
  ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/24"})")
                .status,
            201);
  EXPECT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-east", "line": "bgp", "cidr": "203.0.113.128/25"})")
                .status,
            409);
}

TEST(MalformedRequests, BodiesOverOneMebibyteAre413) {
  Server s;
  auto [tenant, key] = s.NewTenant("acme", "0");
  const Reply r =
      s.Call("POST", "/v1/quotes", key, "{\"x\": \"" + std::string(1 << 20, 'a') + "\"}");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(s.Call("GET", "/healthz").status, 200);  // and the server is fine
}

// Every malformed request is answered (RFC 9112), then its connection closed; before,
// most were dropped silently and framing conflicts were taken as they came.
TEST(MalformedRequests, MalformedFramingIsAnsweredThenClosed) {
  Server s;
  auto [tenant, key] = s.NewTenant("acme", "0");
  const std::string auth = "Authorization: Bearer " + key + "\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"GARBAGE\r\n\r\n", "HTTP/1.1 400"},
      {std::string(70000, 'A'), "HTTP/1.1 431"},
      {"GET /v1/account HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n",
       "HTTP/1.1 431"},
      {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", "HTTP/1.1 400"},
      {"POST /v1/quotes HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
       "HTTP/1.1 400"},
      {"POST /v1/quotes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
       "2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
       "HTTP/1.1 400"},
      {"POST /v1/quotes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
       "chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
       "HTTP/1.1 400"},
      {"POST /v1/quotes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "HTTP/1.1 501"},
      {"GET /v1/account HTTP/1.1\r\n" + auth + "\r\n", "HTTP/1.1 400"},
      {"GET /v1/account HTTP/1.1\r\nHost: x\r\nHost: y\r\n" + auth + "\r\n", "HTTP/1.1 400"},
      {"GET /v1/account HTTP/1.1\r\nHost: x\r\n" + auth + auth + "\r\n", "HTTP/1.1 400"},
  };
  for (const auto& [bytes, expected] : cases) {
    const std::string answer = Server::RawExchange(s.port(), bytes);
    EXPECT_EQ(answer.substr(0, expected.size()), expected) << bytes.substr(0, 120) << "\n"
                                                           << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  }
  // Well-formed, the same request is served.
  EXPECT_EQ(Server::RawExchange(s.port(), "GET /v1/account HTTP/1.1\r\nHost: x\r\n" + auth +
                                              "Connection: close\r\n\r\n")
                .substr(0, 12),
            "HTTP/1.1 200");
  EXPECT_EQ(Server::RawExchange(s.port(), "GET /healthz HTTP/1.0\r\n\r\n").substr(0, 12),
            "HTTP/1.0 200");
}

TEST(MalformedRequests, SlowClientsAreDisconnected) {
  Server s({"--request-timeout", "1"});
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket sock(io);
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), s.port()});
  boost::asio::write(sock,
                     boost::asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
  // Never finish the headers: the server hangs up after its timeout (1 s), not before and
  // not much later. The read gives up by itself after 10 s, so a server that never hangs up
  // fails the test instead of hanging it.
  timeval tv{10, 0};
  setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto start = std::chrono::steady_clock::now();
  char buf[64];
  const ssize_t n = recv(sock.native_handle(), buf, sizeof buf, 0);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_LE(n, 0) << "the server answered a request it never received whole";
  if (n < 0) {
    EXPECT_EQ(errno, ECONNRESET) << "no hang-up within 10 s";
  }
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_EQ(s.Call("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace rampart::testing
