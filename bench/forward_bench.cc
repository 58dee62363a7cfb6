// forward_bench: `rampart forward` against HAProxy 2.6 (TCP, splice) and nginx stream (TCP and
// UDP), the same origins through the same kind of rule on loopback, in one run (issue #13
// "Performance", dataplane.md §5). Prints ratios first, then the absolute figures.
//
//  1. TCP throughput: iperf3 -P 4 through each (target: rampart >= 1.2x HAProxy).
//  2. Short TCP connections per second: connect, 1 byte each way, close, from 2 client
//     threads keeping 32 connections in flight each (target: >= HAProxy).
//  3. UDP packets per second and loss: iperf3 -u -l 64 -b 0 (target: >= 2x nginx stream).
//  4. Memory per idle connection: the proxy's RSS growth over 2,000 open connections.
//
// Each proxy runs one thread (HAProxy nbthread 1, nginx one worker, rampart's one loop), so
// the figures compare per core; on this 2-core machine the load generators share the cores.
// rampart forward reads its rules from a real `rampart serve` (an hdip bought from a loopback
// pool, rules set through the API). Usage: forward_bench [SECONDS per stage, default 5].
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/server_harness.h"

namespace {

namespace fs = std::filesystem;
using rampart::testing::FreePort;
using rampart::testing::Server;
using rampart::testing::Str;
using Clock = std::chrono::steady_clock;

sockaddr_in Ipv4(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// A child process (killed with the bench), its output into `log`.
pid_t Spawn(const std::vector<std::string>& argv, const fs::path& log,
            const std::vector<std::string>& env = {}) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

void Stop(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
}

int64_t RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// CPU seconds `pid` has used (user + system).
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; fields >> f && i <= 15; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(f);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

bool WaitConnect(const std::string& ip, uint16_t port) {
  for (int i = 0; i < 200; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto a = Ipv4(ip, port);
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// An epoll echo origin on 127.0.0.1 (one thread): what the short and idle connections reach.
class EchoOrigin {
 public:
  EchoOrigin() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    auto a = Ipv4("127.0.0.1", 0);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listener_, 65535);
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~EchoOrigin() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  uint16_t port() const { return port_; }

 private:
  void Run() {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{EPOLLIN, {.fd = listener_}};
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listener_, &ev);
    epoll_event events[256];
    char buf[16384];
    while (!stop_) {
      const int n = ::epoll_wait(ep, events, 256, 50);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listener_) {
          for (int c;
               (c = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
            epoll_event cev{EPOLLIN, {.fd = c}};
            ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          }
          continue;
        }
        const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
        if (got > 0) {
          (void)::send(fd, buf, static_cast<size_t>(got), MSG_NOSIGNAL);
        } else if (got == 0 || errno != EAGAIN) {
          ::close(fd);
        }
      }
    }
    ::close(ep);
  }
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// iperf3's JSON report, or null when it failed.
boost::json::value Iperf(const std::string& ip, uint16_t port, const std::string& extra,
                         int seconds) {
  const std::string cmd = "iperf3 -J -c " + ip + " -p " + std::to_string(port) + " -t " +
                          std::to_string(seconds) + " " + extra + " 2>/dev/null";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(out, ec);
  if (ec || !v.is_object() || v.as_object().contains("error")) return nullptr;
  return v;
}

double TcpGbps(const std::string& ip, uint16_t port, int seconds) {
  const auto v = Iperf(ip, port, "-P 4", seconds);
  if (v.is_null()) return 0;
  return v.at("end").at("sum_received").at("bits_per_second").to_number<double>() / 1e9;
}

struct UdpResult {
  double pps = 0, loss_percent = 100, pps_per_cpu = 0;  // per CPU second of the proxy
};
UdpResult Udp(const std::string& ip, uint16_t port, int seconds) {
  const auto v = Iperf(ip, port, "-u -l 64 -b 0", seconds);
  if (v.is_null()) return {};
  const auto& sum = v.at("end").at("sum");
  const double packets = sum.at("packets").to_number<double>();
  const double lost = sum.at("lost_packets").to_number<double>();
  return {(packets - lost) / sum.at("seconds").to_number<double>(),
          sum.at("lost_percent").to_number<double>()};
}

// A connection from `from` to `to` that carried one byte each way, or -1.
int OneByteConnection(const sockaddr_in& to, const std::string& from) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const auto local = Ipv4(from, 0);
  ::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c = 'x';
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 ||
      ::send(fd, &c, 1, MSG_NOSIGNAL) != 1 || ::recv(fd, &c, 1, 0) != 1) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Connections/s: connect, send a byte, read it back, close; 2 client threads each keeping 32
// connections in flight (non-blocking, epoll), so the proxy rather than the round trip is what
// is measured. Each connection from one of 200 client addresses (127.0.1.x) so ephemeral ports
// last.
double ConnectionsPerSecond(const std::string& ip, uint16_t port, int seconds, int64_t* failed) {
  constexpr int kInFlight = 32;
  std::atomic<int64_t> done{0}, bad{0};
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      const auto to = Ipv4(ip, port);
      const int ep = ::epoll_create1(EPOLL_CLOEXEC);
      int64_t next = t;
      // A new connection in flight (its state in the event: 0 connecting, 1 sent).
      auto start = [&] {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const auto from = Ipv4("127.0.1." + std::to_string(1 + next % 200), 0);
        next += 2;
        ::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from);
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 &&
            errno != EINPROGRESS) {
          ::close(fd);
          ++bad;
          return;
        }
        epoll_event ev{EPOLLOUT, {.u64 = static_cast<uint64_t>(fd)}};
        ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      };
      for (int i = 0; i < kInFlight; ++i) start();
      epoll_event events[kInFlight];
      while (Clock::now() < until) {
        const int n = ::epoll_wait(ep, events, kInFlight, 100);
        for (int i = 0; i < n; ++i) {
          const int fd = static_cast<int>(events[i].data.u64);
          char c = 'x';
          if (events[i].events & EPOLLOUT) {  // connected (or failed): send the byte
            if ((events[i].events & (EPOLLERR | EPOLLHUP)) ||
                ::send(fd, &c, 1, MSG_NOSIGNAL) != 1) {
              ::close(fd);
              ++bad;
              start();
              continue;
            }
            epoll_event ev{EPOLLIN, {.u64 = static_cast<uint64_t>(fd)}};
            ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
            continue;
          }
          (::recv(fd, &c, 1, 0) == 1 ? done : bad)++;
          ::close(fd);
          start();
        }
      }
      ::close(ep);  // the connections still in flight are dropped with the bench
    });
  }
  for (auto& t : threads) t.join();
  *failed = bad;
  return static_cast<double>(done) / seconds;
}

// RSS growth of `pid` per connection over `count` connections held open (each carried a byte).
double KbPerIdleConnection(pid_t pid, const std::string& ip, uint16_t port, int count) {
  const int64_t before = RssKb(pid);
  std::vector<int> fds;
  const auto to = Ipv4(ip, port);
  for (int i = 0; i < count; ++i) {
    const int fd = OneByteConnection(to, "127.0.2." + std::to_string(1 + i % 200));
    if (fd >= 0) fds.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int64_t after = RssKb(pid);
  for (int fd : fds) ::close(fd);
  if (fds.size() < static_cast<size_t>(count)) return -1;
  return static_cast<double>(after - before) / count;
}

struct Figures {
  double tcp_gbps = 0, conns_per_s = 0, conns_per_cpu = 0, kb_per_idle = 0;
  int64_t conn_failures = 0;
  UdpResult udp;
};

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  std::signal(SIGPIPE, SIG_IGN);
  // Short connections leave the client side in TIME_WAIT; let connects reuse those ports.
  std::ofstream("/proc/sys/net/ipv4/tcp_tw_reuse") << "1";

  const fs::path dir =
      fs::temp_directory_path() / ("rampart_forward_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // iperf3's server; a port taken in the meantime makes it exit, and another is tried.
  uint16_t iperf_port = 0;
  pid_t iperf = -1;
  for (int attempt = 0; attempt < 5 && iperf < 0; ++attempt) {
    iperf_port = FreePort(SOCK_STREAM);
    iperf = Spawn({"iperf3", "-s", "-B", "127.0.0.1", "-p", std::to_string(iperf_port)},
                  dir / "iperf3.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    if (::waitpid(iperf, nullptr, WNOHANG) == iperf) iperf = -1;
  }
  if (iperf < 0) {
    std::cerr << "iperf3 -s does not start; see " << dir << "\n";
    return 1;
  }
  EchoOrigin echo;

  // The peers: one thread each, the same two services.
  const uint16_t kData = 9001, kShort = 9002;
  const std::string haproxy_ip = "127.0.4.1", nginx_ip = "127.0.4.2";
  std::ofstream(dir / "haproxy.cfg")
      << "global\n  maxconn 6000\n  nbthread 1\n"
      << "defaults\n  mode tcp\n  option splice-auto\n  timeout connect 5s\n"
      << "  timeout client 300s\n  timeout server 300s\n"
      << "listen data\n  bind " << haproxy_ip << ":" << kData
      << "\n  server o 127.0.0.1:" << iperf_port << "\n"
      << "listen short\n  bind " << haproxy_ip << ":" << kShort
      << "\n  server o 127.0.0.1:" << echo.port() << "\n";
  std::ofstream(dir / "nginx.conf")
      << "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"
      << "daemon off; master_process off; worker_processes 1; worker_rlimit_nofile 200000;\n"
      << "pid " << (dir / "nginx.pid").string() << ";\nerror_log " << (dir / "nginx.log").string()
      << " crit;\nevents { worker_connections 100000; }\nstream {\n"
      << "  server { listen " << nginx_ip << ":" << kData << "; proxy_pass 127.0.0.1:" << iperf_port
      << "; }\n"
      << "  server { listen " << nginx_ip << ":" << kData
      << " udp; proxy_pass 127.0.0.1:" << iperf_port << "; proxy_timeout 60s; }\n"
      << "  server { listen " << nginx_ip << ":" << kShort
      << "; proxy_pass 127.0.0.1:" << echo.port() << "; }\n}\n";
  const pid_t haproxy =
      Spawn({"haproxy", "-db", "-q", "-f", (dir / "haproxy.cfg").string()}, dir / "haproxy.log");
  const pid_t nginx =
      Spawn({"nginx", "-p", dir.string(), "-c", (dir / "nginx.conf").string()}, dir / "nginx.out");

  // rampart: the same services as an hdip's rules, read from a real server. No health checks,
  // as the peers have none here (and iperf3 takes a check's connection for a failed test).
  const uint16_t server_port = FreePort(SOCK_STREAM);
  Server server(
      {"--listen", "127.0.0.1:" + std::to_string(server_port), "--allow-private-origins"});
  const auto hdip = server.BuyHdipNearRealTime("127.0.3.0/28");
  auto rule = [&](const std::string& protocol, uint16_t port, uint16_t origin) {
    const auto r = server.Call(
        "POST", "/v1/resources/" + hdip.resource + "/rules", hdip.key,
        R"({"protocol": ")" + protocol + R"(", "frontend_port": )" + std::to_string(port) +
            R"(, "origins": [{"address": "127.0.0.1", "port": )" + std::to_string(origin) +
            R"(}], "health_check": {"enabled": false}})");
    if (r.status != 201) {
      std::cerr << "cannot add a rule: " << r.body << "\n";
      std::exit(1);
    }
  };
  rule("tcp", kData, iperf_port);
  rule("udp", kData, iperf_port);
  rule("tcp", kShort, echo.port());
  const std::string agent =
      Str(server.Admin("POST", "/v1/admin/keys", R"({"role": "agent", "name": "bench"})").Json(),
          "key");
  const pid_t forward =
      Spawn({RAMPART_BINARY, "forward", "--server",
             "http://127.0.0.1:" + std::to_string(server_port), "--name", "bench"},
            dir / "forward.log", {"RAMPART_AGENT_KEY=" + agent});

  int status = 0;
  struct Proxy {
    std::string name, ip;
    pid_t pid;
    bool udp;
    Figures f;
  };
  std::vector<Proxy> proxies = {{"rampart forward", hdip.ip, forward, true, {}},
                                {"HAProxy 2.6", haproxy_ip, haproxy, false, {}},
                                {"nginx stream", nginx_ip, nginx, true, {}}};
  for (auto& p : proxies) {
    // Probed on the echo only: iperf3 takes any connection for a test (and fails it).
    if (!WaitConnect(p.ip, kShort)) {
      std::cerr << p.name << " is not serving; see " << dir << "\n";
      return 1;
    }
  }
  for (auto& p : proxies) {
    std::cerr << "measuring " << p.name << " ...\n";
    p.f.tcp_gbps = TcpGbps(p.ip, kData, seconds);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const double cpu = CpuSeconds(p.pid);
    p.f.conns_per_s = ConnectionsPerSecond(p.ip, kShort, seconds, &p.f.conn_failures);
    const double used = CpuSeconds(p.pid) - cpu;
    if (used > 0) p.f.conns_per_cpu = p.f.conns_per_s * seconds / used;
    if (p.udp) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      const double udp_cpu = CpuSeconds(p.pid);
      p.f.udp = Udp(p.ip, kData, seconds);
      const double udp_used = CpuSeconds(p.pid) - udp_cpu;
      if (udp_used > 0) p.f.udp.pps_per_cpu = p.f.udp.pps * seconds / udp_used;
    }
    p.f.kb_per_idle = KbPerIdleConnection(p.pid, p.ip, kShort, 2000);
    if (p.f.tcp_gbps <= 0 || p.f.conns_per_s <= 0 || (p.udp && p.f.udp.pps <= 0) ||
        p.f.kb_per_idle < 0) {
      std::cerr << p.name << ": a stage failed (see " << dir << ")\n";
      status = 1;
    }
  }
  const Figures& r = proxies[0].f;
  const Figures& h = proxies[1].f;
  const Figures& n = proxies[2].f;
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0; };
  std::printf(
      "\nforward_bench, %d s per stage, one proxy thread each, on this machine (%u cores)\n",
      seconds, std::thread::hardware_concurrency());
  std::printf("  TCP throughput    rampart/HAProxy %.2fx (target >= 1.2x), rampart/nginx %.2fx\n",
              ratio(r.tcp_gbps, h.tcp_gbps), ratio(r.tcp_gbps, n.tcp_gbps));
  std::printf(
      "  connections/s     rampart/HAProxy %.2fx (target >= 1x),   rampart/nginx %.2fx; per "
      "CPU second of the proxy %.2fx, %.2fx\n",
      ratio(r.conns_per_s, h.conns_per_s), ratio(r.conns_per_s, n.conns_per_s),
      ratio(r.conns_per_cpu, h.conns_per_cpu), ratio(r.conns_per_cpu, n.conns_per_cpu));
  std::printf(
      "  UDP packets/s     rampart/nginx %.2fx (target >= 2x); per CPU second of the proxy "
      "%.2fx\n",
      ratio(r.udp.pps, n.udp.pps), ratio(r.udp.pps_per_cpu, n.udp.pps_per_cpu));
  std::printf("\n  %-16s %10s %10s %7s %11s %7s %13s %13s\n", "", "TCP Gbit/s", "conns/s", "failed",
              "UDP pkts/s", "loss %", "UDP pkts/CPU", "KiB/idle conn");
  for (const auto& p : proxies) {
    std::printf("  %-16s %10.2f %10.0f %7ld %11.0f %7.2f %13.0f %13.1f\n", p.name.c_str(),
                p.f.tcp_gbps, p.f.conns_per_s, static_cast<long>(p.f.conn_failures),
                p.udp ? p.f.udp.pps : 0.0, p.udp ? p.f.udp.loss_percent : 0.0,
                p.udp ? p.f.udp.pps_per_cpu : 0.0, p.f.kb_per_idle);
  }
  const auto direct = Udp("127.0.0.1", iperf_port, seconds);
  std::printf(
      "  (UDP straight to the origin, no proxy: %.0f packets/s, %.2f %% lost: what the load "
      "generator and receiver reach here)\n",
      direct.pps, direct.loss_percent);
  Stop(forward);
  Stop(haproxy);
  Stop(nginx);
  Stop(iperf);
  if (status == 0) fs::remove_all(dir);
  return status;
}
