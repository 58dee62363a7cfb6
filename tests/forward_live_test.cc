// `rampart forward` live against the real server: an hdip bought from a loopback pool
// (127.x.y.0/28, x.y from the process id), its rules and policy set through the API, origins run
// here (TCP and UDP echo on 127.0.0.1, so the server runs with --allow-private-origins). What the
// clients send and get back through the forwarder must equal, to the byte, what the bill's usage
// holds for the forwarder's sources.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/calendar.h"
#include "tests/forward_test_net.h"
#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string Pattern(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i % 61);
  return s;
}

class ForwardLive : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ =
        fs::temp_directory_path() / ("rampart_forward_live_" + std::to_string(::getpid()) + ".log");
    fs::remove(log_);
    // A pool of this process's own (ctest runs the SQLite and PostgreSQL twins at once: the
    // same frontend ports on the same address would collide).
    const std::string pool = "127." + std::to_string(10 + ::getpid() % 200) + "." +
                             std::to_string(::getpid() / 200 % 256) + ".0/28";
    const auto hdip = s_.BuyHdipNearRealTime(pool);
    ASSERT_FALSE(HasFailure());
    key_ = hdip.key;
    hdip_ = hdip.resource;
    ip_ = hdip.ip;
    agent_ =
        Str(s_.Admin("POST", "/v1/admin/keys", R"({"role": "agent", "name": "forward-t"})").Json(),
            "key");
  }
  void TearDown() override {
    StopForwarder(SIGTERM);
    if (HasFailure()) {
      std::cerr << "--- forwarder log ---\n" << Read(log_) << "\n";
    } else {
      fs::remove(log_);
    }
  }

  std::string AddRule(const std::string& body) {
    const auto r = s_.Call("POST", "/v1/resources/" + hdip_ + "/rules", key_, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? Str(r.Json(), "id") : "";
  }
  static std::string TcpRule(uint16_t port, uint16_t origin, const std::string& extra = "") {
    return R"({"protocol": "tcp", "frontend_port": )" + std::to_string(port) +
           R"(, "origins": [{"address": "127.0.0.1", "port": )" + std::to_string(origin) + "}]" +
           extra + "}";
  }
  static std::string UdpRule(uint16_t port, uint16_t origin, const std::string& extra = "") {
    return R"({"protocol": "udp", "frontend_port": )" + std::to_string(port) +
           R"(, "origins": [{"address": "127.0.0.1", "port": )" + std::to_string(origin) + "}]" +
           extra + "}";
  }

  void StartForwarder(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        RAMPART_BINARY, "forward", "--server",  "http://127.0.0.1:" + std::to_string(port_),
        "--name",       name,      "--metrics", "127.0.0.1:" + std::to_string(metrics_)};
    if (std::find(extra.begin(), extra.end(), "--drain-s") == extra.end()) {
      extra.insert(extra.end(), {"--drain-s", "3"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    forwarder_ = ::fork();
    if (forwarder_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
      setenv("RAMPART_AGENT_KEY", agent_.c_str(), 1);
      freopen(log_.c_str(), "a", stderr);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(RAMPART_BINARY, argv.data());
      _exit(127);
    }
  }
  int StopForwarder(int sig) {
    if (forwarder_ <= 0) return 0;
    ::kill(forwarder_, sig);
    int status = 0;
    ::waitpid(forwarder_, &status, 0);
    forwarder_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // Waits (up to 10 s) until a TCP connection to the hdip's `port` is carried to the origin.
  bool WaitTcp(uint16_t port) {
    for (int i = 0; i < 100; ++i) {
      const int fd = TcpConnect(ip_, port, "", 500);
      if (fd >= 0) {
        const bool ok = SendAll(fd, "x") && ReadUpTo(fd, 1) == "x";
        ::close(fd);
        if (ok) {
          probe_bytes_ += 1;
          return true;
        }
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }
  std::string Metrics() const {
    return Server::RawExchange(metrics_, "GET /metrics HTTP/1.0\r\n\r\n");
  }
  // The value of the metric line starting with `name` ("name{labels}"), or -1.
  int64_t Metric(const std::string& name) const {
    const std::string text = Metrics();
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(name + " ", 0) == 0) return std::stoll(line.substr(name.size() + 1));
    }
    return -1;
  }
  // Polls (up to 3 s: the snapshot is refreshed every second) until the metric is `want`.
  int64_t WaitMetric(const std::string& name, int64_t want) const {
    int64_t v = -1;
    for (int i = 0; i < 30 && (v = Metric(name)) != want; ++i) {
      std::this_thread::sleep_for(milliseconds(100));
    }
    return v;
  }
  // The hdip's usage from forwarder sources: {in, out, distinct sources}.
  struct Usage {
    int64_t in = 0, out = 0;
    std::set<std::string> sources;
  };
  Usage ForwardedUsage() {
    Usage u;
    std::set<std::string> days;
    auto calendar = common::BillingCalendar::Create("Asia/Shanghai").value();
    for (int64_t t = NowS() - 900; t <= NowS() + 120; t += 60) {
      days.insert(common::FormatDay(calendar.DayOf(common::Instant(common::Seconds(t)))));
    }
    for (const auto& day : days) {
      const auto r =
          s_.Call("GET", "/v1/resources/" + hdip_ + "/usage?day=" + day + "&by=source", key_);
      if (r.status != 200) continue;
      const auto doc = r.Json();
      for (const auto& w : doc.at("windows").as_array()) {
        const std::string source = Str(w, "source");
        if (source.rfind("forward:", 0) != 0) continue;
        u.in += w.at("in_bytes").as_int64();
        u.out += w.at("out_bytes").as_int64();
        u.sources.insert(source);
      }
    }
    return u;
  }
  // Polls (up to 15 s) until the forwarded usage reaches `in` bytes in.
  Usage WaitUsage(int64_t in) {
    Usage u;
    for (int i = 0; i < 150; ++i) {
      u = ForwardedUsage();
      if (u.in >= in) break;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return u;
  }
  static std::string Read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  uint16_t port_ = FreePort(SOCK_STREAM);
  uint16_t metrics_ = FreePort(SOCK_STREAM);
  Server s_{{"--listen", "127.0.0.1:" + std::to_string(port_), "--allow-private-origins"}};
  std::string key_, hdip_, ip_, agent_;
  pid_t forwarder_ = 0;
  fs::path log_;
  int64_t probe_bytes_ = 0;  // bytes each way of the WaitTcp probes
};

// TCP (with a half-close) and UDP carried both ways; bytes in and out equal the usage posted,
// through the server going down and back, a SIGTERM (flush) and a restart (a second source).
TEST_F(ForwardLive, BytesCarriedEqualBytesMeteredThroughOutageAndRestart) {
  TcpEcho tcp;
  UdpEcho udp;
  AddRule(TcpRule(8080, tcp.port()));
  AddRule(UdpRule(5353, udp.port()));
  StartForwarder("t1");
  ASSERT_TRUE(WaitTcp(8080)) << Read(log_);
  int64_t carried = 0;  // each way: the echo sends back what it gets
  auto carry = [&](size_t tcp_bytes, int datagrams) {
    const int fd = TcpConnect(ip_, 8080);
    ASSERT_GE(fd, 0);
    const std::string data = Pattern(tcp_bytes, 'a');
    ASSERT_TRUE(SendAll(fd, data));
    ::shutdown(fd, SHUT_WR);  // half-close: the echo still answers, then closes its side
    EXPECT_EQ(ReadUpTo(fd, data.size() + 1), data);
    ::close(fd);
    carried += static_cast<int64_t>(tcp_bytes);
    const int u = UdpClient();
    for (int i = 0; i < datagrams; ++i) {
      const std::string d = Pattern(100 + static_cast<size_t>(i), 'A');
      ASSERT_EQ(UdpExchange(u, ip_, 5353, d), d);
      carried += static_cast<int64_t>(d.size());
    }
    ::close(u);
  };
  carry(3'000'000, 20);
  EXPECT_EQ(
      WaitMetric("rampart_forward_metered_bytes_total{direction=\"in\"}", carried + probe_bytes_),
      carried + probe_bytes_);

  // The server goes away while bytes are carried and a window ends: the usage waits.
  s_.Crash();
  carry(1'234'567, 7);
  const int64_t next_minute = NowS() / 60 * 60 + 60;
  while (NowS() < next_minute + 2) std::this_thread::sleep_for(milliseconds(200));
  carry(1000, 1);
  s_.Start({"--listen", "127.0.0.1:" + std::to_string(port_), "--allow-private-origins"});
  // SIGTERM: the open window is flushed and posted before the exit.
  EXPECT_EQ(StopForwarder(SIGTERM), 0);
  // A restart is a new source: its bytes add up with the first's.
  StartForwarder("t1");
  ASSERT_TRUE(WaitTcp(8080)) << Read(log_);
  carry(777'777, 3);
  EXPECT_EQ(StopForwarder(SIGTERM), 0);

  const auto u = WaitUsage(carried + probe_bytes_);
  EXPECT_EQ(u.in, carried + probe_bytes_);
  EXPECT_EQ(u.out, carried + probe_bytes_);
  EXPECT_EQ(u.sources.size(), 2u);
  EXPECT_NE(Read(log_).find("failed"), std::string::npos)
      << "posting while the server was down should have failed and been retried";
}

// With --state-dir nothing metered is lost while the server is down: a SIGTERM keeps the usage
// it could not post, a restart forwards on the saved configuration before the server answers,
// a kill -9 loses only the last second (the test waits past it), and once the server is back
// everything is posted, once.
TEST_F(ForwardLive, AStateDirKeepsTheUsageAndConfigurationWhileTheServerIsDown) {
  TcpEcho tcp;
  AddRule(TcpRule(8081, tcp.port()));
  const fs::path state =
      fs::temp_directory_path() / ("rampart_forward_state_" + std::to_string(::getpid()));
  fs::remove_all(state);
  int64_t carried = 0;  // each way
  auto carry = [&](size_t bytes) {
    const int fd = TcpConnect(ip_, 8081);
    ASSERT_GE(fd, 0);
    const std::string data = Pattern(bytes, 'k');
    ASSERT_TRUE(SendAll(fd, data));
    ::shutdown(fd, SHUT_WR);
    EXPECT_EQ(ReadUpTo(fd, data.size() + 1), data);
    ::close(fd);
    carried += static_cast<int64_t>(bytes);
  };
  StartForwarder("t2", {"--state-dir", state.string()});
  ASSERT_TRUE(WaitTcp(8081)) << Read(log_);
  carry(100'000);
  s_.Crash();
  carry(200'000);
  EXPECT_EQ(StopForwarder(SIGTERM), 0);
  EXPECT_NE(Read(log_).find("batches of usage kept in"), std::string::npos) << Read(log_);

  // The server is still down: the saved configuration carries the traffic.
  const int64_t probes_before = probe_bytes_;
  StartForwarder("t2", {"--state-dir", state.string()});
  ASSERT_TRUE(WaitTcp(8081)) << Read(log_);
  carry(300'000);
  const int64_t this_run = 300'000 + (probe_bytes_ - probes_before);
  EXPECT_EQ(WaitMetric("rampart_forward_metered_bytes_total{direction=\"in\"}", this_run),
            this_run);
  std::this_thread::sleep_for(milliseconds(2500));  // saved every second
  EXPECT_EQ(StopForwarder(SIGKILL), -1);

  s_.Start({"--listen", "127.0.0.1:" + std::to_string(port_), "--allow-private-origins"});
  StartForwarder("t2", {"--state-dir", state.string()});
  ASSERT_TRUE(WaitTcp(8081)) << Read(log_);
  EXPECT_EQ(StopForwarder(SIGTERM), 0);
  const auto u = WaitUsage(carried + probe_bytes_);
  EXPECT_EQ(u.in, carried + probe_bytes_);
  EXPECT_EQ(u.out, carried + probe_bytes_);
  const std::string log = Read(log_);
  EXPECT_NE(log.find("configuration version"), std::string::npos) << log;
  // Two forwarders on one state would post its usage twice: the second is refused.
  StartForwarder("t2", {"--state-dir", state.string()});
  ASSERT_TRUE(WaitTcp(8081)) << Read(log_);
  const pid_t first = forwarder_;
  StartForwarder("t3", {"--state-dir", state.string()});
  EXPECT_EQ(StopForwarder(0 /* already exiting */), 1);
  EXPECT_NE(Read(log_).find("is in use by another process"), std::string::npos);
  forwarder_ = first;
  EXPECT_EQ(StopForwarder(SIGTERM), 0);
  fs::remove_all(state);
}

// One connection: sends a byte, expects it back. False when refused, reset or not echoed.
bool Exchange(const std::string& ip, uint16_t port, const std::string& from = "") {
  const int fd = TcpConnect(ip, port, from, 1000);
  if (fd < 0) return false;
  const bool ok = SendAll(fd, "y") && ReadUpTo(fd, 1) == "y";
  ::close(fd);
  return ok;
}

// Weights hold over many connections, a persistent client keeps its origin, and a killed
// origin leaves the rotation within 3 health-check intervals and comes back when healthy.
TEST_F(ForwardLive, WeightsPersistenceAndHealthChecks) {
  TcpEcho a, b;
  const std::string origins = R"("origins": [{"address": "127.0.0.1", "port": )" +
                              std::to_string(a.port()) +
                              R"(, "weight": 75}, {"address": "127.0.0.1", "port": )" +
                              std::to_string(b.port()) + R"(, "weight": 25}])";
  const std::string rule = AddRule(
      R"({"protocol": "tcp", "frontend_port": 8081, )" + origins +
      R"(, "health_check": {"interval_s": 2, "timeout_s": 1, "unhealthy_after": 2, "healthy_after": 2}})");
  AddRule(R"({"protocol": "tcp", "frontend_port": 8082, "session_persistence_s": 300, )" + origins +
          "}");
  StartForwarder("t2");
  ASSERT_TRUE(WaitTcp(8081)) << Read(log_);
  ASSERT_TRUE(WaitTcp(8082)) << Read(log_);

  int a0 = a.served(), b0 = b.served();
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(Exchange(ip_, 8081));
  EXPECT_NEAR(a.served() - a0, 30, 1);  // smooth WRR: 3 of every 4
  EXPECT_NEAR(b.served() - b0, 10, 1);

  // Persistence: one client, ten connections, one origin (round-robin would alternate).
  a0 = a.served();
  b0 = b.served();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Exchange(ip_, 8082, "127.0.0.5"));
  EXPECT_TRUE((a.served() - a0 == 10 && b.served() == b0) ||
              (b.served() - b0 == 10 && a.served() == a0))
      << a.served() - a0 << " / " << b.served() - b0;

  // Origin a dies: connections sent to it fail until the checks take it out (2 failures at a
  // 2-s interval), within 3 intervals; then every connection is served by b.
  a.Stop();
  const auto killed = std::chrono::steady_clock::now();
  int in_a_row = 0;
  while (in_a_row < 8 && std::chrono::steady_clock::now() - killed < std::chrono::seconds(10)) {
    in_a_row = Exchange(ip_, 8081) ? in_a_row + 1 : 0;
    std::this_thread::sleep_for(milliseconds(50));
  }
  const double left_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_EQ(in_a_row, 8);
  EXPECT_LE(left_s, 3 * 2 + 1.0) << "the dead origin stayed in the rotation";
  const std::string up_a = "rampart_forward_origin_up{rule=\"" + rule +
                           "\",origin=\"127.0.0.1:" + std::to_string(a.port()) + "\"}";
  EXPECT_EQ(WaitMetric(up_a, 0), 0);
  EXPECT_GE(
      WaitMetric("rampart_forward_drops_total{rule=\"" + rule + "\",reason=\"origin_failed\"}", -2),
      0);

  // It comes back: after 2 good checks it is picked again.
  a.Restart();
  const auto restarted = std::chrono::steady_clock::now();
  a0 = a.served();
  while (a.served() == a0 &&
         std::chrono::steady_clock::now() - restarted < std::chrono::seconds(10)) {
    EXPECT_TRUE(Exchange(ip_, 8081));
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_GT(a.served(), a0) << "the origin did not come back";
  EXPECT_LE(std::chrono::duration<double>(std::chrono::steady_clock::now() - restarted).count(),
            3 * 2 + 1.0);
  EXPECT_EQ(WaitMetric(up_a, 1), 1);
}

// The policy enforced: black list refused, white list exempt, per-source connections and
// packet rate, the reflection-port filter; an ordinary client is served all along, and every
// drop is counted by reason.
TEST_F(ForwardLive, PolicyIsEnforcedPerSourceWhileOthersAreServed) {
  TcpEcho tcp;
  UdpEcho udp;
  const uint16_t reflection = FreePort(SOCK_DGRAM);
  const std::string tcp_rule = AddRule(TcpRule(8085, tcp.port()));
  const std::string udp_rule = AddRule(UdpRule(5355, udp.port()));
  ASSERT_EQ(s_.Call("PUT", "/v1/resources/" + hdip_ + "/policy", key_,
                    R"({"per_source": {"max_connections": 2, "max_pps": 50},
                        "reflection_filter": {"udp_source_ports": [)" +
                        std::to_string(reflection) + R"(]},
                        "blacklist": ["127.0.0.66/32"], "whitelist": ["127.0.0.77/32"]})")
                .status,
            200);
  StartForwarder("t3");
  ASSERT_TRUE(WaitTcp(8085)) << Read(log_);

  // Black list: the connection is reset, the datagram never answered.
  {
    const int fd = TcpConnect(ip_, 8085, "127.0.0.66", 2000);
    if (fd >= 0) {
      SendAll(fd, "z");
      EXPECT_TRUE(PeerClosed(fd));
      ::close(fd);
    }
    const int u = UdpClient("127.0.0.66", 0, 300);
    EXPECT_EQ(UdpExchange(u, ip_, 5355, "hello"), "");
    ::close(u);
  }
  // Two connections held open from one source; the third is refused; others are served.
  std::vector<int> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(TcpConnect(ip_, 8085, "127.0.0.10"));
    ASSERT_TRUE(SendAll(held.back(), "h"));
    ASSERT_EQ(ReadUpTo(held.back(), 1), "h");
  }
  {
    const int third = TcpConnect(ip_, 8085, "127.0.0.10", 2000);
    if (third >= 0) {
      SendAll(third, "z");
      EXPECT_TRUE(PeerClosed(third));
      ::close(third);
    }
  }
  EXPECT_TRUE(Exchange(ip_, 8085, "127.0.0.20"));
  // The white list is exempt: four at once from one address.
  std::vector<int> white;
  for (int i = 0; i < 4; ++i) {
    white.push_back(TcpConnect(ip_, 8085, "127.0.0.77"));
    EXPECT_TRUE(SendAll(white.back(), "w"));
    EXPECT_EQ(ReadUpTo(white.back(), 1), "w");
  }
  for (int fd : held) ::close(fd);
  for (int fd : white) ::close(fd);

  // Reflection: datagrams from the listed source port are dropped, from another carried.
  {
    const int u = UdpClient("127.0.0.21", reflection, 300);
    EXPECT_EQ(UdpExchange(u, ip_, 5355, "amplified"), "");
    ::close(u);
  }
  // 50 packets/s per source: a burst of 300 gets about a second's worth through.
  {
    const int u = UdpClient("127.0.0.30", 0, 500);
    const auto to = Ipv4(ip_, 5355);
    for (int i = 0; i < 300; ++i) {
      ::sendto(u, "flood", 5, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    }
    int answers = 0;
    char buf[64];
    while (::recv(u, buf, sizeof buf, 0) > 0) ++answers;
    EXPECT_GE(answers, 40);
    EXPECT_LE(answers, 60);
    ::close(u);
  }
  {
    const int u = UdpClient("127.0.0.20", 0, 1000);
    EXPECT_EQ(UdpExchange(u, ip_, 5355, "ordinary"), "ordinary");
    ::close(u);
  }
  auto drops = [&](const std::string& rule, const std::string& reason) {
    return "rampart_forward_drops_total{rule=\"" + rule + "\",reason=\"" + reason + "\"}";
  };
  EXPECT_EQ(WaitMetric(drops(tcp_rule, "blacklist"), 1), 1);
  EXPECT_EQ(WaitMetric(drops(tcp_rule, "max_connections"), 1), 1);
  EXPECT_EQ(WaitMetric(drops(udp_rule, "blacklist"), 1), 1);
  EXPECT_EQ(WaitMetric(drops(udp_rule, "reflection_port"), 1), 1);
  const int64_t pps = Metric(drops(udp_rule, "pps"));
  EXPECT_GE(pps, 240);
  EXPECT_LE(pps, 260);
  // With drops, rules and origins in it, the exposition is valid for Prometheus.
  EXPECT_EQ(PromtoolProblems(Metrics()), "");
}

// Twenty changes of the rules while a TCP stream and a UDP session run break neither (the
// same connection and the same session carry on); deleting the rule stops its connection.
TEST_F(ForwardLive, RuleChangesApplyInPlaceAndADeletedRuleStopsAtOnce) {
  TcpEcho tcp;
  UdpEcho udp;
  const std::string tcp_rule = AddRule(TcpRule(8086, tcp.port()));
  const std::string udp_rule = AddRule(UdpRule(5356, udp.port()));
  StartForwarder("t4");
  ASSERT_TRUE(WaitTcp(8086)) << Read(log_);
  const int stream = TcpConnect(ip_, 8086);
  ASSERT_GE(stream, 0);
  const int session = UdpClient("127.0.0.40", 0, 1000);
  const std::string chunk = Pattern(20'000, 'k');
  for (int i = 0; i < 20; ++i) {
    const std::string weight = std::to_string(100 - i);
    ASSERT_EQ(s_.Call("PUT", "/v1/resources/" + hdip_ + "/rules/" + tcp_rule, key_,
                      TcpRule(8086, tcp.port(),
                              R"(, "health_check": {"interval_s": )" + std::to_string(5 + i) + "}"))
                  .status,
              200);
    ASSERT_EQ(
        s_.Call(
              "PUT", "/v1/resources/" + hdip_ + "/rules/" + udp_rule, key_,
              R"({"protocol": "udp", "frontend_port": 5356, "origins": [{"address": "127.0.0.1", "port": )" +
                  std::to_string(udp.port()) + R"(, "weight": )" + weight + "}]}")
            .status,
        200);
    ASSERT_TRUE(SendAll(stream, chunk));
    ASSERT_EQ(ReadUpTo(stream, chunk.size()), chunk) << "change " << i;
    ASSERT_EQ(UdpExchange(session, ip_, 5356, "s" + weight), "s" + weight) << "change " << i;
    std::this_thread::sleep_for(milliseconds(250));
  }
  // One session all along, and the same TCP connection.
  EXPECT_EQ(WaitMetric("rampart_forward_accepted_total{rule=\"" + udp_rule + "\"}", 1), 1);
  EXPECT_EQ(WaitMetric("rampart_forward_connections{rule=\"" + tcp_rule + "\"}", 1), 1);
  EXPECT_GE(Metric("rampart_forward_config_updates_total"), 2);

  // The rule goes: its connection is cut within the 5 s a change takes to apply.
  const auto deleted = std::chrono::steady_clock::now();
  ASSERT_EQ(s_.Call("DELETE", "/v1/resources/" + hdip_ + "/rules/" + tcp_rule, key_).status, 200);
  timeval tv{6, 0};
  ::setsockopt(stream, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  EXPECT_TRUE(PeerClosed(stream));
  EXPECT_LE(std::chrono::duration<double>(std::chrono::steady_clock::now() - deleted).count(), 5.0);
  EXPECT_LT(TcpConnect(ip_, 8086, "", 500), 0);                  // nothing listens there any more
  EXPECT_EQ(UdpExchange(session, ip_, 5356, "still"), "still");  // the other rule goes on
  ::close(stream);
  ::close(session);
}

// PROXY protocol v2 to the origins: nginx (the peer, `listen ... proxy_protocol`) reports
// the client's own address and port; a UDP origin gets the header before each datagram.
TEST_F(ForwardLive, ProxyProtocolV2TellsOriginsTheClient) {
  const uint16_t nginx_port = FreePort(SOCK_STREAM);
  const fs::path dir =
      fs::temp_directory_path() / ("rampart_forward_nginx_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "nginx.conf")
      << "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"
      << "daemon off; master_process off; worker_processes 1;\n"
      << "pid " << (dir / "nginx.pid").string() << ";\n"
      << "error_log " << (dir / "error.log").string() << ";\n"
      << "events { worker_connections 64; }\n"
      << "stream { server { listen 127.0.0.1:" << nginx_port << " proxy_protocol;\n"
      << "  return \"$proxy_protocol_addr:$proxy_protocol_port\\n\"; } }\n";
  const pid_t nginx = ::fork();
  if (nginx == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    execlp("nginx", "nginx", "-p", dir.c_str(), "-c", (dir / "nginx.conf").c_str(), nullptr);
    _exit(127);
  }
  UdpEcho udp;
  AddRule(TcpRule(8087, nginx_port, R"(, "proxy_protocol": "v2")"));
  AddRule(UdpRule(5357, udp.port(), R"(, "proxy_protocol": "v2")"));
  StartForwarder("t5");
  // nginx answers a connection with the client's address, then closes.
  std::string answer, expected;
  for (int i = 0; i < 100 && answer.empty(); ++i) {
    const int fd = TcpConnect(ip_, 8087, "127.0.0.9", 1000);
    if (fd >= 0) {
      sockaddr_in local{};
      socklen_t len = sizeof local;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
      expected = "127.0.0.9:" + std::to_string(ntohs(local.sin_port)) + "\n";
      answer = ReadUpTo(fd, 64);
      ::close(fd);
    }
    if (answer.empty()) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(answer, expected) << Read(dir / "error.log");
  ::kill(nginx, SIGTERM);
  ::waitpid(nginx, nullptr, 0);
  fs::remove_all(dir);

  // UDP: the echo returns header + payload; the header names the client 127.0.0.9:port.
  const int u = UdpClient("127.0.0.9", 0, 1000);
  sockaddr_in local{};
  socklen_t len = sizeof local;
  ::getsockname(u, reinterpret_cast<sockaddr*>(&local), &len);
  const std::string got = UdpExchange(u, ip_, 5357, "payload");
  ::close(u);
  ASSERT_EQ(got.size(), 16u + 12u + 7u);
  EXPECT_EQ(got.substr(0, 12), std::string("\r\n\r\n\0\r\nQUIT\n", 12));
  EXPECT_EQ(static_cast<uint8_t>(got[12]), 0x21);  // v2, PROXY
  EXPECT_EQ(static_cast<uint8_t>(got[13]), 0x12);  // IPv4, DGRAM
  EXPECT_EQ(got.substr(16, 4), std::string("\x7f\x00\x00\x09", 4));
  EXPECT_EQ(got.substr(24, 2), std::string(reinterpret_cast<const char*>(&local.sin_port), 2));
  EXPECT_EQ(got.substr(28), "payload");
}

// A flood of new UDP clients from many addresses is bounded by the forwarder's caps: sessions
// never pass --max-sessions-per-rule, the rest are dropped and counted, and once the flood's
// sessions idle out an ordinary client is served again.
TEST_F(ForwardLive, AFloodOfSourcesIsBoundedByTheCaps) {
  UdpEcho udp;
  const std::string rule = AddRule(UdpRule(5358, udp.port()));
  StartForwarder("t6", {"--max-sessions-per-rule", "50", "--udp-idle-timeout-s", "2"});
  const std::string sessions = "rampart_forward_sessions{rule=\"" + rule + "\"}";
  ASSERT_EQ(WaitMetric(sessions, 0), 0) << Read(log_);
  // 1,000 sources (127.0.8.0-127.0.11.231), one datagram each.
  const auto to = Ipv4(ip_, 5358);
  for (int i = 0; i < 1000; ++i) {
    const int u = UdpClient("127.0." + std::to_string(8 + i / 256) + "." + std::to_string(i % 256));
    ::sendto(u, "f", 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    ::close(u);
  }
  EXPECT_EQ(WaitMetric(sessions, 50), 50);
  EXPECT_EQ(
      WaitMetric("rampart_forward_drops_total{rule=\"" + rule + "\",reason=\"capacity\"}", 950),
      950);
  const int ordinary = UdpClient("127.0.0.20", 0, 500);
  EXPECT_EQ(UdpExchange(ordinary, ip_, 5358, "now"), "");  // the rule is full
  // The flood's sessions idle out (2 s); the ordinary client gets its session.
  std::string answer;
  for (int i = 0; i < 20 && answer.empty(); ++i) answer = UdpExchange(ordinary, ip_, 5358, "later");
  EXPECT_EQ(answer, "later");
  EXPECT_EQ(WaitMetric(sessions, 1), 1);
  ::close(ordinary);
}

// SIGTERM: the listener closes at once, an open connection may finish within --drain-s, and
// its bytes are metered.
TEST_F(ForwardLive, SigtermDrainsOpenConnectionsAndFlushes) {
  TcpEcho tcp;
  AddRule(TcpRule(8088, tcp.port()));
  StartForwarder("t7", {"--drain-s", "10"});
  ASSERT_TRUE(WaitTcp(8088)) << Read(log_);
  const int held = TcpConnect(ip_, 8088);
  ASSERT_GE(held, 0);
  ASSERT_TRUE(SendAll(held, "before"));
  ASSERT_EQ(ReadUpTo(held, 6), "before");
  ::kill(forwarder_, SIGTERM);
  // No new connections once the listener is closed...
  bool refused = false;
  for (int i = 0; i < 30 && !refused; ++i) {
    const int fd = TcpConnect(ip_, 8088, "", 300);
    refused = fd < 0;
    if (fd >= 0) ::close(fd);
    if (!refused) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(refused);
  // ...while the open one still carries.
  EXPECT_TRUE(SendAll(held, "during"));
  EXPECT_EQ(ReadUpTo(held, 6), "during");
  const auto closed = std::chrono::steady_clock::now();
  ::shutdown(held, SHUT_WR);
  EXPECT_TRUE(PeerClosed(held));
  ::close(held);
  EXPECT_EQ(StopForwarder(0), 0);  // it exits once the last connection is done
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - closed).count(), 9.0);
  const auto u = WaitUsage(probe_bytes_ + 12);
  EXPECT_EQ(u.in, probe_bytes_ + 12);
  EXPECT_EQ(u.out, probe_bytes_ + 12);
}

// A burst from one client goes to the origin as same-size runs (one UDP GSO send each): every
// datagram must still arrive whole and apart, each behind its own PROXY v2 header, and only
// payload bytes are metered.
TEST_F(ForwardLive, ABurstOfDatagramsArrivesWholeEachWithItsHeader) {
  UdpEcho udp;
  AddRule(UdpRule(5359, udp.port(), R"(, "proxy_protocol": "v2")"));
  StartForwarder("t8");
  const int u = UdpClient("127.0.0.9", 0, 1000);
  std::string probe;
  for (int i = 0; i < 50 && probe.empty(); ++i) probe = UdpExchange(u, ip_, 5359, "probe");
  ASSERT_EQ(probe.size(), 28u + 5u) << Read(log_);
  const auto to = Ipv4(ip_, 5359);
  constexpr int kBurst = 60;  // within every socket buffer on the way (no loss to excuse)
  for (int i = 0; i < kBurst; ++i) {
    std::string d = Pattern(100, 'a');
    d.replace(0, 4, std::to_string(1000 + i));  // datagram i carries its number
    ::sendto(u, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
  std::set<int> seen;
  char buf[2048];
  for (int i = 0; i < kBurst; ++i) {
    const ssize_t n = ::recv(u, buf, sizeof buf, 0);
    if (n <= 0) break;
    ASSERT_EQ(n, 28 + 100);  // one header, one payload: never two datagrams run together
    EXPECT_EQ(std::string(buf, 12), std::string("\r\n\r\n\0\r\nQUIT\n", 12));
    seen.insert(std::stoi(std::string(buf + 28, 4)));
  }
  ::close(u);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kBurst));
  EXPECT_EQ(WaitMetric("rampart_forward_metered_bytes_total{direction=\"in\"}", 5 + kBurst * 100),
            5 + kBurst * 100);
}

}  // namespace
}  // namespace rampart::testing
