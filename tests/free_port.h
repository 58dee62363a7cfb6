// FreePort for the tests and the benchmarks (no test framework needed).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <ctime>
#include <fstream>

namespace rampart::testing {

// A port on 127.0.0.1 free a moment ago (SOCK_STREAM or SOCK_DGRAM), for a child to bind.
// Chosen below the kernel's ephemeral range: a port from that range may meanwhile become the
// source port of any outgoing connection (CI saw a forwarder's --metrics port taken so while
// the tests' clients talked to their servers).
inline uint16_t FreePort(int type) {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  auto try_bind = [type](uint16_t port) -> uint16_t {
    const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    uint16_t got = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      socklen_t len = sizeof a;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
      got = ntohs(a.sin_port);
    }
    ::close(fd);
    return got;
  };
  constexpr int kFirst = 10'000;
  if (ephemeral_low > kFirst + 1'000) {
    static unsigned state =
        static_cast<unsigned>(::getpid()) * 2654435761u ^ static_cast<unsigned>(std::time(nullptr));
    for (int attempt = 0; attempt < 200; ++attempt) {
      state = state * 1664525u + 1013904223u;
      const auto port = static_cast<uint16_t>(kFirst + (state >> 8) % (ephemeral_low - kFirst));
      if (try_bind(port) == port) return port;
    }
  }
  return try_bind(0);  // the kernel's choice
}

}  // namespace rampart::testing
