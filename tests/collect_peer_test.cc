// `rampart collect` against real peers on the same input (dataplane.md §5): a pcap of traffic
// built here is exported by softflowd (NetFlow v5, v9 and IPFIX) to nfcapd, which repeats
// every datagram to this test; the test archives them as `--archive` would, and
// `rampart collect --replay` turns the archive into usage. Per protected IP, the bytes equal
// nfdump's for the same export. A flood to one IP is detected under its policy's thresholds.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "collect/pcap.h"
#include "collect/wire_builder.h"

namespace {

namespace fs = std::filesystem;
using rampart::collect::Datagram;
using rampart::collect::PcapWriter;

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int Shell(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool Have(const char* tool) {
  return Shell(std::string("command -v ") + tool + " >/dev/null") == 0;
}

// A UDP socket bound to 127.0.0.1 on a port of the kernel's choice (in *port); -1 on failure.
int BindLoopbackUdp(uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

uint16_t FreeUdpPort() {
  uint16_t port = 0;
  ::close(BindLoopbackUdp(&port));
  return port;
}

// Ethernet + IPv4 + UDP/TCP packets to the protected IPs 203.0.113.1-3 over ~150 s, ending
// 10 minutes ago; 203.0.113.3 also takes a 20-second UDP flood. Returns the IP bytes sent to
// each destination (what the exports must add up to) and the sum of their squares (for the
// error of a sampled estimate).
struct Sent {
  int64_t bytes = 0;
  double squares = 0;
};
std::map<std::string, Sent> WriteTraffic(const fs::path& path, int64_t end_s) {
  std::ofstream f(path, std::ios::binary);
  const uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
  f.write(reinterpret_cast<const char*>(header), sizeof header);
  std::map<std::string, Sent> sent;
  auto packet = [&](double t, uint8_t dst, uint8_t src, uint8_t proto, uint16_t sport,
                    size_t payload) {
    std::vector<uint8_t> p(14, 0);
    p[12] = 0x08;
    const size_t l4 = proto == 6 ? 20 : 8;
    const size_t total = 20 + l4 + payload;
    const uint8_t ip[20] = {0x45,
                            0,
                            static_cast<uint8_t>(total >> 8),
                            static_cast<uint8_t>(total),
                            0,
                            0,
                            0,
                            0,
                            64,
                            proto,
                            0,
                            0,
                            198,
                            51,
                            100,
                            src,
                            203,
                            0,
                            113,
                            dst};
    p.insert(p.end(), ip, ip + 20);
    std::array<uint8_t, 20> l{};  // a TCP header's room; UDP uses the first 8
    l[0] = static_cast<uint8_t>(sport >> 8);
    l[1] = static_cast<uint8_t>(sport);
    l[3] = proto == 6 ? 80 : 53;
    if (proto == 6) {
      l[12] = 0x50;
      l[13] = 0x18;  // PSH ACK
    } else {
      l[4] = static_cast<uint8_t>((8 + payload) >> 8);
      l[5] = static_cast<uint8_t>(8 + payload);
    }
    p.insert(p.end(), l.begin(), l.begin() + static_cast<std::ptrdiff_t>(l4));
    // The payload is written from a constant block (g++ 12 -O3 warns falsely on growing p).
    static const std::string kFill(1500, 'x');
    const auto length = static_cast<uint32_t>(p.size() + payload);
    const auto sec = static_cast<uint32_t>(t);
    const uint32_t rec[4] = {sec, static_cast<uint32_t>((t - sec) * 1e6), length, length};
    f.write(reinterpret_cast<const char*>(rec), sizeof rec);
    f.write(reinterpret_cast<const char*>(p.data()), static_cast<std::streamsize>(p.size()));
    f.write(kFill.data(), static_cast<std::streamsize>(payload));
    Sent& to = sent["203.0.113." + std::to_string(dst)];
    to.bytes += static_cast<int64_t>(total);
    to.squares += static_cast<double>(total) * static_cast<double>(total);
  };
  const double start = static_cast<double>(end_s - 150);
  for (int i = 0; i < 1500; ++i) {
    const double t = start + i * 0.1;
    packet(t, static_cast<uint8_t>(1 + i % 3), static_cast<uint8_t>(1 + i % 7), i % 4 == 0 ? 6 : 17,
           static_cast<uint16_t>(1000 + i % 5), 40 + (i * 37) % 1200);
    // The flood: 203.0.113.3 gets 200 more packets a second for 20 s from t = start + 60.
    if (i >= 600 && i < 800) {
      for (int k = 0; k < 20; ++k) {
        packet(t + k * 0.004, 3, static_cast<uint8_t>(100 + k % 50), 17,
               static_cast<uint16_t>(2000 + k), 1000);
      }
    }
  }
  return sent;
}

// Per IP, the clean inbound bytes and the sum of attack_bps of `rampart collect`'s usage CSV.
struct Usage {
  int64_t clean = 0;
  int64_t attack_bps = 0;
};
std::map<std::string, Usage> ReadUsage(const fs::path& csv) {
  std::map<std::string, Usage> usage;
  std::istringstream in(Read(csv));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "window_start,window_s,ip,attack_bps,in_bytes,out_bytes");
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string start, window, ip, attack, in_bytes;
    std::getline(f, start, ',');
    std::getline(f, window, ',');
    std::getline(f, ip, ',');
    std::getline(f, attack, ',');
    std::getline(f, in_bytes, ',');
    usage[ip].clean += std::stoll(in_bytes);
    usage[ip].attack_bps += std::stoll(attack);
  }
  return usage;
}

// Runs argv in the background; returns its pid.
pid_t Spawn(const std::vector<std::string>& argv, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: Stop() reaches the children a daemon forks
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// SIGTERM to the process group of a Spawn()ed program (sfacctd's core ignores it; its plugin
// writes its cache on the way out); SIGKILL after 4 s.
void Stop(pid_t pid) {
  ::kill(-pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 40; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(-pid, SIGKILL);
  ::waitpid(pid, &status, 0);
}

class CollectPeers : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    for (const char* tool : {"softflowd", "nfcapd", "nfdump"}) {
      ASSERT_TRUE(Have(tool)) << tool << " is missing: scripts/setup installs it";
    }
    dir_ = fs::temp_directory_path() / ("rampart_collect_peers_" + std::to_string(::getpid()) +
                                        "_" + std::to_string(GetParam()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "nfcapd");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_P(CollectPeers, PerIpBytesEqualNfdumpsForTheSameExport) {
  const int version = GetParam();
  const int64_t end_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() -
                        600;
  const auto sent = WriteTraffic(dir_ / "traffic.pcap", end_s);

  // This test's own receiver: every datagram nfcapd repeats, archived with its arrival time.
  uint16_t rx_port = 0;
  const int rx = BindLoopbackUdp(&rx_port);
  ASSERT_GE(rx, 0);
  const uint16_t nfcapd_port = FreeUdpPort();

  const pid_t nfcapd = Spawn(
      {"nfcapd", "-p", std::to_string(nfcapd_port), "-b", "127.0.0.1", "-w",
       (dir_ / "nfcapd").string(), "-t", "3600", "-R", "127.0.0.1/" + std::to_string(rx_port)},
      dir_ / "nfcapd.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const int exported = Shell("softflowd -r " + (dir_ / "traffic.pcap").string() + " -n 127.0.0.1:" +
                             std::to_string(nfcapd_port) + " -v " + std::to_string(version) +
                             " -d >" + (dir_ / "softflowd.log").string() + " 2>&1");
  ASSERT_EQ(exported, 0) << Read(dir_ / "softflowd.log");

  auto archive = PcapWriter::Open((dir_ / "archive.pcap").string()).value();
  std::vector<uint8_t> buf(65536);
  int datagrams = 0;
  while (true) {
    pollfd p{rx, POLLIN, 0};
    if (::poll(&p, 1, 1500) <= 0) break;  // quiet for 1.5 s: softflowd is done
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    const ssize_t n =
        ::recvfrom(rx, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n <= 0) break;
    Datagram d;
    d.arrival_us = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    d.exporter = rampart::common::IpAddress::Parse("127.0.0.1").value();
    d.exporter_port = ntohs(from.sin_port);
    d.collector_port = 2055;
    d.payload = {buf.data(), static_cast<size_t>(n)};
    ASSERT_TRUE(archive->Write(d, d.exporter).has_value());
    ++datagrams;
  }
  ::close(rx);
  archive.reset();
  ::kill(nfcapd, SIGTERM);  // nfcapd writes its file on the way out
  int status = 0;
  ::waitpid(nfcapd, &status, 0);
  ASSERT_GT(datagrams, 0) << Read(dir_ / "nfcapd.log");

  // nfdump: bytes per destination IP.
  ASSERT_EQ(Shell("nfdump -R " + (dir_ / "nfcapd").string() +
                  " -A dstip -q -N -o 'fmt:%da %byt' >" + (dir_ / "nfdump.txt").string() + " 2>&1"),
            0)
      << Read(dir_ / "nfdump.txt");
  std::map<std::string, int64_t> nfdump;
  {
    std::istringstream in(Read(dir_ / "nfdump.txt"));
    std::string ip;
    int64_t bytes = 0;
    while (in >> ip >> bytes) nfdump[ip] += bytes;
  }

  // rampart collect --replay of the archive: the flood IP's policy thresholds are low enough
  // for the flood (20 x 1,028 B x 10/s = 1.6 Mbit/s), not for the background (< 0.1 Mbit/s).
  std::ofstream(dir_ / "resources.json") << R"([
    {"id": "r1", "product": "hdip", "region": "cn-south", "line": "bgp", "ips": ["203.0.113.1"],
     "base_gbps": 20, "elastic_gbps": 50, "forwarding_mode": "by_traffic", "state": "running"},
    {"id": "r2", "product": "hdip", "region": "cn-south", "line": "bgp", "ips": ["203.0.113.2"],
     "base_gbps": 20, "elastic_gbps": 50, "forwarding_mode": "by_traffic", "state": "running"},
    {"id": "r3", "product": "hdip", "region": "cn-south", "line": "bgp", "ips": ["203.0.113.3"],
     "base_gbps": 20, "elastic_gbps": 50, "forwarding_mode": "by_traffic", "state": "running",
     "policy": {"detection": {"bps": 1000000, "pps": 0, "syn_pps": 0, "udp_pps": 0,
                              "icmp_pps": 0, "sustain_s": 2, "cooldown_s": 5}}}])";
  const std::string replay = std::string(RAMPART_BINARY) + " collect --replay " +
                             (dir_ / "archive.pcap").string() + " --resources " +
                             (dir_ / "resources.json").string() + " --count-bytes --usage-out ";
  ASSERT_EQ(Shell(replay + (dir_ / "usage.csv").string() + " 2>" + (dir_ / "collect.log").string()),
            0)
      << Read(dir_ / "collect.log");
  const auto usage = ReadUsage(dir_ / "usage.csv");
  std::map<std::string, int64_t> clean, attack_bps;
  for (const auto& [ip, u] : usage) {
    clean[ip] = u.clean;
    attack_bps[ip] = u.attack_bps;
  }
  ASSERT_EQ(nfdump.size(), 3u) << Read(dir_ / "nfdump.txt");
  for (const char* ip : {"203.0.113.1", "203.0.113.2"}) {
    EXPECT_EQ(clean[ip], nfdump[ip]) << ip;
    EXPECT_EQ(nfdump[ip], sent.at(ip).bytes) << ip;  // and both are what was sent
    EXPECT_EQ(attack_bps[ip], 0) << ip;
  }
  // The flood: its attack (bytes = bps x 60 / 8, floored per window: < 8 bytes each) and its
  // clean traffic add up to nfdump's total.
  const std::string flood = "203.0.113.3";
  EXPECT_EQ(nfdump[flood], sent.at(flood).bytes);
  EXPECT_GT(attack_bps[flood], 0);
  const int64_t attack_bytes = attack_bps[flood] * 60 / 8;
  EXPECT_GE(clean[flood] + attack_bytes, nfdump[flood] - 4 * 8);
  EXPECT_LE(clean[flood] + attack_bytes, nfdump[flood]);
  EXPECT_GE(attack_bytes, 20 * 200 * 1028 * 9 / 10);  // most of the flood is judged attack

  // The same archive replays to the same CSV, byte for byte.
  ASSERT_EQ(Shell(replay + (dir_ / "again.csv").string() + " 2>/dev/null"), 0);
  EXPECT_EQ(Read(dir_ / "again.csv"), Read(dir_ / "usage.csv"));
}

INSTANTIATE_TEST_SUITE_P(NetflowV5V9AndIpfix, CollectPeers, ::testing::Values(5, 9, 10),
                         [](const auto& info) { return "v" + std::to_string(info.param); });

// sFlow v5 (dataplane.md §5: "sFlow within sampling error of sfacctd"): pmacctd's sfprobe
// samples 1 in 10 packets of the same traffic and exports sFlow to this test, which passes
// every datagram on to sfacctd (pmacct's collector) and to a live `rampart collect --sflow`
// that archives them; `--replay` of that archive gives the usage.
//  - Against sfacctd, exactly: sfacctd counts each sample's frame length, which sfprobe gives
//    as the IP length plus 4 stripped bytes (the FCS); rampart counts the IP length, as NetFlow
//    does, times the rate. So rampart's bytes = (sfacctd's bytes - 4 x its samples) x 10.
//  - Against what was sent, within the sampling error: |estimate - sent| <= 4 sigma, where
//    sigma^2 = (10 - 1) x the sum of the squared packet lengths (1-in-10 sampling).
TEST(CollectSflowPeers, BytesAgreeWithSfacctdAndWithWhatWasSentWithinSamplingError) {
  for (const char* tool : {"pmacctd", "sfacctd"}) {
    ASSERT_TRUE(Have(tool)) << tool << " is missing: scripts/setup installs pmacct";
  }
  const fs::path dir =
      fs::temp_directory_path() / ("rampart_collect_sflow_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "archive");
  const int64_t end_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  const auto sent = WriteTraffic(dir / "traffic.pcap", end_s);

  uint16_t rx_port = 0;
  const int rx = BindLoopbackUdp(&rx_port);
  ASSERT_GE(rx, 0);
  const uint16_t sfacctd_port = FreeUdpPort();
  const uint16_t rampart_port = FreeUdpPort();

  std::ofstream(dir / "sfacctd.conf")
      << "daemonize: false\nsfacctd_ip: 127.0.0.1\nsfacctd_port: " << sfacctd_port
      << "\nplugins: print\naggregate: dst_host\n"
         "print_output: csv\nprint_output_file: "
      << (dir / "sfacctd.csv").string()
      << "\nprint_output_file_append: true\n"
         "print_refresh_time: 1\n";
  std::ofstream(dir / "pmacctd.conf")
      << "daemonize: false\npcap_savefile: " << (dir / "traffic.pcap").string()
      << "\npcap_savefile_wait: false\nplugins: sfprobe\n"
         "sfprobe_receiver: 127.0.0.1:"
      << rx_port << "\nsampling_rate: 10\n";
  const pid_t sfacctd_pid =
      Spawn({"sfacctd", "-f", (dir / "sfacctd.conf").string()}, dir / "sfacctd.log");
  // Live, archiving; no server answers here (the windows stay spooled), which is not the point.
  const pid_t collect = Spawn({RAMPART_BINARY, "collect", "--server", "http://127.0.0.1:9", "--key",
                               "unused", "--sflow", "127.0.0.1:" + std::to_string(rampart_port),
                               "--archive", (dir / "archive").string(), "--max-seconds", "60"},
                              dir / "collect-live.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const pid_t pmacctd =
      Spawn({"pmacctd", "-f", (dir / "pmacctd.conf").string()}, dir / "pmacctd.log");

  const int tx = ::socket(AF_INET, SOCK_DGRAM, 0);
  auto send_to = [&](uint16_t port, const uint8_t* data, size_t n) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    ::sendto(tx, data, n, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  };
  std::vector<uint8_t> buf(65536);
  int datagrams = 0;
  while (true) {
    pollfd p{rx, POLLIN, 0};
    if (::poll(&p, 1, 3000) <= 0) break;  // quiet for 3 s: pmacctd is done
    const ssize_t n = ::recv(rx, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    send_to(sfacctd_port, buf.data(), static_cast<size_t>(n));
    send_to(rampart_port, buf.data(), static_cast<size_t>(n));
    ++datagrams;
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // no burst beyond a buffer
  }
  ::close(rx);
  ::close(tx);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // sfacctd's last refresh
  Stop(pmacctd);
  Stop(sfacctd_pid);  // sfacctd writes what its cache still holds on the way out
  Stop(collect);
  ASSERT_GT(datagrams, 0) << Read(dir / "pmacctd.log");

  // sfacctd: samples and frame bytes per destination (one line per refresh; added up).
  std::map<std::string, std::pair<int64_t, int64_t>> sfacctd;
  {
    std::istringstream in(Read(dir / "sfacctd.csv"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("203.", 0) != 0) continue;
      std::istringstream f(line);
      std::string ip, packets, bytes;
      std::getline(f, ip, ',');
      std::getline(f, packets, ',');
      std::getline(f, bytes, ',');
      sfacctd[ip].first += std::stoll(packets);
      sfacctd[ip].second += std::stoll(bytes);
    }
  }
  ASSERT_EQ(sfacctd.size(), 3u) << Read(dir / "sfacctd.csv") << Read(dir / "sfacctd.log");

  // The live collector archived every datagram; its replay is the usage.
  std::vector<std::string> archives;
  for (const auto& e : fs::directory_iterator(dir / "archive")) archives.push_back(e.path());
  ASSERT_FALSE(archives.empty()) << Read(dir / "collect-live.log");
  std::sort(archives.begin(), archives.end());
  std::ofstream(dir / "resources.json") << R"([
    {"id": "r1", "product": "hdip", "region": "cn-south", "line": "bgp",
     "ips": ["203.0.113.1", "203.0.113.2", "203.0.113.3"], "base_gbps": 20, "elastic_gbps": 50,
     "forwarding_mode": "by_traffic", "state": "running"}])";
  std::string replay = std::string(RAMPART_BINARY) + " collect --count-bytes --resources " +
                       (dir / "resources.json").string() + " --usage-out " +
                       (dir / "usage.csv").string();
  for (const auto& f : archives) replay += " --replay " + f;
  ASSERT_EQ(Shell(replay + " 2>" + (dir / "replay.log").string()), 0) << Read(dir / "replay.log");
  const std::string replay_log = Read(dir / "replay.log");
  EXPECT_NE(replay_log.find("replayed " + std::to_string(datagrams) + " datagrams (" +
                            std::to_string(datagrams) + " sFlow"),
            std::string::npos)
      << replay_log;
  const auto usage = ReadUsage(dir / "usage.csv");
  for (const char* ip : {"203.0.113.1", "203.0.113.2", "203.0.113.3"}) {
    const auto [samples, frame_bytes] = sfacctd[std::string(ip)];
    const int64_t rampart = usage.count(ip) ? usage.at(ip).clean : 0;
    EXPECT_EQ(rampart, (frame_bytes - 4 * samples) * 10) << ip;
    EXPECT_EQ(usage.count(ip) ? usage.at(ip).attack_bps : 0, 0) << ip;
    const double sigma = std::sqrt(9.0 * sent.at(ip).squares);
    EXPECT_LE(std::abs(static_cast<double>(rampart - sent.at(ip).bytes)), 4 * sigma)
        << ip << ": estimated " << rampart << ", sent " << sent.at(ip).bytes;
  }
  fs::remove_all(dir);
}

// Detection against FastNetMon (dataplane.md §5: "the same IPs flagged under attack as
// FastNetMon with the same thresholds"): this test sends sFlow in real time (its own encoder,
// 1 in 10 sampling) for 10 s — 203.0.113.1 at 200 packets/s, .2 at 800 (below the
// threshold), .3 at 5,000 from the 2nd to the 9th second — to FastNetMon 1.2.4 (pps
// threshold 1,000) and archives the same datagrams for `rampart collect --replay` (policy
// pps 1,000, sustain 2 s). Both flag .3 and only .3.
TEST(CollectFastnetmon, FlagsTheSameIpsUnderTheSameThresholds) {
  ASSERT_TRUE(Have("fastnetmon")) << "fastnetmon is missing: scripts/setup installs it";
  const fs::path dir =
      fs::temp_directory_path() / ("rampart_collect_fnm_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const uint16_t fnm_port = FreeUdpPort();
  std::ofstream(dir / "networks_list") << "203.0.113.0/24\n";
  std::ofstream(dir / "whitelist") << "";
  std::ofstream(dir / "notify.sh")
      << "#!/bin/sh\necho \"$@\" >> " << (dir / "bans.txt").string() << "\ncat >/dev/null\n";
  fs::permissions(dir / "notify.sh", fs::perms::owner_all);
  const std::string d = dir.string();
  std::ofstream(dir / "fastnetmon.conf")
      << "logging_level = info\ndisable_usage_report = on\nenable_ban = on\n"
         "process_incoming_traffic = on\nprocess_outgoing_traffic = off\nban_time = 1900\n"
         "networks_list_path = "
      << d << "/networks_list\nwhite_list_path = " << d
      << "/whitelist\ncheck_period = 1\nenable_connection_tracking = off\n"
         "ban_for_pps = on\nban_for_bandwidth = off\nban_for_flows = off\nthreshold_pps = 1000\n"
         "sflow = on\nnetflow = off\npcap = off\nmirror_afpacket = off\nsflow_host = 127.0.0.1\n"
         "sflow_port = "
      << fnm_port
      << "\nsflow_read_packet_length_from_ip_header = on\naverage_calculation_time = 2\n"
         "speed_calculation_delay = 1\nnotify_script_path = "
      << d << "/notify.sh\npid_path = " << d << "/fastnetmon.pid\ncli_stats_file_path = " << d
      << "/fastnetmon.dat\ncli_stats_ipv6_file_path = " << d
      << "/fastnetmon6.dat\nenable_api = off\nmonitor_local_ip_addresses = off\n"
         "redis_enabled = off\nmongodb_enabled = off\nexabgp = off\ngobgp = off\n"
         "influxdb = off\ngraphite = off\n";
  const pid_t fnm = Spawn({"fastnetmon", "--configuration_file", d + "/fastnetmon.conf",
                           "--log_file", d + "/fastnetmon.log", "--disable_pid_logic"},
                          dir / "fastnetmon.out");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  // The sFlow sender: every 100 ms one tick of samples, at most 10 to a datagram.
  using rampart::collect::WireBuilder;
  uint32_t sample_seq = 0, datagram_seq = 0;
  auto sample = [&](uint8_t dst, uint16_t length) {
    WireBuilder packet;  // IPv4 + UDP header
    packet.u8(0x45).u8(0).u16(length).u32(0).u8(64).u8(17).u16(0);
    packet.u8(198).u8(51).u8(100).u8(7).u8(203).u8(0).u8(113).u8(dst);
    packet.u16(1234).u16(53).u16(length - 20).u16(0);
    WireBuilder header;  // raw packet header record: IPv4, frame = IP + 4 (FCS)
    header.u32(11).u32(length + 4u).u32(4).u32(static_cast<uint32_t>(packet.size())).raw(packet);
    WireBuilder body;
    ++sample_seq;
    body.u32(sample_seq).u32(3).u32(10).u32(sample_seq * 10).u32(0).u32(3).u32(7).u32(1);
    body.u32(1).u32(static_cast<uint32_t>(header.size())).raw(header);
    WireBuilder w;
    w.u32(1).u32(static_cast<uint32_t>(body.size())).raw(body);
    return w;
  };
  const int tx = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(fnm_port);
  auto archive = PcapWriter::Open((dir / "archive.pcap").string()).value();
  const auto loopback = rampart::common::IpAddress::Parse("127.0.0.1").value();
  const auto start = std::chrono::steady_clock::now();
  for (int tick = 0; tick < 100; ++tick) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(100 * tick));
    std::vector<WireBuilder> samples;
    for (int i = 0; i < 2; ++i) samples.push_back(sample(1, 500));  // 200 packets/s
    for (int i = 0; i < 8; ++i) samples.push_back(sample(2, 300));  // 800 packets/s
    if (tick >= 20 && tick < 90) {
      for (int i = 0; i < 50; ++i) samples.push_back(sample(3, 1000));  // 5,000 packets/s
    }
    for (size_t at = 0; at < samples.size(); at += 10) {
      const size_t n = std::min<size_t>(10, samples.size() - at);
      WireBuilder dgram;
      dgram.u32(5).u32(1).u8(127).u8(0).u8(0).u8(1).u32(0).u32(++datagram_seq);
      dgram.u32(static_cast<uint32_t>(tick * 100)).u32(static_cast<uint32_t>(n));
      for (size_t i = at; i < at + n; ++i) dgram.raw(samples[i]);
      ::sendto(tx, dgram.b.data(), dgram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
      Datagram datagram;
      datagram.arrival_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
      datagram.exporter = loopback;
      datagram.exporter_port = 6343;
      datagram.collector_port = fnm_port;
      datagram.payload = dgram.b;
      ASSERT_TRUE(archive->Write(datagram, loopback).has_value());
    }
  }
  ::close(tx);
  archive.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  Stop(fnm);

  std::set<std::string> fastnetmon;
  {
    std::istringstream in(Read(dir / "bans.txt"));
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string ip, direction, pps, action;
      f >> ip >> direction >> pps >> action;
      if (action == "ban") fastnetmon.insert(ip);
    }
  }
  std::ofstream(dir / "resources.json") << R"([
    {"id": "r1", "product": "hdip", "region": "cn-south", "line": "bgp",
     "ips": ["203.0.113.1", "203.0.113.2", "203.0.113.3"], "base_gbps": 20, "elastic_gbps": 50,
     "forwarding_mode": "by_traffic", "state": "running",
     "policy": {"detection": {"bps": 0, "pps": 1000, "syn_pps": 0, "udp_pps": 0,
                              "icmp_pps": 0, "sustain_s": 2, "cooldown_s": 5}}}])";
  ASSERT_EQ(
      Shell(std::string(RAMPART_BINARY) + " collect --replay " + d + "/archive.pcap --resources " +
            d + "/resources.json --usage-out " + d + "/usage.csv 2>" + d + "/replay.log"),
      0)
      << Read(dir / "replay.log");
  std::set<std::string> rampart;
  for (const auto& [ip, u] : ReadUsage(dir / "usage.csv")) {
    if (u.attack_bps > 0) rampart.insert(ip);
  }
  EXPECT_EQ(rampart, std::set<std::string>{"203.0.113.3"}) << Read(dir / "usage.csv");
  EXPECT_EQ(fastnetmon, rampart) << Read(dir / "fastnetmon.log");
  fs::remove_all(dir);
}

// `--usage-out` naming a device or a FIFO writes into it: replacing it with a file (as the
// atomic write of a regular file does) once turned this machine's /dev/null into a file.
TEST(CollectReplay, UsageOutToAFifoIsWrittenIntoNotReplaced) {
  const fs::path dir =
      fs::temp_directory_path() / ("rampart_collect_fifo_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  PcapWriter::Open((dir / "empty.pcap").string()).value().reset();  // a pcap with no packet
  std::ofstream(dir / "resources.json") << "[]";
  ASSERT_EQ(::mkfifo((dir / "out").c_str(), 0600), 0);
  // Open for reading without waiting for a writer: the output fits the pipe's buffer, so the
  // command writes it and ends before it is read (and a replaced FIFO reads nothing).
  const int fifo = ::open((dir / "out").c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(fifo, 0);
  EXPECT_EQ(
      Shell(std::string(RAMPART_BINARY) + " collect --replay " + (dir / "empty.pcap").string() +
            " --resources " + (dir / "resources.json").string() + " --usage-out " +
            (dir / "out").string() + " 2>/dev/null"),
      0);
  std::string got(4096, '\0');
  const ssize_t n = ::read(fifo, got.data(), got.size());
  got.resize(n > 0 ? static_cast<size_t>(n) : 0);
  ::close(fifo);
  EXPECT_EQ(got, "window_start,window_s,ip,attack_bps,in_bytes,out_bytes\n");
  EXPECT_TRUE(fs::is_fifo(dir / "out"));
  fs::remove_all(dir);
}

}  // namespace
