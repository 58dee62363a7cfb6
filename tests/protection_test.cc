// Forwarding rules, hdp bindings and protection policies through the real server: stored,
// validated (a catalogue of bad input, each naming its field) and served.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

class Protection : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(s_.Admin("POST", "/v1/admin/ip-pools",
                       R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/28"})")
                  .status,
              201);
    std::tie(tenant_, key_) = s_.NewTenant("acme", "500000.00");
    // The addresses acme owns, assigned by the operator: hdp bindings must fall inside.
    for (const char* cidr : {"192.0.2.0/24", "2001:db8::/32"}) {
      ASSERT_EQ(s_.Admin("POST", "/v1/admin/tenants/" + tenant_ + "/prefixes",
                         std::string(R"({"cidr": ")") + cidr + "\"}")
                    .status,
                201);
    }
    hdip_ = Buy(
        key_,
        R"({"product": "hdip", "region": "cn-south", "line": "bgp", "base_gbps": 20, "months": 1})");
    hdp_ = Buy(
        key_,
        R"({"product": "hdp", "region": "cn-east", "scope": "multi", "ip_count": 5, "base_gbps": 20, "months": 3})");
  }
  std::string Buy(const std::string& key, const std::string& body) {
    const auto o = s_.Call("POST", "/v1/orders", key, body);
    const auto paid = s_.Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", key);
    s_.Advance(300);
    return std::string(paid.Json().at("resources").as_array()[0].as_string());
  }
  static std::string Rule(int port, const std::string& protocol = "tcp") {
    return R"({"protocol": ")" + protocol + R"(", "frontend_port": )" + std::to_string(port) +
           R"(, "origins": [{"address": "198.51.100.10", "port": 8080, "weight": 60}, {"address": "origin.example.com", "port": 8080, "weight": 40}]})";
  }
  Server s_;
  std::string tenant_, key_, hdip_, hdp_;
};

TEST_F(Protection, RulesAreStoredWithDefaultsAndServed) {
  const auto created = s_.Call("POST", "/v1/resources/" + hdip_ + "/rules", key_, Rule(443));
  ASSERT_EQ(created.status, 201) << created.body;
  const auto rule = created.Json();
  EXPECT_EQ(Str(rule, "lb"), "wrr");
  EXPECT_EQ(rule.at("session_persistence_s").as_int64(), 0);
  EXPECT_EQ(Str(rule, "proxy_protocol"), "off");
  EXPECT_TRUE(rule.at("health_check").at("enabled").as_bool());
  EXPECT_EQ(rule.at("origins").as_array().size(), 2u);
  const std::string id = Str(rule, "id");
  EXPECT_EQ(s_.Call("GET", "/v1/resources/" + hdip_ + "/rules/" + id, key_).Json(), rule);
  // Replace: another port, source hash, persistence.
  const auto put = s_.Call(
      "PUT", "/v1/resources/" + hdip_ + "/rules/" + id, key_,
      R"({"protocol": "udp", "frontend_port": 53, "lb": "source_hash", "session_persistence_s": 600,
                               "proxy_protocol": "v2",
                               "origins": [{"address": "2001:DB8::1", "port": 53}],
                               "health_check": {"enabled": false, "interval_s": 10, "timeout_s": 2}})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Str(put.Json().at("origins").as_array()[0], "address"), "2001:db8::1");  // canonical
  EXPECT_EQ(put.Json().at("origins").as_array()[0].at("weight").as_int64(), 100);
  EXPECT_EQ(Str(put.Json(), "proxy_protocol"), "v2");
  EXPECT_EQ(s_.Call("GET", "/v1/resources/" + hdip_ + "/rules", key_)
                .Json()
                .at("items")
                .as_array()
                .size(),
            1u);
  EXPECT_EQ(s_.Call("DELETE", "/v1/resources/" + hdip_ + "/rules/" + id, key_).status, 200);
  EXPECT_EQ(s_.Call("DELETE", "/v1/resources/" + hdip_ + "/rules/" + id, key_).status, 404);
}

TEST_F(Protection, AtMostSixtyRulesAndOnePerProtocolAndPort) {
  for (int i = 0; i < 60; ++i) {
    ASSERT_EQ(s_.Call("POST", "/v1/resources/" + hdip_ + "/rules", key_, Rule(1000 + i)).status,
              201)
        << i;
  }
  const auto sixty_first = s_.Call("POST", "/v1/resources/" + hdip_ + "/rules", key_, Rule(2000));
  EXPECT_EQ(sixty_first.status, 409);
  EXPECT_EQ(Str(sixty_first.Json().at("error"), "code"), "limit_exceeded");
  EXPECT_EQ(Str(sixty_first.Json().at("error").at("details"), "field"), "rules");
  s_.Call("DELETE",
          "/v1/resources/" + hdip_ + "/rules/" +
              Str(s_.Call("GET", "/v1/resources/" + hdip_ + "/rules", key_)
                      .Json()
                      .at("items")
                      .as_array()[0],
                  "id"),
          key_);
  const auto dup = s_.Call("POST", "/v1/resources/" + hdip_ + "/rules", key_, Rule(1001));
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(Str(dup.Json().at("error").at("details"), "field"), "frontend_port");
  EXPECT_EQ(s_.Call("POST", "/v1/resources/" + hdip_ + "/rules", key_, Rule(1001, "udp")).status,
            201);
}

TEST_F(Protection, BadRulesBindingsAndPoliciesNameTheirField) {
  struct Bad {
    std::string method, path, body;
    int status;
    std::string code, field;
  };
  const std::string rules = "/v1/resources/" + hdip_ + "/rules";
  const std::string bindings = "/v1/resources/" + hdp_ + "/bindings";
  const std::string policy = "/v1/resources/" + hdip_ + "/policy";
  const std::string origin = R"("origins": [{"address": "198.51.100.10", "port": 80}])";
  const std::vector<Bad> cases = {
      {"POST", rules, R"({"protocol": "icmp", "frontend_port": 80, )" + origin + "}", 400,
       "invalid_option", "protocol"},
      {"POST", rules, R"({"protocol": "tcp", "frontend_port": 0, )" + origin + "}", 400,
       "out_of_range", "frontend_port"},
      {"POST", rules, R"({"protocol": "tcp", "frontend_port": 65536, )" + origin + "}", 400,
       "out_of_range", "frontend_port"},
      {"POST", rules, R"({"protocol": "tcp", "frontend_port": "80", )" + origin + "}", 400,
       "invalid_type", "frontend_port"},
      {"POST", rules, R"({"protocol": "tcp", "frontend_port": 80})", 400, "missing_field",
       "origins"},
      {"POST", rules, R"({"protocol": "tcp", "frontend_port": 80, "origins": []})", 400,
       "invalid_option", "origins"},
      {"POST", rules,
       R"({"protocol": "tcp", "frontend_port": 80, "origins": [{"address": "bad host!", "port": 80}]})",
       400, "invalid_option", "origins[0].address"},
      {"POST", rules,
       R"({"protocol": "tcp", "frontend_port": 80, "origins": [{"address": "198.51.100.1", "port": 99999}]})",
       400, "out_of_range", "origins[0].port"},
      {"POST", rules,
       R"({"protocol": "tcp", "frontend_port": 80, "origins": [{"address": "198.51.100.1", "port": 80, "weight": 101}]})",
       400, "out_of_range", "origins[0].weight"},
      {"POST", rules,
       R"({"protocol": "tcp", "frontend_port": 80, "origins": [{"address": "198.51.100.1", "port": 80, "weight": 0}]})",
       400, "invalid_option", "origins"},
      {"POST", rules,
       R"({"protocol": "tcp", "frontend_port": 80, "origins": [{"address": "198.51.100.1", "port": 80, "extra": 1}]})",
       400, "unknown_field", "origins[0].extra"},
      {"POST", rules, R"({"protocol": "tcp", "frontend_port": 80, "lb": "random", )" + origin + "}",
       400, "invalid_option", "lb"},
      {"POST", rules,
       R"({"protocol": "tcp", "frontend_port": 80, "proxy_protocol": "v1", )" + origin + "}", 400,
       "invalid_option", "proxy_protocol"},
      {"POST", rules,
       R"({"protocol": "tcp", "frontend_port": 80, "session_persistence_s": 7200, )" + origin + "}",
       400, "out_of_range", "session_persistence_s"},
      {"POST", rules,
       R"({"protocol": "tcp", "frontend_port": 80, "health_check": {"interval_s": 2, "timeout_s": 5}, )" +
           origin + "}",
       400, "invalid_option", "health_check.timeout_s"},
      {"POST", rules,
       R"({"protocol": "tcp", "frontend_port": 80, "health_check": {"enabled": "yes"}, )" + origin +
           "}",
       400, "invalid_type", "health_check.enabled"},
      {"POST", "/v1/resources/" + hdp_ + "/rules",
       R"({"protocol": "tcp", "frontend_port": 80, )" + origin + "}", 409, "invalid_state", ""},
      {"POST", bindings, R"({"ip": "300.1.1.1"})", 400, "invalid_ip", "ip"},
      {"POST", bindings, R"({"ip": 5})", 400, "invalid_type", "ip"},
      {"POST", bindings, R"({})", 400, "missing_field", "ip"},
      {"POST", "/v1/resources/" + hdip_ + "/bindings", R"({"ip": "192.0.2.1"})", 409,
       "invalid_state", ""},
      {"PUT", policy, R"({"per_source": {"max_connections": -1}})", 400, "out_of_range",
       "per_source.max_connections"},
      {"PUT", policy, R"({"per_source": {"max_pps": "many"}})", 400, "invalid_type",
       "per_source.max_pps"},
      {"PUT", policy, R"({"per_source": {"burst": 5}})", 400, "unknown_field", "per_source.burst"},
      {"PUT", policy, R"({"reflection_filter": {"udp_source_ports": [53, 0]}})", 400,
       "invalid_option", "reflection_filter.udp_source_ports[1]"},
      {"PUT", policy, R"({"reflection_filter": {"udp_source_ports": [123, 123]}})", 400,
       "invalid_option", "reflection_filter.udp_source_ports[1]"},
      {"PUT", policy, R"({"blacklist": ["10.0.0.0/33"]})", 400, "invalid_cidr", "blacklist[0]"},
      {"PUT", policy, R"({"whitelist": ["10.0.0.1/8"]})", 400, "invalid_cidr", "whitelist[0]"},
      {"PUT", policy, R"({"blacklist": ["10.0.0.0/8"], "whitelist": ["10.1.0.0/16"]})", 400,
       "invalid_option", "blacklist[0]"},
      {"PUT", policy, R"({"greylist": []})", 400, "unknown_field", "greylist"},
  };
  for (const auto& c : cases) {
    const auto r = s_.Call(c.method, c.path, key_, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body << ": " << r.body;
    const auto e = r.Json().at("error");
    EXPECT_EQ(Str(e, "code"), c.code) << c.body << ": " << r.body;
    EXPECT_FALSE(e.at("message").as_string().empty());
    if (!c.field.empty()) {
      EXPECT_EQ(Str(e.at("details"), "field"), c.field) << c.body << ": " << r.body;
    }
  }
  EXPECT_TRUE(s_.Call("GET", rules, key_).Json().at("items").as_array().empty());
  EXPECT_TRUE(s_.Call("GET", bindings, key_).Json().at("items").as_array().empty());
}

// The bug: origins could aim at loopback, the operator's private network, the metadata
// service, multicast, the resource itself, or IPv4 written as a name; the forwarder would
// carry tenants' traffic there.
TEST_F(Protection, OriginsAimOnlyAtPublicAddresses) {
  const std::string rules = "/v1/resources/" + hdip_ + "/rules";
  const std::string own(
      s_.Call("GET", "/v1/resources/" + hdip_, key_).Json().at("ips").as_array().at(0).as_string());
  auto rule = [](const std::string& address) {
    return R"({"protocol": "tcp", "frontend_port": 80, "origins": [{"address": ")" + address +
           R"(", "port": 80}]})";
  };
  for (const std::string& a : std::vector<std::string>{
           "127.0.0.1", "::1", "0.0.0.0", "10.0.0.1", "169.254.169.254", "fe80::1", "224.0.0.1",
           "::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", own}) {
    const auto r = s_.Call("POST", rules, key_, rule(a));
    EXPECT_EQ(r.status, 400) << a << ": " << r.body;
    EXPECT_EQ(Str(r.Json().at("error"), "code"), "invalid_origin") << a << ": " << r.body;
    EXPECT_EQ(Str(r.Json().at("error").at("details"), "field"), "origins[0].address");
  }
  for (const std::string a : {"127.1", "0177.0.0.1", "1.2.3", "999.1.1.1", "2130706433"}) {
    const auto r = s_.Call("POST", rules, key_, rule(a));
    EXPECT_EQ(r.status, 400) << a << ": " << r.body;
    EXPECT_EQ(Str(r.Json().at("error"), "code"), "invalid_option") << a << ": " << r.body;
  }
  EXPECT_TRUE(s_.Call("GET", rules, key_).Json().at("items").as_array().empty());
  EXPECT_EQ(s_.Call("POST", rules, key_, rule("8.8.8.8")).status, 201);
}

// An operator whose origins live in its own network allows private ones; a loop never.
TEST(ProtectionPolicy, PrivateOriginsOnlyWhenTheOperatorAllowsThem) {
  Server s({"--allow-private-origins"});
  ASSERT_EQ(s.Admin("POST", "/v1/admin/ip-pools",
                    R"({"region": "cn-south", "line": "bgp", "cidr": "203.0.113.0/28"})")
                .status,
            201);
  auto [tenant, key] = s.NewTenant("acme", "500000.00");
  const auto o = s.Call("POST", "/v1/orders", key,
                        R"({"product": "hdip", "region": "cn-south", "line": "bgp",
                            "base_gbps": 20, "months": 1})");
  const auto paid = s.Call("POST", "/v1/orders/" + Str(o.Json(), "id") + "/pay", key);
  s.Advance(300);
  const std::string id(paid.Json().at("resources").as_array()[0].as_string());
  const std::string own(
      s.Call("GET", "/v1/resources/" + id, key).Json().at("ips").as_array().at(0).as_string());
  const std::string rules = "/v1/resources/" + id + "/rules";
  EXPECT_EQ(
      s.Call(
           "POST", rules, key,
           R"({"protocol": "tcp", "frontend_port": 80, "origins": [{"address": "10.0.0.1", "port": 80}]})")
          .status,
      201);
  EXPECT_EQ(s.Call("POST", rules, key,
                   R"({"protocol": "tcp", "frontend_port": 81, "origins": [{"address": ")" + own +
                       R"(", "port": 80}]})")
                .status,
            400);
}

TEST_F(Protection, BindingsUpToTheIpCountAndOnePacketPerIp) {
  const std::string path = "/v1/resources/" + hdp_ + "/bindings";
  for (int i = 1; i <= 5; ++i) {
    ASSERT_EQ(s_.Call("POST", path, key_, R"({"ip": "192.0.2.)" + std::to_string(i) + "\"}").status,
              201);
  }
  const auto sixth = s_.Call("POST", path, key_, R"({"ip": "192.0.2.6"})");
  EXPECT_EQ(sixth.status, 409);
  EXPECT_EQ(Str(sixth.Json().at("error"), "code"), "limit_exceeded");
  // Another tenant cannot bind acme's addresses, protected or not, and cannot tell which:
  // the same refusal either way (the bug: anyone could bind anything, and "already
  // protected" told who protects what).
  auto [other, other_key] = s_.NewTenant("other", "500000.00");
  const std::string theirs =
      Buy(other_key, R"({"product": "hdp", "region": "cn-north", "base_gbps": 5, "months": 3})");
  for (const char* ip : {"192.0.2.3", "192.0.2.200", "8.8.8.8"}) {
    const auto r = s_.Call("POST", "/v1/resources/" + theirs + "/bindings", other_key,
                           std::string(R"({"ip": ")") + ip + "\"}");
    EXPECT_EQ(r.status, 403) << ip << ": " << r.body;
    EXPECT_EQ(Str(r.Json().at("error"), "code"), "prefix_not_assigned") << r.body;
    EXPECT_EQ(Str(r.Json().at("error").at("details"), "field"), "ip");
    EXPECT_EQ(Str(r.Json().at("error"), "message").find("protected"), std::string::npos);
  }
  // Nor can anyone bind the operator's pool addresses (before, the next delivery that drew
  // one failed and froze the job queue).
  const auto pool = s_.Call("POST", path, key_, R"({"ip": "203.0.113.9"})");
  EXPECT_EQ(pool.status, 403) << pool.body;
  // Within acme, one packet per IP; unbinding frees it.
  const std::string second =
      Buy(key_, R"({"product": "hdp", "region": "cn-north", "base_gbps": 5, "months": 3})");
  const auto taken =
      s_.Call("POST", "/v1/resources/" + second + "/bindings", key_, R"({"ip": "192.0.2.3"})");
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(Str(taken.Json().at("error").at("details"), "field"), "ip");
  EXPECT_EQ(s_.Call("DELETE", path + "/192.0.2.3", key_).status, 200);
  EXPECT_EQ(s_.Call("POST", "/v1/resources/" + second + "/bindings", key_, R"({"ip": "192.0.2.3"})")
                .status,
            201);
  EXPECT_EQ(s_.Call("GET", "/v1/resources/" + hdp_, key_).Json().at("ips").as_array().size(), 4u);
  // IPv6 is canonicalised.
  EXPECT_EQ(Str(s_.Call("POST", path, key_, R"({"ip": "2001:DB8:0::7"})").Json(), "ip"),
            "2001:db8::7");
}

TEST_F(Protection, PolicyIsStoredCanonicallyAndDeletedWithTheResource) {
  const std::string path = "/v1/resources/" + hdip_ + "/policy";
  const auto defaults = s_.Call("GET", path, key_).Json();
  EXPECT_EQ(defaults.at("per_source").at("max_connections").as_int64(), 0);
  const auto put = s_.Call("PUT", path, key_,
                           R"({"per_source": {"max_connections": 1000, "max_bps": 100000000},
                               "reflection_filter": {"udp_source_ports": [1900, 123, 53]},
                               "blacklist": ["203.0.113.0/24"], "whitelist": ["2001:db8::/32"]})");
  ASSERT_EQ(put.status, 200) << put.body;
  const auto got = s_.Call("GET", path, key_).Json();
  EXPECT_EQ(got, put.Json());
  EXPECT_EQ(got.at("reflection_filter").at("udp_source_ports").as_array()[0].as_int64(),
            53);  // sorted
  ASSERT_EQ(s_.Call("POST", "/v1/resources/" + hdip_ + "/rules", key_, Rule(80)).status, 201);
  // Cancelling releases the resource: its configuration is deleted.
  ASSERT_EQ(s_.Call("POST", "/v1/resources/" + hdip_ + "/cancel", key_).status, 200);
  EXPECT_TRUE(s_.Call("GET", "/v1/resources/" + hdip_ + "/rules", key_)
                  .Json()
                  .at("items")
                  .as_array()
                  .empty());
  EXPECT_EQ(s_.Call("GET", path, key_).Json().at("blacklist").as_array().size(), 0u);
  EXPECT_EQ(s_.Call("PUT", path, key_, "{}").status, 409);
  // Other tenants see nothing.
  auto [b, key_b] = s_.NewTenant("b", "0");
  EXPECT_EQ(s_.Call("GET", "/v1/resources/" + hdp_ + "/bindings", key_b).status, 404);
  EXPECT_EQ(s_.Call("GET", path, key_b).status, 404);
}

// dataplane.md §4: agents read one document — every running resource with its IPs, base and
// ceiling, policy (detection thresholds included, defaults filled in) and, for hdips, rules —
// whose version moves on every change and which is fetched cheaply (304) when it did not.
TEST_F(Protection, AgentsReadTheDataplaneConfigurationWithAVersionThatMovesOnChange) {
  const auto agent = s_.Admin("POST", "/v1/admin/keys", R"({"role": "agent", "name": "fwd-1"})");
  ASSERT_EQ(agent.status, 201) << agent.body;
  const std::string agent_key = Str(agent.Json(), "key");
  EXPECT_EQ(s_.Call("GET", "/v1/dataplane/config", key_).status, 403);  // not for tenants
  EXPECT_EQ(s_.Call("GET", "/v1/dataplane/config").status, 401);

  ASSERT_EQ(s_.Call("POST", "/v1/resources/" + hdip_ + "/rules", key_, Rule(443)).status, 201);
  ASSERT_EQ(
      s_.Call("POST", "/v1/resources/" + hdp_ + "/bindings", key_, R"({"ip": "192.0.2.9"})").status,
      201);
  const auto first = s_.Call("GET", "/v1/dataplane/config", agent_key);
  ASSERT_EQ(first.status, 200) << first.body;
  const auto doc = first.Json();
  const std::string version = Str(doc, "version");
  EXPECT_FALSE(doc.at("private_origins_allowed").as_bool());  // no --allow-private-origins
  EXPECT_EQ(first.headers.at("ETag"), "\"" + version + "\"");
  const auto resources = doc.at("resources").as_array();
  ASSERT_EQ(resources.size(), 2u) << doc;
  const auto& hdip = Str(resources[0], "resource") == hdip_ ? resources[0] : resources[1];
  const auto& hdp = Str(resources[0], "resource") == hdp_ ? resources[0] : resources[1];
  EXPECT_EQ(Str(hdip, "product"), "hdip");
  EXPECT_EQ(Str(hdip, "tenant"), tenant_);
  EXPECT_EQ(Str(hdip, "state"), "running");
  EXPECT_EQ(hdip.at("ips").as_array().size(), 1u);
  EXPECT_EQ(hdip.at("base_bps").as_int64(), 20'000'000'000);
  ASSERT_EQ(hdip.at("rules").as_array().size(), 1u);
  EXPECT_EQ(hdip.at("rules").as_array()[0].at("frontend_port").as_int64(), 443);
  EXPECT_EQ(hdip.at("policy").at("detection").at("sustain_s").as_int64(), 2);
  EXPECT_EQ(hdip.at("policy").at("detection").at("bps").as_int64(), 1'000'000'000);
  EXPECT_EQ(Str(hdp, "product"), "hdp");
  EXPECT_EQ(hdp.at("ips").as_array(), boost::json::array({"192.0.2.9"}));
  EXPECT_EQ(hdp.as_object().count("rules"), 0u);

  // Unchanged: 304 and no body. The admin may read it too.
  const auto same = s_.Call("GET", "/v1/dataplane/config", agent_key, "",
                            {{"If-None-Match", "\"" + version + "\""}});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  EXPECT_EQ(Str(s_.Admin("GET", "/v1/dataplane/config").Json(), "version"), version);

  // A policy change (detection thresholds for the whole packet) moves the version.
  const auto put =
      s_.Call("PUT", "/v1/resources/" + hdp_ + "/policy", key_,
              R"({"detection": {"bps": 5000000000, "syn_pps": 0, "applies_to": "total"}})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json().at("detection").at("pps").as_int64(), 200'000);  // defaults kept
  const auto moved = s_.Call("GET", "/v1/dataplane/config", agent_key, "",
                             {{"If-None-Match", "\"" + version + "\""}});
  ASSERT_EQ(moved.status, 200);
  const auto moved_doc = moved.Json();
  EXPECT_NE(Str(moved_doc, "version"), version);
  for (const auto& r : moved_doc.at("resources").as_array()) {
    if (Str(r, "resource") != hdp_) continue;
    EXPECT_EQ(r.at("policy").at("detection").at("bps").as_int64(), 5'000'000'000);
    EXPECT_EQ(r.at("policy").at("detection").at("syn_pps").as_int64(), 0);
    EXPECT_EQ(Str(r.at("policy").at("detection"), "applies_to"), "total");
  }

  // A long poll (?wait=N): unchanged, it answers 304 after N seconds; a change while it waits
  // answers at once (within a second) with the new document. Bad waits are refused.
  const std::string now_version = Str(moved_doc, "version");
  const std::map<std::string, std::string> current{{"If-None-Match", "\"" + now_version + "\""}};
  auto started = std::chrono::steady_clock::now();
  const auto quiet = s_.Call("GET", "/v1/dataplane/config?wait=1", agent_key, "", current);
  EXPECT_EQ(quiet.status, 304);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
  started = std::chrono::steady_clock::now();
  std::thread change([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(s_.Call("PUT", "/v1/resources/" + hdp_ + "/policy", key_,
                      R"({"detection": {"bps": 6000000000}})")
                  .status,
              200);
  });
  const auto woken = s_.Call("GET", "/v1/dataplane/config?wait=30", agent_key, "", current);
  change.join();
  ASSERT_EQ(woken.status, 200) << woken.body;
  EXPECT_NE(Str(woken.Json(), "version"), now_version);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  for (const char* bad : {"0", "61", "abc", "5s"}) {
    EXPECT_EQ(s_.Call("GET", std::string("/v1/dataplane/config?wait=") + bad, agent_key).status,
              400)
        << bad;
  }

  // Detection is validated like the rest of the policy.
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"detection": {"bps": -1}})", "detection.bps"},
           {R"({"detection": {"sustain_s": 0}})", "detection.sustain_s"},
           {R"({"detection": {"cooldown_s": 3601}})", "detection.cooldown_s"},
           {R"({"detection": {"applies_to": "some"}})", "detection.applies_to"},
           {R"({"detection": {"pps": "many"}})", "detection.pps"},
           {R"({"detection": {"bps": 1, "x": 1}})", "detection.x"}}) {
    const auto bad = s_.Call("PUT", "/v1/resources/" + hdp_ + "/policy", key_, body);
    EXPECT_EQ(bad.status, 400) << body;
    EXPECT_EQ(Str(bad.Json().at("error").at("details"), "field"), field) << bad.body;
  }
}

// Attack events from the stored windows (issue #14): runs of attacked windows, newest first,
// ended or ongoing, blackholed above the ceiling; each tenant sees its own, the operator all.
TEST_F(Protection, AttacksAreListedFromTheWindowsNewestFirst) {
  const auto hdip = s_.Call("GET", "/v1/resources/" + hdip_, key_).Json();
  const std::string ip(hdip.at("ips").as_array()[0].as_string());
  auto sample = [&](const std::string& minute, int64_t attack_gbps) {
    return R"({"ip": ")" + ip + R"(", "window_start": "2026-11-26T00:)" + minute +
           R"(:00Z", "window_s": 60, "attack_bps": )" +
           std::to_string(attack_gbps * 1'000'000'000) + R"(, "in_bytes": 1000, "out_bytes": 0})";
  };
  // Now 00:10. Attacked 00:06-00:08 (5 and 7 Gbps), clean at 00:08, 30 Gbps (above the 20 Gbps
  // base: elastic is off) at 00:09.
  const auto posted = s_.Admin("POST", "/v1/usage",
                               "[" + sample("06", 5) + "," + sample("07", 7) + "," +
                                   sample("08", 0) + "," + sample("09", 30) + "]");
  ASSERT_EQ(posted.status, 200) << posted.body;
  ASSERT_EQ(posted.Json().at("accepted").as_int64(), 4) << posted.body;

  const auto all = s_.Call("GET", "/v1/attacks", key_);
  ASSERT_EQ(all.status, 200) << all.body;
  const auto all_doc = all.Json();
  const auto& items = all_doc.at("items").as_array();
  ASSERT_EQ(items.size(), 2u) << all.body;
  EXPECT_EQ(Str(items[0], "start"), "2026-11-26T00:09:00Z");
  EXPECT_TRUE(items[0].at("end").is_null());
  EXPECT_TRUE(items[0].at("ongoing").as_bool());
  EXPECT_EQ(items[0].at("peak_bps").as_int64(), 30'000'000'000);
  EXPECT_EQ(items[0].at("ceiling_bps").as_int64(), 20'000'000'000);
  EXPECT_TRUE(items[0].at("blackholed").as_bool());
  EXPECT_EQ(Str(items[1], "start"), "2026-11-26T00:06:00Z");
  EXPECT_EQ(Str(items[1], "end"), "2026-11-26T00:08:00Z");
  EXPECT_FALSE(items[1].at("ongoing").as_bool());
  EXPECT_EQ(items[1].at("peak_bps").as_int64(), 7'000'000'000);
  EXPECT_EQ(Str(items[1], "peak_at"), "2026-11-26T00:07:00Z");
  EXPECT_FALSE(items[1].at("blackholed").as_bool());
  EXPECT_EQ(Str(items[1], "resource"), hdip_);
  EXPECT_EQ(items[1].at("ips").as_array()[0].as_string(), ip);

  // One at a time: the cursor leads to the older event, then nothing.
  const auto first = s_.Call("GET", "/v1/attacks?limit=1", key_).Json();
  ASSERT_EQ(first.at("items").as_array().size(), 1u);
  const std::string cursor = Str(first, "next_cursor");
  const auto second = s_.Call("GET", "/v1/attacks?limit=1&cursor=" + cursor, key_).Json();
  EXPECT_EQ(Str(second.at("items").as_array()[0], "start"), "2026-11-26T00:06:00Z");
  EXPECT_TRUE(second.at("next_cursor").is_null());
  // Another tenant sees none; the operator sees them with their tenant.
  const auto other = s_.NewTenant("other", "0").second;
  EXPECT_TRUE(s_.Call("GET", "/v1/attacks", other).Json().at("items").as_array().empty());
  const auto admin = s_.Admin("GET", "/v1/attacks").Json();
  ASSERT_EQ(admin.at("items").as_array().size(), 2u);
  EXPECT_EQ(Str(admin.at("items").as_array()[0], "tenant"), tenant_);
  EXPECT_EQ(s_.Call("GET", "/v1/attacks?days=0", key_).status, 400);
  EXPECT_EQ(s_.Call("GET", "/v1/attacks?days=32", key_).status, 400);
}

}  // namespace
}  // namespace rampart::testing
