// Security: what a hostile tenant or a stranger could do (issue 11), each tried first.
#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

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

// The bug: nothing bounded a balance; SQLite turns an overflowing sum into a float and
// PostgreSQL answers 500. Now a movement past the limit is refused with its reason.
TEST(Security, ABalanceNeverWrapsItIsRefusedAtItsLimit) {
  Server s;
  auto [tenant, key] = s.NewTenant("acme", "100.00");
  // 92,233,720,368,547,758.00 CNY is the last fen 64 bits hold; stage a balance near it.
  s.Sql("UPDATE tenants SET balance_fen = 9223372036854775000 WHERE id = '" + tenant + "'");
  const auto wrapped = s.Admin("POST", "/v1/admin/tenants/" + tenant + "/topup",
                               R"({"amount": "1000000000000.00"})");
  EXPECT_EQ(wrapped.status, 409) << wrapped.body;
  EXPECT_EQ(Str(wrapped.Json().at("error"), "code"), "limit_exceeded");
  EXPECT_EQ(s.Sql("SELECT balance_fen FROM tenants WHERE id = '" + tenant + "'"),
            "9223372036854775000\n");

  // At the limit exactly: accepted; one fen past it: refused, nothing written.
  s.Sql("UPDATE tenants SET balance_fen = 9900000000000000 WHERE id = '" + tenant + "'");
  EXPECT_EQ(
      s.Admin("POST", "/v1/admin/tenants/" + tenant + "/topup", R"({"amount": "1000000000000.00"})")
          .status,
      200);
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "100000000000000.00");
  const auto past =
      s.Admin("POST", "/v1/admin/tenants/" + tenant + "/topup", R"({"amount": "0.01"})");
  EXPECT_EQ(past.status, 409) << past.body;
  EXPECT_EQ(Str(s.Call("GET", "/v1/account", key).Json(), "balance"), "100000000000000.00");
}

// The bug: the database files were 0644, readable by every user of the machine.
TEST(Security, TheDataDirectoryIsTheOwnersAlone) {
  Server s({"--demo"});
  auto [tenant, key] = s.NewTenant("acme", "100.00");  // writes reach the WAL
  int files = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(s.data_dir())) {
    const auto perms = f.status().permissions();
    const auto others = std::filesystem::perms::group_all | std::filesystem::perms::others_all;
    EXPECT_EQ(perms & others, std::filesystem::perms::none) << f.path();
    ++files;
  }
  EXPECT_EQ(std::filesystem::status(s.data_dir()).permissions() &
                (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  // admin.key is not written (the key comes from the environment); the demo key is.
  EXPECT_GE(files, s.database().empty() ? 2 : 1) << "no files were checked";
}

// The bug: a key issued with an Idempotency-Key was stored verbatim in the idempotency
// table and replayed with its secret. Now the replay answers the object without it.
TEST(Security, ReplaysOfSecretIssuingAnswersWithholdTheSecret) {
  Server s({"--webhook-allow-private"});
  auto [tenant, key] = s.NewTenant("acme", "0");
  const std::map<std::string, std::string> idem = {{"Idempotency-Key", "issue-1"}};
  const auto first = s.Call("POST", "/v1/admin/tenants/" + tenant + "/keys", kAdminKey,
                            R"({"role": "meter"})", idem);
  ASSERT_EQ(first.status, 201) << first.body;
  const std::string secret = Str(first.Json(), "key");
  ASSERT_EQ(secret.rfind("rk_", 0), 0u);
  const auto replay = s.Call("POST", "/v1/admin/tenants/" + tenant + "/keys", kAdminKey,
                             R"({"role": "meter"})", idem);
  ASSERT_EQ(replay.status, 201) << replay.body;
  EXPECT_EQ(replay.headers.at("Idempotent-Replayed"), "true");
  EXPECT_EQ(Str(replay.Json(), "id"), Str(first.Json(), "id"));  // the same key, once
  EXPECT_FALSE(replay.Json().as_object().contains("key")) << replay.body;
  EXPECT_TRUE(replay.Json().at("secret_withheld").as_bool());

  const auto hook = s.Call("POST", "/v1/webhooks", key,
                           R"({"url": "http://127.0.0.1:9/h", "secret": "0123456789abcdef-x"})",
                           {{"Idempotency-Key", "hook-1"}});
  ASSERT_EQ(hook.status, 201) << hook.body;
  const auto hook_again =
      s.Call("POST", "/v1/webhooks", key,
             R"({"url": "http://127.0.0.1:9/h", "secret": "0123456789abcdef-x"})",
             {{"Idempotency-Key", "hook-1"}});
  EXPECT_FALSE(hook_again.Json().as_object().contains("secret")) << hook_again.body;
  EXPECT_EQ(s.StoredBytes().find(secret), std::string::npos);
}

// Idempotency records expire after 24 h: the same key then starts afresh.
TEST(Security, IdempotencyKeysExpireAfterADay) {
  Server s;
  const std::map<std::string, std::string> idem = {{"Idempotency-Key", "k-1"}};
  ASSERT_EQ(s.Call("POST", "/v1/admin/tenants", kAdminKey, R"({"name": "one"})", idem).status, 201);
  EXPECT_EQ(s.Call("POST", "/v1/admin/tenants", kAdminKey, R"({"name": "two"})", idem).status, 409);
  s.Advance(86400 + 60);
  const auto fresh = s.Call("POST", "/v1/admin/tenants", kAdminKey, R"({"name": "two"})", idem);
  EXPECT_EQ(fresh.status, 201) << fresh.body;
  EXPECT_EQ(fresh.headers.count("Idempotent-Replayed"), 0u);
  // The day close that ran meanwhile cleared the expired record.
  s.Advance(2 * 86400);
  EXPECT_EQ(s.Sql("SELECT count(*) FROM idempotency"), "0\n");
}

// Customer prefixes: the operator assigns the blocks a tenant owns; they overlap neither
// each other nor an IP pool, and only the operator manages them.
TEST(Security, CustomerPrefixesAreTheOperatorsToAssign) {
  Server s;
  ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/28"})")
                .status,
            201);
  auto [a, key_a] = s.NewTenant("acme", "500000.00");
  auto [b, key_b] = s.NewTenant("bravo", "0");
  const std::string prefixes_a = "/v1/admin/tenants/" + a + "/prefixes";
  const auto p = s.Admin("POST", prefixes_a, R"({"cidr": "192.0.2.0/25"})");
  ASSERT_EQ(p.status, 201) << p.body;
  EXPECT_EQ(Str(p.Json(), "cidr"), "192.0.2.0/25");
  EXPECT_EQ(s.Call("POST", prefixes_a, key_a, R"({"cidr": "198.51.100.0/24"})").status, 403);
  EXPECT_EQ(s.Admin("POST", prefixes_a, R"({"cidr": "192.0.2.1/25"})").status, 400);    // host bits
  EXPECT_EQ(s.Admin("POST", prefixes_a, R"({"cidr": "203.0.113.8/29"})").status, 409);  // a pool
  EXPECT_EQ(
      s.Admin("POST", "/v1/admin/tenants/" + b + "/prefixes", R"({"cidr": "192.0.2.0/24"})").status,
      409);  // overlaps acme's
  EXPECT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "192.0.2.64/26"})")
                .status,
            409);  // a pool may not take a customer's addresses either
  EXPECT_EQ(
      s.Admin("POST", "/v1/admin/tenants/nobody/prefixes", R"({"cidr": "10.9.0.0/16"})").status,
      404);
  const auto list = s.Admin("GET", prefixes_a).Json().at("items").as_array();
  ASSERT_EQ(list.size(), 1u);

  // A binding inside holds the prefix; unbound, it goes.
  const auto o = s.Call("POST", "/v1/orders", key_a,
                        R"({"product": "hdp", "region": "cn-east", "base_gbps": 5, "months": 3})");
  const auto paid = s.Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", key_a);
  s.Advance(300);
  const std::string hdp(paid.Json().at("resources").as_array()[0].as_string());
  ASSERT_EQ(
      s.Call("POST", "/v1/resources/" + hdp + "/bindings", key_a, R"({"ip": "192.0.2.5"})").status,
      201);
  EXPECT_EQ(s.Call("POST", "/v1/resources/" + hdp + "/bindings", key_a, R"({"ip": "192.0.2.200"})")
                .status,
            403);  // outside its /25
  const std::string id = Str(p.Json(), "id");
  EXPECT_EQ(s.Admin("DELETE", prefixes_a + "/" + id).status, 409);
  ASSERT_EQ(s.Call("DELETE", "/v1/resources/" + hdp + "/bindings/192.0.2.5", key_a).status, 200);
  EXPECT_EQ(s.Admin("DELETE", prefixes_a + "/" + id).status, 200);
  EXPECT_EQ(s.Admin("DELETE", prefixes_a + "/" + id).status, 404);
  EXPECT_EQ(
      s.Call("POST", "/v1/resources/" + hdp + "/bindings", key_a, R"({"ip": "192.0.2.5"})").status,
      403);
}

// Runs `rampart serve` on `data` with RAMPART_ADMIN_KEY=`key` for at most 3 s (a graceful
// stop by `timeout`) and returns its exit status and everything it printed.
std::pair<int, std::string> ServeBriefly(const std::string& data, const std::string& key) {
  const std::string cmd = "RAMPART_ADMIN_KEY='" + key + "' timeout 3 " + RAMPART_BINARY +
                          " serve --listen 127.0.0.1:0 --data " + data + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The bug: a weak RAMPART_ADMIN_KEY (aaaaaaaaaaaaaaaa) was accepted, and a different one on
// restart was ignored silently while the old stayed valid.
TEST(Security, TheAdminKeyMustBeStrongAndAChangedOneIsNotSilentlyIgnored) {
  if (const char* b = std::getenv("RAMPART_TEST_BACKEND"); b && std::string(b) == "postgres") {
    GTEST_SKIP() << "the first start of the embedded store; the PostgreSQL path is the same code";
  }
  char tmpl[] = "/tmp/rampart_admin_XXXXXX";
  const std::string data = mkdtemp(tmpl);
  for (const std::string weak : {"aaaaaaaaaaaaaaaa", "rk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                 "rk_0101010101010101010101010101010101", "rk_0123456789abcdef",
                                 "sk_0123456789abcdef0123456789abcdef"}) {
    const auto [status, out] = ServeBriefly(data, weak);
    EXPECT_EQ(status, 1) << weak << ": " << out;
    EXPECT_NE(out.find("RAMPART_ADMIN_KEY: a key must be rk_ and at least 32 random hex digits"),
              std::string::npos)
        << out;
  }
  const auto [first, first_out] = ServeBriefly(data, kAdminKey);
  EXPECT_EQ(first, 124) << first_out;  // ran until `timeout` stopped it
  EXPECT_NE(first_out.find("admin key taken from RAMPART_ADMIN_KEY"), std::string::npos);
  const auto [again, again_out] = ServeBriefly(data, "rk_fedcba9876543210fedcba9876543210");
  EXPECT_NE(again_out.find("RAMPART_ADMIN_KEY is not a live admin key of this database"),
            std::string::npos)
      << again_out;
  std::filesystem::remove_all(data);
}

// Operator keys: admin keys are issued and revoked (never the last one), agent keys post
// usage and do nothing else; `rampart admin rotate-key` replaces every admin key at once,
// while the server runs.
TEST(Security, AdminKeysRotateAndRevokeAndAgentKeysOnlyPostUsage) {
  Server s;
  const auto second = s.Admin("POST", "/v1/admin/keys", R"({"role": "admin", "name": "ops-2"})");
  ASSERT_EQ(second.status, 201) << second.body;
  const std::string second_key = Str(second.Json(), "key");
  EXPECT_EQ(second_key.rfind("rk_", 0), 0u);
  auto listed = s.Admin("GET", "/v1/admin/keys").Json().at("items").as_array();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].as_object().count("key"), 0u);  // never the secrets
  const std::string first_id = Str(listed[0], "id"), second_id = Str(second.Json(), "id");
  // The first key revokes itself; the second then cannot revoke the last one.
  EXPECT_EQ(s.Admin("DELETE", "/v1/admin/keys/" + first_id).status, 200);
  EXPECT_EQ(s.Admin("GET", "/v1/admin/tenants").status, 401);
  const auto last = s.Call("DELETE", "/v1/admin/keys/" + second_id, second_key);
  EXPECT_EQ(last.status, 409) << last.body;
  EXPECT_EQ(s.Call("GET", "/v1/admin/tenants", second_key).status, 200);

  // An agent key: usage for any protected IP, nothing else.
  const auto agent =
      s.Call("POST", "/v1/admin/keys", second_key, R"({"role": "agent", "name": "collector-sz1"})");
  ASSERT_EQ(agent.status, 201) << agent.body;
  const std::string agent_key = Str(agent.Json(), "key");
  EXPECT_EQ(s.Call("POST", "/v1/usage", agent_key, "[]").status, 200);
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/v1/admin/tenants"},
                                                        {"GET", "/v1/account"},
                                                        {"GET", "/v1/resources"},
                                                        {"POST", "/v1/admin/keys"},
                                                        {"GET", "/v1/admin/keys"}}) {
    EXPECT_EQ(s.Call(method, path, agent_key, "{}").status, 403) << method << " " << path;
  }
  EXPECT_EQ(
      s.Call("POST", "/v1/admin/keys", second_key, R"({"role": "tenant", "name": "x"})").status,
      400);

  // Rotation from the command line, on the live server's store.
  const std::string cmd = std::string(RAMPART_BINARY) + " admin rotate-key --data " + s.data_dir() +
                          (s.database().empty() ? "" : " --database '" + s.database() + "'") +
                          " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  char line[256] = {};
  ASSERT_NE(fgets(line, sizeof line, p), nullptr);
  ASSERT_EQ(pclose(p), 0);
  std::string rotated(line);
  rotated.erase(rotated.find_last_not_of("\n") + 1);
  EXPECT_EQ(rotated.rfind("rk_", 0), 0u) << rotated;
  EXPECT_EQ(s.Call("GET", "/v1/admin/tenants", second_key).status, 401);
  EXPECT_EQ(s.Call("GET", "/v1/admin/tenants", rotated).status, 200);
  EXPECT_EQ(s.Call("POST", "/v1/usage", agent_key, "[]").status, 200);  // agents keep theirs
}

// --rate-limit N: N requests a second per key with bursts of 2N, then 429 with Retry-After;
// requests without a valid key are limited per client address; counted in /metrics.
TEST(Security, RateLimitsPerKeyAndPerAddress) {
  Server s({"--rate-limit", "5"});
  auto [tenant, key] = s.NewTenant("acme", "0");  // 2 admin requests: within its burst
  int ok = 0;
  Reply limited;
  for (int i = 0; i < 30 && limited.status != 429; ++i) {
    const Reply r = s.Call("GET", "/v1/account", key);
    if (r.status == 200)
      ++ok;
    else
      limited = r;
  }
  // The burst (10), give or take what refilled while the loop ran.
  EXPECT_GE(ok, 10);
  EXPECT_LE(ok, 14);
  ASSERT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(Str(limited.Json().at("error"), "code"), "rate_limited");
  ASSERT_TRUE(limited.headers.count("Retry-After"));
  EXPECT_GE(std::stoi(limited.headers.at("Retry-After")), 1);
  // Another key is not held back by this one.
  EXPECT_EQ(s.Admin("GET", "/v1/admin/tenants").status, 200);
  // Strangers (no key, or a wrong one) share their address's bucket.
  int refused = 0;
  for (int i = 0; i < 30; ++i) {
    refused += s.Call("GET", "/v1/account", i % 2 ? "rk_wrong" : "").status == 429;
  }
  EXPECT_GE(refused, 10);  // 30 - the burst of 10 - what refills while they run
  const std::string m = s.Call("GET", "/metrics").body;
  EXPECT_NE(m.find("rampart_rate_limited_total{by=\"key\"}"), std::string::npos) << m;
  EXPECT_NE(m.find("rampart_rate_limited_total{by=\"address\"}"), std::string::npos) << m;
}

// Every change through the API and every money movement is in the audit log: who (key id,
// role), what, when and from which address; the jobs' money as "system". Operators only.
TEST(Security, TheAuditLogRecordsWhoDidWhatFromWhere) {
  Server s;
  ASSERT_EQ(s.AddPool("203.0.113.0/28"), 201);
  auto [tenant, key] = s.NewTenant("acme", "100000.00");
  auto [other, other_key] = s.NewTenant("other", "0");
  const std::string order = Str(
      s.Call(
           "POST", "/v1/orders", key,
           R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 10, "elastic_gbps": 50, "months": 1})")
          .Json(),
      "id");
  ASSERT_EQ(s.Call("POST", "/v1/orders/" + order + "/pay", key).status, 200);
  EXPECT_EQ(s.Call("GET", "/v1/admin/audit", key).status, 403);

  const auto all = s.Admin("GET", "/v1/admin/audit?tenant=" + tenant + "&limit=200").Json();
  std::map<std::string, boost::json::object> by_action;
  for (const auto& e : all.at("items").as_array()) {
    EXPECT_EQ(Str(e, "tenant"), tenant);
    by_action[Str(e, "kind") + " " + Str(e, "action")] = e.as_object();
  }
  ASSERT_TRUE(by_action.count("action POST /v1/admin/tenants/{id}/topup")) << all;
  const auto& topup = by_action.at("action POST /v1/admin/tenants/{id}/topup");
  EXPECT_EQ(Str(topup, "role"), "admin");
  EXPECT_EQ(Str(topup, "address"), "127.0.0.1");
  EXPECT_EQ(Str(topup.at("detail"), "path"), "/v1/admin/tenants/" + tenant + "/topup");
  ASSERT_TRUE(by_action.count("money topup"));
  EXPECT_EQ(Str(by_action.at("money topup").at("detail"), "amount"), "100000.00");
  ASSERT_TRUE(by_action.count("action POST /v1/orders/{id}/pay"));
  const auto& pay = by_action.at("action POST /v1/orders/{id}/pay");
  EXPECT_EQ(Str(pay, "role"), "tenant");
  EXPECT_TRUE(pay.at("key_id").is_string());
  ASSERT_TRUE(by_action.count("money order_payment"));
  EXPECT_EQ(Str(by_action.at("money order_payment").at("detail"), "amount"), "-8600.00");
  EXPECT_EQ(Str(by_action.at("money order_payment"), "key_id"), Str(pay, "key_id"));
  // Nothing of the other tenant's under this one, and the kind filter holds.
  const auto money = s.Admin("GET", "/v1/admin/audit?kind=money&limit=200").Json();
  for (const auto& e : money.at("items").as_array()) EXPECT_EQ(Str(e, "kind"), "money");
  EXPECT_EQ(s.Admin("GET", "/v1/admin/audit?kind=nonsense").status, 400);

  // A job's money (the day close's elastic charge) is the system's.
  s.Advance(600);
  const auto resources = s.Call("GET", "/v1/resources", key).Json();
  const std::string ip(resources.at("items").as_array()[0].at("ips").as_array()[0].as_string());
  const auto usage =
      s.Admin("POST", "/v1/usage",
              R"([{"ip": ")" + ip +
                  R"(", "window_start": "2026-11-26T00:08:00Z", "attack_bps": 45000000000}])");
  ASSERT_EQ(usage.Json().at("accepted").as_int64(), 1) << usage.body;
  ASSERT_EQ(s.Admin("POST", "/v1/admin/clock", R"({"now": "2026-11-26T17:05:00Z"})").status, 200);
  bool system_charge = false;
  const auto charges =
      s.Admin("GET", "/v1/admin/audit?kind=money&limit=200&tenant=" + tenant).Json();
  for (const auto& e : charges.at("items").as_array()) {
    if (Str(e, "action") != "daily_bill") continue;
    system_charge = true;
    EXPECT_EQ(Str(e, "role"), "system");
    EXPECT_TRUE(e.at("key_id").is_null());
    EXPECT_EQ(Str(e.at("detail"), "amount"), "-4800.00");  // E = 45 - 10 = 35 -> (30, 40]
  }
  EXPECT_TRUE(system_charge);
}

// --tls-cert/--tls-key: HTTPS only (plain HTTP on the port gets no HTTP answer), and SIGHUP
// reloads the certificate for new connections.
TEST(Security, ServesTlsAndReloadsItsCertificateOnSighup) {
  if (const char* b = std::getenv("RAMPART_TEST_BACKEND"); b && std::string(b) == "postgres") {
    GTEST_SKIP() << "the listener is the same on either store";
  }
  char tmpl[] = "/tmp/rampart_tls_XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  auto make_cert = [&](const std::string& cn) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -subj /CN=" +
        cn + " -addext subjectAltName=IP:127.0.0.1 -days 1 -keyout " + dir + "/key.pem -out " +
        dir + "/cert.pem 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  };
  make_cert("first");
  Server s({"--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"});
  // The subject CN the server presents, over a verified TLS connection to /healthz.
  auto fetch = [&](std::string* cn) -> int {
    namespace ssl = boost::asio::ssl;
    namespace http = boost::beast::http;
    boost::asio::io_context io;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(dir + "/cert.pem");
    ctx.set_verify_mode(ssl::verify_peer);
    boost::beast::ssl_stream<boost::beast::tcp_stream> stream(io, ctx);
    boost::beast::get_lowest_layer(stream).connect(
        {boost::asio::ip::make_address("127.0.0.1"), s.port()});
    boost::beast::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    if (ec) return -1;
    X509* peer = SSL_get1_peer_certificate(stream.native_handle());
    char name[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof name);
    X509_free(peer);
    *cn = name;
    http::request<http::empty_body> req(http::verb::get, "/healthz", 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return static_cast<int>(res.result_int());
  };
  std::string cn;
  EXPECT_EQ(fetch(&cn), 200);
  EXPECT_EQ(cn, "first");
  // Plain HTTP to the TLS port: never an HTTP answer.
  EXPECT_EQ(Server::RawExchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 2000)
                .rfind("HTTP/", 0),
            std::string::npos);
  make_cert("second");
  kill(s.pid(), SIGHUP);
  for (int i = 0; i < 100 && cn != "second"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fetch(&cn);
  }
  EXPECT_EQ(cn, "second");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rampart::testing
