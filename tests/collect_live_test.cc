// `rampart collect` live against the real server: it reads the data-plane configuration with
// an agent key, meters NetFlow v5 datagrams sent here, posts the windows as its source, and
// goes on after kill -9 with the next revision (state dir) and while the server is down
// (spool), losing nothing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "collect/wire_builder.h"
#include "common/calendar.h"
#include "common/socket_address.h"
#include "tests/server_harness.h"

namespace rampart::testing {
namespace {

namespace fs = std::filesystem;

// A NetFlow v5 datagram of `records` flows to `dst` (one second long each, starting at the
// given Unix seconds), exported now with an uptime of 1,000,000 ms.
std::vector<uint8_t> V5(const std::string& dst,
                        const std::vector<std::pair<int64_t, uint32_t>>& flows, uint32_t sequence) {
  std::vector<uint8_t> b;
  auto put = [&](uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  const int64_t now = NowS();
  const uint32_t uptime = 1'000'000;
  put(5, 2);
  put(flows.size(), 2);
  put(uptime, 4);
  put(static_cast<uint64_t>(now), 4);
  put(0, 4);
  put(sequence, 4);
  put(0, 4);
  in_addr d{};
  inet_pton(AF_INET, dst.c_str(), &d);
  for (const auto& [start, bytes] : flows) {
    const uint32_t first = uptime - static_cast<uint32_t>((now - start) * 1000);
    put(0xC6336401, 4);  // 198.51.100.1
    put(ntohl(d.s_addr), 4);
    put(0, 4);
    put(0, 4);
    put(10, 4);  // packets
    put(bytes, 4);
    put(first, 4);
    put(first + 999, 4);
    put(4444, 2);
    put(53, 2);
    put(0, 2);
    put(17, 2);  // tcp flags 0, protocol 17
    put(0, 4);
    put(0, 4);
  }
  return b;
}

// An IPFIX message of `records` flows (addresses, octets, start and end in milliseconds: 28
// bytes each) from 198.51.100.1 to 192.0.2.1, with their template in the same message.
std::vector<uint8_t> Ipfix(int records) {
  collect::WireBuilder tmpl, data, m;
  tmpl.u16(256).u16(5);
  for (uint16_t ie : {8, 12}) tmpl.u16(ie).u16(4);
  tmpl.u16(1).u16(4);
  for (uint16_t ie : {152, 153}) tmpl.u16(ie).u16(8);
  for (int i = 0; i < records; ++i) {
    const uint64_t start_ms = static_cast<uint64_t>(NowS() - 30) * 1000;
    data.ip4(198, 51, 100, 1).ip4(192, 0, 2, 1).u32(1000).u64(start_ms).u64(start_ms + 500);
  }
  const size_t length = 16 + (4 + tmpl.size()) + (4 + data.size());
  m.u16(10).u16(length).u32(static_cast<uint64_t>(NowS())).u32(0).u32(1);
  m.u16(2).u16(4 + tmpl.size()).raw(tmpl);
  m.u16(256).u16(4 + data.size()).raw(data);
  return m.b;
}

// A counter's value in Prometheus text (0 if absent).
uint64_t MetricValue(const std::string& text, const std::string& sample) {
  const size_t at = text.find("\n" + sample + " ");
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + sample.size() + 2));
}

void Send(uint16_t port, const std::vector<uint8_t>& datagram) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::close(fd);
}

// `datagrams` (all of one size) in one send, as UDP GSO: loopback hands them to a socket with
// UDP GRO as one message, the way a NIC's GRO hands over an exporter's datagrams that arrive
// together.
void SendTogether(uint16_t port, const std::vector<std::vector<uint8_t>>& datagrams) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int size = static_cast<int>(datagrams.front().size());
  std::vector<uint8_t> message;
  for (const auto& d : datagrams) message.insert(message.end(), d.begin(), d.end());
  sockaddr_storage a{};
  const socklen_t len = common::ToSockAddr(common::IpAddress::Parse("127.0.0.1").value(), port, a);
  EXPECT_EQ(::setsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, sizeof size), 0);
  EXPECT_EQ(::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&a), len),
            static_cast<ssize_t>(message.size()));
  ::close(fd);
}

class CollectLive : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = fs::temp_directory_path() / ("rampart_collect_live_" + std::to_string(::getpid()));
    fs::remove_all(state_);
    fs::remove(state_.string() + ".log");
    const auto hdip = s_.BuyHdipNearRealTime("203.0.113.0/28");
    ASSERT_FALSE(HasFailure());
    key_ = hdip.key;
    resource_ = hdip.resource;
    ip_ = hdip.ip;
    // Everything this IP receives above 1 kbit/s for a second is an attack.
    ASSERT_EQ(s_.Call("PUT", "/v1/resources/" + resource_ + "/policy", key_,
                      R"({"detection": {"bps": 1000, "sustain_s": 1, "cooldown_s": 1}})")
                  .status,
              200);
    agent_ =
        Str(s_.Admin("POST", "/v1/admin/keys", R"({"role": "agent", "name": "collect-t"})").Json(),
            "key");
    netflow_ = FreePort(SOCK_DGRAM);
    metrics_ = FreePort(SOCK_STREAM);
  }
  void TearDown() override {
    StopCollector(SIGTERM);
    if (!HasFailure()) fs::remove_all(state_);
  }

  void StartCollector() {
    collector_ = ::fork();
    if (collector_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
      setenv("RAMPART_AGENT_KEY", agent_.c_str(), 1);
      const std::string log = state_.string() + ".log";
      freopen(log.c_str(), "a", stderr);
      execl(RAMPART_BINARY, RAMPART_BINARY, "collect", "--server",
            ("http://127.0.0.1:" + std::to_string(port_)).c_str(), "--netflow",
            ("127.0.0.1:" + std::to_string(netflow_)).c_str(), "--state-dir", state_.c_str(),
            "--source", "site-a", "--grace-s", "3", "--count-bytes", "--metrics",
            ("127.0.0.1:" + std::to_string(metrics_)).c_str(), nullptr);
      _exit(127);
    }
    // Its first configuration read: the IP is known once a sample of it is accepted; give
    // the config thread its first poll.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }
  int StopCollector(int sig) {
    if (collector_ <= 0) return 0;
    ::kill(collector_, sig);
    int status = 0;
    ::waitpid(collector_, &status, 0);
    collector_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // The window's copy from source site-a, once it has `revision` (polls up to 20 s).
  boost::json::object WaitForWindow(int64_t window_start, int64_t revision) {
    const std::string day =
        common::FormatDay(common::BillingCalendar::Create("Asia/Shanghai")
                              .value()
                              .DayOf(common::Instant(common::Seconds(window_start))));
    for (int i = 0; i < 200; ++i) {
      const auto u =
          s_.Call("GET", "/v1/resources/" + resource_ + "/usage?day=" + day + "&by=source", key_);
      if (u.status == 200) {
        const auto doc = u.Json();
        for (const auto& w : doc.at("windows").as_array()) {
          if (Str(w, "window_start") ==
                  common::FormatRfc3339(common::Instant(common::Seconds(window_start))) &&
              Str(w, "source") == "site-a" && w.at("revision").as_int64() >= revision) {
            return w.as_object();
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no window " << window_start << " revision " << revision << "\n"
                  << Read(state_.string() + ".log");
    return {};
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  uint16_t port_ = FreePort(SOCK_STREAM);
  Server s_{{"--listen", "127.0.0.1:" + std::to_string(port_)}};
  std::string key_, resource_, ip_, agent_;
  uint16_t netflow_ = 0;
  uint16_t metrics_ = 0;  // the collector's /metrics
  pid_t collector_ = 0;
  fs::path state_;
};

TEST_F(CollectLive, WindowsArePostedAsTheSourceAndSurviveKillAndServerDowntime) {
  StartCollector();
  // Flows are judged while their seconds are within the grace (3 s) of the collector's
  // clock: the last three seconds of this minute's window, sent as it ends.
  const int64_t window = NowS() / 60 * 60;
  while (std::chrono::system_clock::now() <
         std::chrono::system_clock::time_point(
             std::chrono::milliseconds((window + 59) * 1000 + 600))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // 3 flows of 6,000 bytes, one second each: 48 kbit/s, an attack under the policy.
  Send(netflow_, V5(ip_, {{window + 57, 6000}, {window + 58, 6000}, {window + 59, 6000}}, 0));
  auto w = WaitForWindow(window, 0);
  ASSERT_FALSE(w.empty());
  EXPECT_EQ(w.at("attack_bps").as_int64(), 18'000 * 8 / 60);
  EXPECT_EQ(w.at("in_bytes").as_int64(), 0);

  // kill -9, then a late record for the same window: after the restart it is posted again as
  // revision 1 carrying the window's full total.
  EXPECT_EQ(StopCollector(SIGKILL), -1);
  StartCollector();
  Send(netflow_, V5(ip_, {{window + 58, 6000}}, 3));
  w = WaitForWindow(window, 1);
  ASSERT_FALSE(w.empty());
  EXPECT_EQ(w.at("revision").as_int64(), 1);
  EXPECT_EQ(w.at("attack_bps").as_int64(), 24'000 * 8 / 60);

  // The server goes away: windows wait in the spool and arrive once it is back. (The last
  // minute's window: no attack then, clean bytes.)
  s_.Crash();
  const int64_t earlier = window - 60;
  Send(netflow_, V5(ip_, {{earlier + 10, 3000}}, 4));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  s_.Start({"--listen", "127.0.0.1:" + std::to_string(port_)});
  w = WaitForWindow(earlier, 0);
  ASSERT_FALSE(w.empty());
  EXPECT_EQ(w.at("attack_bps").as_int64(), 0);
  EXPECT_EQ(w.at("in_bytes").as_int64(), 3000);

  // Its /metrics, with datagrams, records and posts counted, is valid for Prometheus.
  const std::string metrics = Server::RawExchange(metrics_, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_NE(metrics.find("rampart_collect_"), std::string::npos) << metrics;
  EXPECT_EQ(PromtoolProblems(metrics), "");

  // A datagram larger than the 2 KiB receive slot (an exporter on jumbo frames) arrives whole:
  // every record in it decoded, none refused as truncated.
  const std::string records = "rampart_collect_records_total{protocol=\"netflow\"}";
  const std::string truncated =
      "rampart_collect_decode_errors_total{protocol=\"netflow\",reason=\"truncated\"}";
  const uint64_t before = MetricValue(metrics, records);
  const auto big = Ipfix(220);
  ASSERT_GT(big.size(), 6000u);
  Send(netflow_, big);
  std::string after;
  for (int i = 0; i < 50 && MetricValue(after, records) < before + 220; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = Server::RawExchange(metrics_, "GET /metrics HTTP/1.0\r\n\r\n");
  }
  EXPECT_EQ(MetricValue(after, records), before + 220) << after;
  EXPECT_EQ(MetricValue(after, truncated), MetricValue(metrics, truncated)) << after;

  // Twenty datagrams that arrive together come in one receive (UDP GRO) and are each decoded.
  const std::string datagrams = "rampart_collect_datagrams_total{protocol=\"netflow\"}";
  const std::string receives = "rampart_collect_receives_total";
  SendTogether(netflow_, std::vector<std::vector<uint8_t>>(20, Ipfix(40)));
  std::string together;
  for (int i = 0; i < 50 && MetricValue(together, records) < before + 220 + 800; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    together = Server::RawExchange(metrics_, "GET /metrics HTTP/1.0\r\n\r\n");
  }
  EXPECT_EQ(MetricValue(together, records), before + 220 + 800) << together;
  EXPECT_EQ(MetricValue(together, datagrams), MetricValue(after, datagrams) + 20) << together;
  EXPECT_EQ(MetricValue(together, receives), MetricValue(after, receives) + 1) << together;
  EXPECT_EQ(MetricValue(together, truncated), MetricValue(metrics, truncated)) << together;

  // The bill sees the collector's windows like any meter's: the summed usage has them.
  EXPECT_EQ(StopCollector(SIGTERM), 0);
  EXPECT_NE(Read(state_.string() + ".log").find("failed"), std::string::npos)
      << "posting while the server was down should have failed and been retried";
}

}  // namespace
}  // namespace rampart::testing
