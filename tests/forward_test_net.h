// Small blocking socket helpers and echo origins for the forwarder's live tests and bench:
// TCP and UDP echo servers on loopback (each counts what it served), and client calls with
// timeouts. Test code: errors end in ADD_FAILURE or an empty answer, never a hang.
#pragma once
// Every socket is close-on-exec: a forwarder forked later must not hold an origin open.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rampart::testing {

inline sockaddr_in Ipv4(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// A connected TCP socket to ip:port (from `from` when given), or -1 (refused, reset, timeout).
inline int TcpConnect(const std::string& ip, uint16_t port, const std::string& from = "",
                      int timeout_ms = 3000) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (!from.empty()) {
    const auto local = Ipv4(from, 0);
    ::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local);
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const auto a = Ipv4(ip, port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool SendAll(int fd, const std::string& data) {
  for (size_t at = 0; at < data.size();) {
    const ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

// Reads until `n` bytes came, the peer closed, or the socket's timeout passed.
inline std::string ReadUpTo(int fd, size_t n) {
  std::string out;
  char buf[65536];
  while (out.size() < n) {
    const ssize_t got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

// Whether the peer closed (EOF or reset) within the socket's timeout.
inline bool PeerClosed(int fd) {
  char c;
  for (;;) {
    const ssize_t n = ::recv(fd, &c, 1, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET || errno == EPIPE;
  }
}

// A TCP echo origin on 127.0.0.1 (port chosen by the kernel): echoes every byte, passes a
// half-close on (shutdown after the client's FIN), counts the connections that carried data
// (a health check's connect-and-close is not counted).
class TcpEcho {
 public:
  TcpEcho() { Listen(0); }
  ~TcpEcho() { Stop(); }
  uint16_t port() const { return port_; }
  int served() const { return served_.load(); }
  // Stops listening and cuts its connections (an origin that died).
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mu_);
    for (auto& t : workers_) t.join();
    workers_.clear();
  }
  // Listens again on the same port.
  void Restart() {
    Stop();
    Listen(port_);
  }

 private:
  void Listen(uint16_t port) {
    stop_ = false;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    auto a = Ipv4("127.0.0.1", port);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 1024);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) != 1) continue;
        const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        std::lock_guard lock(mu_);
        workers_.emplace_back([this, c] { Serve(c); });
      }
      ::close(fd_);
    });
  }
  void Serve(int c) {
    char buf[65536];
    bool counted = false;
    while (!stop_) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 20) != 1) continue;
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        if (n == 0) ::shutdown(c, SHUT_WR);
        break;
      }
      if (!counted) ++served_;
      counted = true;
      if (!SendAll(c, std::string(buf, static_cast<size_t>(n)))) break;
    }
    ::close(c);
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
};

// A UDP echo origin on 127.0.0.1: sends every datagram back to its sender; keeps the last
// datagram it received (to read a PROXY v2 header).
class UdpEcho {
 public:
  UdpEcho() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    auto a = Ipv4("127.0.0.1", 0);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      char buf[65536];
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) != 1) continue;
        sockaddr_storage from;
        socklen_t len = sizeof from;
        const ssize_t n =
            ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) continue;
        ++datagrams_;
        {
          std::lock_guard lock(mu_);
          last_.assign(buf, static_cast<size_t>(n));
        }
        ::sendto(fd_, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
      }
    });
  }
  ~UdpEcho() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  int datagrams() const { return datagrams_.load(); }
  std::string last() const {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> datagrams_{0};
  mutable std::mutex mu_;
  std::string last_;
  std::thread thread_;
};

// A UDP client socket on `from` (port `from_port`, 0: any) with a receive timeout.
inline int UdpClient(const std::string& from = "127.0.0.1", uint16_t from_port = 0,
                     int timeout_ms = 1000) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto a = Ipv4(from, from_port);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Sends `payload` to ip:port and returns the answer ("" when none came in time).
inline std::string UdpExchange(int fd, const std::string& ip, uint16_t port,
                               const std::string& payload) {
  const auto a = Ipv4(ip, port);
  ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  char buf[65536];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

}  // namespace rampart::testing
