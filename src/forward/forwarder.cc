#include "forward/forwarder.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "agent/config_watcher.h"
#include "agent/metrics_server.h"
#include "agent/metrics_text.h"
#include "agent/state_dir.h"
#include "agent/stop_signals.h"
#include "agent/usage_outbox.h"
#include "common/address_policy.h"
#include "common/file_io.h"
#include "common/socket_address.h"
#include "common/time.h"
#include "forward/balancer.h"
#include "forward/forward_config.h"
#include "forward/proxy_v2.h"
#include "forward/resolver.h"
#include "forward/source_limits.h"
#include "forward/usage_meter.h"
#include "forward/usage_spool.h"

namespace rampart::forward {
using common::FromSockAddr;
using common::HostPort;
using common::ToSockAddr;
namespace {

using common::IpAddress;

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

int64_t MonoUs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1'000'000LL + t.tv_nsec / 1000;
}
int64_t WallS() { return ::time(nullptr); }

// Why traffic was refused or dropped: the `reason` label of rampart_forward_drops_total.
enum Reason : uint8_t {
  kBlacklist,
  kMaxConnections,
  kNewConnectionsRate,
  kPps,
  kBps,
  kReflectionPort,
  kNoOrigin,
  kCapacity,
  kOriginFailed,
  kUpstreamBusy,
  kReasonCount
};
constexpr const char* kReasonNames[kReasonCount] = {"blacklist",
                                                    "max_connections",
                                                    "new_connections_rate",
                                                    "pps",
                                                    "bps",
                                                    "reflection_port",
                                                    "no_origin",
                                                    "capacity",
                                                    "origin_failed",
                                                    "upstream_busy"};

enum class Kind : uint8_t { kTcpListener, kUdpListener, kClient, kOrigin, kUdpUpstream };
struct Handle {
  Kind kind;
  void* obj;
};

struct RuleRuntime {
  std::shared_ptr<const Rule> rule;
  Balancer balancer;
  std::array<uint64_t, kReasonCount> drops{};
  uint64_t accepted = 0, in_bytes = 0, out_bytes = 0, paused = 0;
  int64_t tcp_open = 0, udp_open = 0;
  // Health checks in flight are abandoned (the origins change, or the rule goes).
  void StopChecks() {
    for (auto& o : balancer.origins()) {
      if (o.check_fd >= 0) ::close(o.check_fd);
      o.check_fd = -1;
      o.next_check_us = 0;
    }
  }
  ~RuleRuntime() { StopChecks(); }
};

struct ResourceRuntime {
  std::shared_ptr<const Policy> policy;
  SourceTable sources;
};

struct Conn;
struct Session;

struct ClientKey {
  IpAddress ip;
  uint16_t port;
  bool operator==(const ClientKey&) const = default;
};
struct ClientKeyHash {
  size_t operator()(const ClientKey& k) const {
    return common::IpAddressHash()(k.ip) ^ (static_cast<size_t>(k.port) * 0x9E3779B97F4A7C15ULL);
  }
};

struct Listener {
  IpAddress ip;
  bool udp = false;
  uint16_t port = 0;
  RuleRuntime* rule = nullptr;
  ResourceRuntime* resource = nullptr;
  int fd = -1;
  std::string error;  // why it is not open (retried every 5 s)
  int64_t retry_us = 0;
  Handle handle{};
  std::unordered_set<Conn*> conns;
  std::unordered_map<ClientKey, Session*, ClientKeyHash> sessions;
};

struct Pipe {
  int r = -1, w = -1;
};

// One direction of a TCP relay: bytes read from one socket into the pipe, not yet written.
struct Direction {
  Pipe pipe;
  size_t bytes = 0;
  bool eof = false;      // the source sent FIN
  bool shut = false;     // passed on as shutdown(SHUT_WR)
  bool spliced = false;  // past the first full copy buffer (or a write that would block)
};

struct Conn {
  Listener* listener = nullptr;
  int client_fd = -1, origin_fd = -1;
  Handle client_handle{}, origin_handle{};
  IpAddress client;
  uint16_t client_port = 0;
  SourceState* source = nullptr;  // none: white-listed
  size_t origin = 0;
  bool connected = false, closed = false;
  int64_t deadline_us = 0;  // connecting: the connect timeout
  int64_t active_us = 0;    // last byte moved
  int64_t paused_until_us = 0;
  Direction up, down;  // up: client to origin
  std::array<uint8_t, kProxyV2MaxSize> header{};
  size_t header_len = 0;
};

struct Session {
  Listener* listener = nullptr;
  ClientKey key;
  sockaddr_storage client_sa{};
  socklen_t client_len = 0;
  int fd = -1;
  Handle handle{};
  SourceState* source = nullptr;
  int64_t active_s = 0;
  bool closed = false;
  std::array<uint8_t, kProxyV2MaxSize> header{};
  size_t header_len = 0;
};

constexpr size_t kUdpBatch = 64;
constexpr size_t kMaxDatagram = 65'536;
constexpr size_t kPipeSize = 1 << 16;  // the default pipe size: what splice moves at once
constexpr size_t kPipePoolMax = 1024;
constexpr size_t kGsoSegments = 64;   // the kernel's limit (UDP_MAX_SEGMENTS) on older kernels
constexpr size_t kGsoBytes = 65'000;  // one GSO send is one IP datagram's worth at most
constexpr size_t kSamplesPerBatch = 500;

std::string SampleLine(const WindowBytes& w, const std::string& source) {
  return "{\"ip\":\"" + w.ip.ToString() + "\",\"window_start\":\"" +
         common::FormatRfc3339(common::Instant(common::Seconds(w.window_start))) +
         "\",\"window_s\":60,\"attack_bps\":0,\"in_bytes\":" + std::to_string(w.in_bytes) +
         ",\"out_bytes\":" + std::to_string(w.out_bytes) + ",\"source\":\"" + source +
         "\",\"revision\":0}";
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class Forwarder {
 public:
  explicit Forwarder(const ForwardOptions& o) : o_(o), outbox_("forward") {}
  ~Forwarder();
  int Run();

 private:
  // Configuration.
  void Apply(ForwardConfig config);
  void OpenListener(Listener& l);
  void CloseListener(Listener& l);
  void ResolveOrigins();
  // TCP.
  void Accept(Listener& l);
  void OnConnEvent(Conn& c, bool origin_side, uint32_t events);
  void OnConnected(Conn& c, uint32_t events);  // the connect's epoll event
  bool Pump(Conn& c, Direction& d, int from, int to, bool upward);
  void Deliver(Conn& c, bool upward, size_t n);
  void ChargeRead(Conn& c, ssize_t n);
  bool AcquirePipe(Conn& c, Direction& d);
  void PumpBoth(Conn& c);
  void CloseConn(Conn& c);
  // UDP.
  void OnUdpListener(Listener& l);
  size_t SendRun(int fd, size_t from, size_t to);
  Session* NewSession(Listener& l, const ClientKey& key, const sockaddr_storage& sa, socklen_t len,
                      SourceState* source);
  void OnUpstream(Session& s);
  void CloseSession(Session& s);
  // Timers.
  void Tick100ms();
  void Tick1s(bool flush);
  // Hands the spool what changed since the last save (`added` batches, those gone from the
  // outbox, the open windows); nothing when nothing changed. Without --state-dir: nothing.
  void SaveUsage(std::vector<agent::UsageBatch> added);
  // --state-dir: locks it, applies its saved configuration and takes back its usage.
  // Returns the exit code on failure.
  std::optional<int> RestoreState(std::string* config_version);
  void HealthChecks(RuleRuntime& r);
  void Drop(RuleRuntime& r, Reason why) { ++r.drops[why]; }
  bool Add(int fd, uint32_t events, Handle* h);
  std::string RenderMetrics();

  const ForwardOptions& o_;
  std::string source_;
  int epoll_ = -1;
  int reserve_fd_ = -1;  // closed to accept-and-refuse when descriptors run out
  int64_t now_us_ = 0, now_s_ = 0;

  std::map<std::string, std::unique_ptr<RuleRuntime>> rules_;
  std::map<std::string, std::unique_ptr<ResourceRuntime>> resources_;
  std::map<std::tuple<IpAddress, bool, uint16_t>, std::unique_ptr<Listener>> listeners_;
  bool private_origins_allowed_ = false;
  std::string version_;

  std::unordered_set<Conn*> conns_;
  std::vector<Conn*> dead_conns_;
  std::vector<Session*> dead_sessions_;
  std::vector<Conn*> paused_;
  int64_t open_ = 0;  // TCP connections and UDP sessions
  std::vector<Pipe> pipes_;
  uint64_t pipe_failures_ = 0, listener_errors_ = 0, accept_errors_ = 0;

  UsageMeter meter_;
  uint64_t next_seq_ = 1;
  agent::UsageOutbox outbox_;
  std::unique_ptr<agent::StateDir> state_dir_;
  std::unique_ptr<UsageSpool> spool_;  // destroyed before outbox_ (it marks batches saved)
  std::set<uint64_t> spooled_;         // the batches the spool holds
  uint64_t saved_metered_ = 0;         // in + out bytes metered at the last save
  Resolver resolver_;
  uint64_t resolved_generation_ = ~0ULL;

  std::mutex pending_mu_;
  std::optional<ForwardConfig> pending_;
  std::atomic<bool> has_pending_{false};
  std::unique_ptr<agent::ConfigWatcher> watcher_;

  std::mutex metrics_mu_;
  std::string metrics_text_;

  // The UDP path's buffers, allocated once.
  std::vector<uint8_t> buffers_ = std::vector<uint8_t>(kUdpBatch * kMaxDatagram);
  std::array<iovec, kUdpBatch> in_iov_{};
  std::array<mmsghdr, kUdpBatch> in_msgs_{};
  std::array<sockaddr_storage, kUdpBatch> in_addrs_{};
  std::array<std::array<iovec, 2>, kUdpBatch> out_iov_{};
  std::array<mmsghdr, kUdpBatch> out_msgs_{};
  std::array<iovec, 2 * kUdpBatch> gso_iov_{};
  bool gso_ = true;
  std::array<char, 16 * 1024> copy_{};  // the copy mode's buffer (one loop: one buffer)
};

Forwarder::~Forwarder() {
  for (auto& [key, l] : listeners_) CloseListener(*l);
  for (Conn* c : dead_conns_) delete c;
  for (Session* s : dead_sessions_) delete s;
  for (auto& p : pipes_) {
    ::close(p.r);
    ::close(p.w);
  }
  if (epoll_ >= 0) ::close(epoll_);
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

bool Forwarder::Add(int fd, uint32_t events, Handle* h) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = h;
  return ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

// ---------------------------------------------------------------------------------------------
// Configuration, applied in place.

void Forwarder::Apply(ForwardConfig config) {
  const bool first = version_.empty();
  version_ = config.version;
  private_origins_allowed_ = config.private_origins_allowed;
  std::set<std::string> rule_ids, resource_ids;
  std::set<std::tuple<IpAddress, bool, uint16_t>> wanted;
  for (const auto& f : config.frontends) {
    const Rule& rule = *f.rule;
    rule_ids.insert(rule.id);
    resource_ids.insert(rule.resource);
    auto& res = resources_[rule.resource];
    if (!res) res = std::make_unique<ResourceRuntime>();
    if (!res->policy || !(*res->policy == *f.policy)) res->policy = f.policy;
    auto& rr = rules_[rule.id];
    if (!rr) rr = std::make_unique<RuleRuntime>();
    if (!rr->rule || !(*rr->rule == rule)) {
      rr->rule = f.rule;
      rr->StopChecks();
      rr->balancer.SetOrigins(rule);  // health and addresses of unchanged origins kept
    }
    const auto key = std::make_tuple(f.ip, rule.udp, rule.frontend_port);
    wanted.insert(key);
    auto it = listeners_.find(key);
    if (it != listeners_.end() && it->second->rule != rr.get()) {
      // Another rule now owns this address and port (one was deleted, another created).
      CloseListener(*it->second);
      listeners_.erase(it);
      it = listeners_.end();
    }
    if (it == listeners_.end()) {
      auto l = std::make_unique<Listener>();
      l->ip = f.ip;
      l->udp = rule.udp;
      l->port = rule.frontend_port;
      l->rule = rr.get();
      l->resource = res.get();
      l->handle = Handle{rule.udp ? Kind::kUdpListener : Kind::kTcpListener, l.get()};
      OpenListener(*l);
      listeners_.emplace(key, std::move(l));
    } else {
      it->second->resource = res.get();
    }
  }
  // What is gone stops at once, with its connections and sessions.
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (!wanted.count(it->first)) {
      CloseListener(*it->second);
      it = listeners_.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(rules_, [&](const auto& kv) { return !rule_ids.count(kv.first); });
  std::erase_if(resources_, [&](const auto& kv) { return !resource_ids.count(kv.first); });
  resolved_generation_ = ~0ULL;  // origins may have changed: look again
  ResolveOrigins();
  std::cerr << "forward: configuration " << version_.substr(0, 12) << ": " << listeners_.size()
            << " frontends, " << rules_.size() << " rules" << (first ? "" : " (applied in place)")
            << "\n";
}

void Forwarder::OpenListener(Listener& l) {
  sockaddr_storage sa;
  const socklen_t len = ToSockAddr(l.ip, l.port, sa);
  const int fd =
      ::socket(sa.ss_family, (l.udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto fail = [&](const char* what) {
    const std::string error = std::string(what) + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    if (error != l.error) {
      std::cerr << "forward: cannot listen on " << (l.udp ? "udp " : "tcp ")
                << HostPort(l.ip, l.port) << ": " << error << " (retrying every 5 s)\n";
    }
    l.error = error;
    l.retry_us = now_us_ + 5'000'000;
    ++listener_errors_;
  };
  if (fd < 0) return fail("socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // IP_FREEBIND: the hdip address may be routed here later (or only to a peer for now).
  if (sa.ss_family == AF_INET) {
    ::setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  } else {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one);
  }
  if (l.udp) {
    const int size = 8 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0) return fail("bind");
  if (!l.udp && ::listen(fd, 4096) != 0) return fail("listen");
  if (!Add(fd, EPOLLIN | EPOLLET, &l.handle)) return fail("epoll");
  if (!l.error.empty()) std::cerr << "forward: now listening on " << HostPort(l.ip, l.port) << "\n";
  l.fd = fd;
  l.error.clear();
}

void Forwarder::CloseListener(Listener& l) {
  if (l.fd >= 0) ::close(l.fd);
  l.fd = -1;
  for (Conn* c : std::vector<Conn*>(l.conns.begin(), l.conns.end())) CloseConn(*c);
  std::vector<Session*> sessions;
  for (auto& [key, s] : l.sessions) sessions.push_back(s);
  for (Session* s : sessions) CloseSession(*s);
}

// Origins named by a domain take the resolver's addresses; every address is checked against
// the operator's policy (private ranges refused unless allowed), as the server did.
void Forwarder::ResolveOrigins() {
  const uint64_t generation = resolver_.generation();
  if (generation == resolved_generation_) return;
  resolved_generation_ = generation;
  std::set<std::string> names;
  for (auto& [id, r] : rules_) {
    auto& origins = r->balancer.origins();
    for (size_t i = 0; i < origins.size(); ++i) {
      const std::string& host = origins[i].origin.host;
      std::optional<IpAddress> chosen;
      std::string problem;
      std::vector<IpAddress> candidates;
      if (auto ip = IpAddress::Parse(host)) {
        candidates.push_back(*ip);
      } else if (common::IsNumericHostName(host)) {
        problem = "a numeric host name";
      } else {
        names.insert(host);
        candidates = resolver_.Addresses(host);
        if (candidates.empty()) problem = "not resolved (yet)";
        // IPv4 first: a dual-stack name's origin most often listens there (localhost's
        // ::1 and 127.0.0.1, say), and the choice stays stable across lookups.
        std::stable_partition(candidates.begin(), candidates.end(),
                              [](const IpAddress& ip) { return ip.is_v4(); });
      }
      for (const auto& ip : candidates) {
        if (auto why = common::WhyNotPublic(ip); why && !private_origins_allowed_) {
          problem = ip.ToString() + " is " + *why + " (the server does not allow private origins)";
          continue;
        }
        chosen = ip;
        problem.clear();
        break;
      }
      if (origins[i].address != chosen) {
        if (!problem.empty()) {
          std::cerr << "forward: rule " << id << " origin " << host << ": " << problem << "\n";
        }
        r->balancer.SetAddress(i, chosen, problem);
      }
    }
  }
  resolver_.Want(std::move(names));
}

// ---------------------------------------------------------------------------------------------
// TCP

void Forwarder::Accept(Listener& l) {
  RuleRuntime& r = *l.rule;
  const Policy& policy = *l.resource->policy;
  for (;;) {
    sockaddr_storage sa;
    socklen_t len = sizeof sa;
    const int fd =
        ::accept4(l.fd, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd_ >= 0) {
        // Out of descriptors: take the connection with the reserve one and refuse it, so the
        // edge-triggered listener is drained rather than left with a backlog nobody reads.
        ::close(reserve_fd_);
        const int refused = ::accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (refused >= 0) ::close(refused);
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        Drop(r, kCapacity);
        continue;
      }
      ++accept_errors_;
      return;
    }
    uint16_t port = 0;
    const IpAddress client = FromSockAddr(sa, &port);
    auto refuse = [&](Reason why) {
      const linger reset{1, 0};  // RST: a refused client learns at once
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      ::close(fd);
      Drop(r, why);
    };
    if (policy.blacklist.Contains(client)) {
      refuse(kBlacklist);
      continue;
    }
    const bool exempt = policy.whitelist.Contains(client);
    if (open_ >= o_.max_connections || r.tcp_open + r.udp_open >= o_.max_sessions_per_rule) {
      refuse(kCapacity);
      continue;
    }
    SourceState* source = nullptr;
    if (!exempt) {
      source = &l.resource->sources.Get(client, now_s_);
      if (source->connections >= o_.max_sessions_per_source) {
        refuse(kCapacity);
        continue;
      }
      if (policy.max_connections > 0 && source->connections >= policy.max_connections) {
        refuse(kMaxConnections);
        continue;
      }
      if (!source->new_connections.Take(policy.max_new_connections_per_s, 1, now_us_)) {
        refuse(kNewConnectionsRate);
        continue;
      }
    }
    const int pick = r.balancer.Pick(client, now_s_);
    if (pick < 0) {
      refuse(kNoOrigin);
      continue;
    }
    sockaddr_storage origin_sa;
    const socklen_t origin_len = r.balancer.SockAddr(static_cast<size_t>(pick), origin_sa);
    const int ofd = ::socket(origin_sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ofd < 0) {
      refuse(kCapacity);
      continue;
    }
    if (::connect(ofd, reinterpret_cast<sockaddr*>(&origin_sa), origin_len) != 0 &&
        errno != EINPROGRESS) {
      ::close(ofd);
      refuse(kOriginFailed);
      continue;
    }
    auto* c = new Conn;
    c->listener = &l;
    c->client_fd = fd;
    c->origin_fd = ofd;
    c->client_handle = Handle{Kind::kClient, c};
    c->origin_handle = Handle{Kind::kOrigin, c};
    c->client = client;
    c->client_port = port;
    c->source = source;
    c->origin = static_cast<size_t>(pick);
    c->deadline_us = now_us_ + int64_t{o_.connect_timeout_s} * 1'000'000;
    c->active_us = now_us_;
    if (r.rule->proxy_v2) {
      c->header_len = WriteProxyV2(false, client, port, l.ip, l.port, c->header);
    }
    conns_.insert(c);
    l.conns.insert(c);
    ++open_;
    ++r.tcp_open;
    ++r.accepted;
    if (source) ++source->connections;
    const uint32_t events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    if (!Add(fd, events, &c->client_handle) || !Add(ofd, events, &c->origin_handle)) {
      Drop(r, kCapacity);
      CloseConn(*c);
    }
  }
}

void Forwarder::OnConnEvent(Conn& c, bool origin_side, uint32_t events) {
  if (c.closed) return;
  if (!c.connected) {
    if (!origin_side) {
      if (events & (EPOLLERR | EPOLLHUP)) CloseConn(c);
      return;  // the client's bytes wait in its socket until the origin answers
    }
    // A failed connect raises EPOLLERR (its SO_ERROR pending): no getsockopt needed.
    if (events & (EPOLLERR | EPOLLHUP)) {
      Drop(*c.listener->rule, kOriginFailed);
      CloseConn(c);
      return;
    }
    if (!(events & EPOLLOUT)) return;
    OnConnected(c, events);
    return;
  }
  if ((events & EPOLLERR) && !(events & EPOLLIN)) {
    CloseConn(c);
    return;
  }
  // Only the directions this event can move: bytes (or a FIN) to read from this side, or room
  // to write what waits in the pipe towards it. Saves a failed splice per event on short
  // connections.
  Direction& from_here = origin_side ? c.down : c.up;
  Direction& to_here = origin_side ? c.up : c.down;
  const int here = origin_side ? c.origin_fd : c.client_fd;
  const int there = origin_side ? c.client_fd : c.origin_fd;
  if ((events & EPOLLOUT) && to_here.bytes > 0 && !Pump(c, to_here, there, here, !origin_side)) {
    return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
      !Pump(c, from_here, here, there, !origin_side)) {
    return;
  }
  if (c.up.shut && c.down.shut) CloseConn(c);
}

void Forwarder::OnConnected(Conn& c, uint32_t events) {
  c.connected = true;
  c.active_us = now_us_;
  if (c.header_len > 0) {
    // The first bytes on a fresh connection: its send buffer takes them whole.
    const ssize_t n = ::send(c.origin_fd, c.header.data(), c.header_len, MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(c.header_len)) {
      Drop(*c.listener->rule, kOriginFailed);
      CloseConn(c);
      return;
    }
  }
  // The client's bytes that waited; the origin's only if this event says it sent some (it is
  // edge-triggered with EPOLLIN: later bytes raise their own) — saves a failing recv per
  // connection.
  if (!Pump(c, c.up, c.client_fd, c.origin_fd, true)) return;
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) &&
      !Pump(c, c.down, c.origin_fd, c.client_fd, false)) {
    return;
  }
  if (c.up.shut && c.down.shut) CloseConn(c);
}

void Forwarder::PumpBoth(Conn& c) {
  if (!Pump(c, c.up, c.client_fd, c.origin_fd, true)) return;
  if (!Pump(c, c.down, c.origin_fd, c.client_fd, false)) return;
  if (c.up.shut && c.down.shut) CloseConn(c);
}

// Payload delivered to `to`: counted for the rule and metered for the hdip address.
void Forwarder::Deliver(Conn& c, bool upward, size_t n) {
  c.active_us = now_us_;
  const auto bytes = static_cast<uint64_t>(n);
  (upward ? c.listener->rule->in_bytes : c.listener->rule->out_bytes) += bytes;
  meter_.Count(c.listener->ip, now_s_, upward ? bytes : 0, upward ? 0 : bytes);
}

// Bytes read from a client are paid for: the source's next reads wait out the debt.
void Forwarder::ChargeRead(Conn& c, ssize_t n) {
  if (!c.source) return;
  const Policy& p = *c.listener->resource->policy;
  c.source->bits.Charge(p.max_bps, n * 8, now_us_);
  c.source->packets.Charge(p.max_pps, (n + 1447) / 1448, now_us_);
  const int64_t wait = std::max(c.source->bits.WaitUs(p.max_bps, 1, now_us_),
                                c.source->packets.WaitUs(p.max_pps, 1, now_us_));
  if (wait > 0) {
    c.paused_until_us = now_us_ + wait;
    paused_.push_back(&c);
    ++c.listener->rule->paused;
  }
}

// A pipe for the direction (from the pool, or a new one); false when the connection was closed
// for want of one.
bool Forwarder::AcquirePipe(Conn& c, Direction& d) {
  if (d.pipe.r >= 0) return true;
  if (!pipes_.empty()) {
    d.pipe = pipes_.back();
    pipes_.pop_back();
    return true;
  }
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    ++pipe_failures_;
    Drop(*c.listener->rule, kCapacity);
    CloseConn(c);
    return false;
  }
  d.pipe = Pipe{fds[0], fds[1]};
  return true;
}

// Moves what `from` has to `to` through the direction's pipe until either side would block.
// Returns false when the connection was closed (an error on either side).
bool Forwarder::Pump(Conn& c, Direction& d, int from, int to, bool upward) {
  // Copy first: most connections carry a request and an answer, and a short recv says the
  // socket is drained (no second, failing read as a splice needs), with no pipe involved. A
  // full buffer means bulk: splice from then on. A write that would block leaves its rest in
  // the pipe (empty, and larger than the buffer) and splices on.
  while (!d.spliced && !d.eof && !(upward && c.paused_until_us > now_us_)) {
    const ssize_t n = ::recv(from, copy_.data(), copy_.size(), 0);
    if (n == 0) {
      d.eof = true;
      break;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      CloseConn(c);
      return false;
    }
    if (upward) ChargeRead(c, n);
    const ssize_t w = ::send(to, copy_.data(), static_cast<size_t>(n), MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      CloseConn(c);
      return false;
    }
    const size_t sent = w > 0 ? static_cast<size_t>(w) : 0;
    if (sent > 0) Deliver(c, upward, sent);
    d.spliced = static_cast<size_t>(n) == copy_.size();
    if (sent < static_cast<size_t>(n)) {
      const size_t rest = static_cast<size_t>(n) - sent;
      if (!AcquirePipe(c, d)) return false;
      if (::write(d.pipe.w, copy_.data() + sent, rest) != static_cast<ssize_t>(rest)) {
        CloseConn(c);
        return false;
      }
      d.bytes = rest;
      d.spliced = true;
    }
    break;
  }
  while (d.spliced) {
    bool progress = false;
    if (d.bytes > 0) {
      const ssize_t n =
          ::splice(d.pipe.r, nullptr, to, nullptr, d.bytes, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        d.bytes -= static_cast<size_t>(n);
        progress = true;
        Deliver(c, upward, static_cast<size_t>(n));
      } else if (n < 0 && errno != EAGAIN) {
        CloseConn(c);
        return false;
      }
    }
    const bool paused = upward && c.paused_until_us > now_us_;
    if (!d.eof && !paused && d.bytes < kPipeSize) {
      if (!AcquirePipe(c, d)) return false;
      const ssize_t n = ::splice(from, nullptr, d.pipe.w, nullptr, kPipeSize - d.bytes,
                                 SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        d.bytes += static_cast<size_t>(n);
        progress = true;
        if (upward) ChargeRead(c, n);
      } else if (n == 0) {
        d.eof = true;
        progress = true;
      } else if (errno != EAGAIN) {
        CloseConn(c);
        return false;
      }
    }
    if (!progress) break;
  }
  if (d.eof && d.bytes == 0 && !d.shut) {
    // Half-close passed on; when the other way is already shut the close that follows sends
    // this FIN (everything `to` sent has been read), so the shutdown call is saved.
    const Direction& other = &d == &c.up ? c.down : c.up;
    if (!other.shut) ::shutdown(to, SHUT_WR);
    d.shut = true;
  }
  if (d.bytes == 0 && d.pipe.r >= 0) {
    // An empty pipe goes back to the pool: an idle connection holds none.
    if (pipes_.size() < kPipePoolMax) {
      pipes_.push_back(d.pipe);
    } else {
      ::close(d.pipe.r);
      ::close(d.pipe.w);
    }
    d.pipe = Pipe{};
  }
  return true;
}

void Forwarder::CloseConn(Conn& c) {
  if (c.closed) return;
  c.closed = true;
  ::close(c.client_fd);
  ::close(c.origin_fd);
  for (Direction* d : {&c.up, &c.down}) {
    if (d->pipe.r >= 0) {
      ::close(d->pipe.r);  // it may hold bytes: never back to the pool
      ::close(d->pipe.w);
    }
  }
  --open_;
  --c.listener->rule->tcp_open;
  if (c.source) --c.source->connections;
  c.listener->conns.erase(&c);
  conns_.erase(&c);
  dead_conns_.push_back(&c);
}

// ---------------------------------------------------------------------------------------------
// UDP

void Forwarder::OnUdpListener(Listener& l) {
  RuleRuntime& r = *l.rule;
  const Policy& policy = *l.resource->policy;
  for (;;) {
    for (size_t i = 0; i < kUdpBatch; ++i) {
      in_iov_[i] = iovec{buffers_.data() + i * kMaxDatagram, kMaxDatagram};
      in_msgs_[i].msg_hdr = msghdr{};
      in_msgs_[i].msg_hdr.msg_name = &in_addrs_[i];
      in_msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      in_msgs_[i].msg_hdr.msg_iov = &in_iov_[i];
      in_msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(l.fd, in_msgs_.data(), kUdpBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    // Datagrams in a row for the same session go out in one sendmmsg.
    Session* run = nullptr;
    size_t run_start = 0, out = 0;
    auto flush = [&] {
      if (run == nullptr || out == run_start) return;
      const size_t sent = SendRun(run->fd, run_start, out);
      uint64_t bytes = 0;
      for (size_t k = run_start; k < run_start + sent; ++k) bytes += out_iov_[k][1].iov_len;
      r.in_bytes += bytes;
      meter_.Count(l.ip, now_s_, bytes, 0);
      r.drops[kUpstreamBusy] += out - run_start - sent;
    };
    for (int i = 0; i < n; ++i) {
      ClientKey key;
      key.ip = FromSockAddr(in_addrs_[i], &key.port);
      const size_t size = in_msgs_[i].msg_len;
      if (policy.blacklist.Contains(key.ip)) {
        ++r.drops[kBlacklist];
        continue;
      }
      SourceState* source = nullptr;
      if (!policy.whitelist.Contains(key.ip)) {
        if (!policy.reflection_ports.empty() &&
            std::binary_search(policy.reflection_ports.begin(), policy.reflection_ports.end(),
                               key.port)) {
          ++r.drops[kReflectionPort];
          continue;
        }
        source = &l.resource->sources.Get(key.ip, now_s_);
        if (!source->packets.Take(policy.max_pps, 1, now_us_)) {
          ++r.drops[kPps];
          continue;
        }
        if (!source->bits.Take(policy.max_bps, static_cast<int64_t>(size) * 8, now_us_)) {
          ++r.drops[kBps];
          continue;
        }
      }
      Session* s;
      if (auto it = l.sessions.find(key); it != l.sessions.end()) {
        s = it->second;
      } else {
        s = NewSession(l, key, in_addrs_[i], in_msgs_[i].msg_hdr.msg_namelen, source);
        if (s == nullptr) continue;
      }
      s->active_s = now_s_;
      if (s != run) {
        flush();
        run = s;
        run_start = out;
      }
      auto& iov = out_iov_[out];
      iov[0] = iovec{s->header.data(), s->header_len};
      iov[1] = iovec{buffers_.data() + i * kMaxDatagram, size};
      out_msgs_[out].msg_hdr = msghdr{};
      out_msgs_[out].msg_hdr.msg_iov = s->header_len ? iov.data() : iov.data() + 1;
      out_msgs_[out].msg_hdr.msg_iovlen = s->header_len ? 2 : 1;
      ++out;
    }
    flush();
    if (n < static_cast<int>(kUdpBatch)) return;
  }
}

// Sends out_msgs_[from, to) on a session's connected socket; returns how many went (the rest
// would block). Datagrams of one size in a row go as one UDP GSO send (UDP_SEGMENT): the stack
// is walked once per run instead of once per datagram, which is most of a datagram's cost.
size_t Forwarder::SendRun(int fd, size_t from, size_t to) {
  size_t at = from;
  while (at < to) {
    auto segment = [&](size_t k) { return out_iov_[k][0].iov_len + out_iov_[k][1].iov_len; };
    const size_t size = segment(at);
    size_t end = at + 1;
    if (gso_) {
      size_t total = size;
      while (end < to && end - at < kGsoSegments && segment(end) == size &&
             total + size <= kGsoBytes) {
        total += size;
        ++end;
      }
      // The last segment may be shorter.
      if (end < to && end - at < kGsoSegments && segment(end) < size &&
          total + segment(end) <= kGsoBytes) {
        ++end;
      }
    }
    if (end - at >= 2) {
      size_t iovs = 0;
      for (size_t k = at; k < end; ++k) {
        if (out_iov_[k][0].iov_len > 0) gso_iov_[iovs++] = out_iov_[k][0];
        gso_iov_[iovs++] = out_iov_[k][1];
      }
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint16_t))] = {};
      msghdr msg{};
      msg.msg_iov = gso_iov_.data();
      msg.msg_iovlen = iovs;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const auto gso_size = static_cast<uint16_t>(size);
      std::memcpy(CMSG_DATA(c), &gso_size, sizeof gso_size);
      if (::sendmsg(fd, &msg, MSG_DONTWAIT) >= 0) {
        at = end;
        continue;
      }
      if (errno == EAGAIN || errno == ENOBUFS) break;
      gso_ = false;  // not supported here (an old kernel, a device without it): one by one
      std::cerr << "forward: UDP GSO unavailable (" << std::strerror(errno)
                << "); sending datagrams one by one\n";
    }
    const int sent =
        ::sendmmsg(fd, out_msgs_.data() + at, static_cast<unsigned>(end - at), MSG_DONTWAIT);
    if (sent <= 0) break;
    at += static_cast<size_t>(sent);
    if (at < end) break;
  }
  return at - from;
}

Session* Forwarder::NewSession(Listener& l, const ClientKey& key, const sockaddr_storage& sa,
                               socklen_t len, SourceState* source) {
  RuleRuntime& r = *l.rule;
  if (open_ >= o_.max_connections || r.tcp_open + r.udp_open >= o_.max_sessions_per_rule ||
      (source && source->connections >= o_.max_sessions_per_source)) {
    ++r.drops[kCapacity];
    return nullptr;
  }
  const int pick = r.balancer.Pick(key.ip, now_s_);
  if (pick < 0) {
    ++r.drops[kNoOrigin];
    return nullptr;
  }
  sockaddr_storage origin_sa;
  const socklen_t origin_len = r.balancer.SockAddr(static_cast<size_t>(pick), origin_sa);
  const int fd = ::socket(origin_sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ++r.drops[kCapacity];
    return nullptr;
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&origin_sa), origin_len) != 0) {
    ::close(fd);
    ++r.drops[kOriginFailed];
    return nullptr;
  }
  auto* s = new Session;
  s->listener = &l;
  s->key = key;
  s->client_sa = sa;
  s->client_len = len;
  s->fd = fd;
  s->handle = Handle{Kind::kUdpUpstream, s};
  s->source = source;
  s->active_s = now_s_;
  if (r.rule->proxy_v2)
    s->header_len = WriteProxyV2(true, key.ip, key.port, l.ip, l.port, s->header);
  if (!Add(fd, EPOLLIN | EPOLLET, &s->handle)) {
    ::close(fd);
    delete s;
    ++r.drops[kCapacity];
    return nullptr;
  }
  l.sessions.emplace(key, s);
  ++open_;
  ++r.udp_open;
  ++r.accepted;
  if (source) ++source->connections;
  return s;
}

void Forwarder::OnUpstream(Session& s) {
  if (s.closed) return;
  Listener& l = *s.listener;
  RuleRuntime& r = *l.rule;
  for (;;) {
    for (size_t i = 0; i < kUdpBatch; ++i) {
      in_iov_[i] = iovec{buffers_.data() + i * kMaxDatagram, kMaxDatagram};
      in_msgs_[i].msg_hdr = msghdr{};
      in_msgs_[i].msg_hdr.msg_iov = &in_iov_[i];
      in_msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(s.fd, in_msgs_.data(), kUdpBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;  // EAGAIN, or an ICMP error from the origin: the session stays
    s.active_s = now_s_;
    for (int i = 0; i < n; ++i) {
      out_iov_[i][0] = iovec{buffers_.data() + i * kMaxDatagram, in_msgs_[i].msg_len};
      out_msgs_[i].msg_hdr = msghdr{};
      out_msgs_[i].msg_hdr.msg_name = &s.client_sa;
      out_msgs_[i].msg_hdr.msg_namelen = s.client_len;
      out_msgs_[i].msg_hdr.msg_iov = out_iov_[i].data();
      out_msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    int at = 0;
    while (at < n && l.fd >= 0) {
      const int sent = ::sendmmsg(l.fd, out_msgs_.data() + at, n - at, MSG_DONTWAIT);
      if (sent <= 0) break;
      for (int k = at; k < at + sent; ++k) {
        const uint64_t bytes = out_iov_[k][0].iov_len;
        r.out_bytes += bytes;
        meter_.Count(l.ip, now_s_, 0, bytes);
      }
      at += sent;
    }
    r.drops[kUpstreamBusy] += static_cast<uint64_t>(n - at);
    if (n < static_cast<int>(kUdpBatch)) return;
  }
}

void Forwarder::CloseSession(Session& s) {
  if (s.closed) return;
  s.closed = true;
  ::close(s.fd);
  --open_;
  --s.listener->rule->udp_open;
  if (s.source) --s.source->connections;
  s.listener->sessions.erase(s.key);
  dead_sessions_.push_back(&s);
}

// ---------------------------------------------------------------------------------------------
// Timers

void Forwarder::HealthChecks(RuleRuntime& r) {
  const HealthCheck& h = r.rule->health;
  auto& origins = r.balancer.origins();
  for (size_t i = 0; i < origins.size(); ++i) {
    OriginState& o = origins[i];
    auto report = [&](bool ok) {
      if (o.check_fd >= 0) ::close(o.check_fd);
      o.check_fd = -1;
      o.next_check_us = now_us_ + int64_t{h.interval_s} * 1'000'000;
      if (!ok) ++o.checks_failed;
      const bool was = o.healthy;
      r.balancer.Report(i, ok);
      if (was != o.healthy) {
        std::cerr << "forward: rule " << r.rule->id << " origin " << o.origin.host << ":"
                  << o.origin.port << " is " << (o.healthy ? "healthy again" : "unhealthy") << "\n";
      }
    };
    if (o.check_fd >= 0) {
      pollfd p{o.check_fd, POLLOUT, 0};
      if (::poll(&p, 1, 0) == 1) {
        int error = 0;
        socklen_t len = sizeof error;
        ::getsockopt(o.check_fd, SOL_SOCKET, SO_ERROR, &error, &len);
        report(error == 0 && !(p.revents & (POLLERR | POLLHUP)));
      } else if (now_us_ >= o.check_deadline_us) {
        report(false);
      }
      continue;
    }
    if (now_us_ < o.next_check_us || !o.address) continue;
    sockaddr_storage sa;
    const socklen_t len = r.balancer.SockAddr(i, sa);
    o.check_fd = ::socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (o.check_fd < 0) {
      o.next_check_us = now_us_ + 1'000'000;  // out of descriptors: not the origin's fault
      continue;
    }
    o.check_deadline_us = now_us_ + int64_t{h.timeout_s} * 1'000'000;
    if (::connect(o.check_fd, reinterpret_cast<sockaddr*>(&sa), len) == 0) {
      report(true);
    } else if (errno != EINPROGRESS) {
      report(false);
    }
  }
}

void Forwarder::Tick100ms() {
  for (auto& [id, r] : rules_) {
    // UDP origins answer no TCP connect: a UDP rule's origins are taken as healthy.
    if (!r->rule->udp && r->rule->health.enabled) HealthChecks(*r);
  }
  std::vector<Conn*> late;
  for (Conn* c : conns_) {
    if (!c->connected && now_us_ >= c->deadline_us) late.push_back(c);
  }
  for (Conn* c : late) {
    Drop(*c->listener->rule, kOriginFailed);
    CloseConn(*c);
  }
  for (auto& [key, l] : listeners_) {
    if (l->fd < 0 && now_us_ >= l->retry_us) OpenListener(*l);
  }
}

void Forwarder::Tick1s(bool flush) {
  // Idle connections and sessions.
  const int64_t idle_us = int64_t{o_.idle_timeout_s} * 1'000'000;
  std::vector<Conn*> idle;
  for (Conn* c : conns_) {
    if (c->connected && now_us_ - c->active_us >= idle_us) idle.push_back(c);
  }
  for (Conn* c : idle) CloseConn(*c);
  std::vector<Session*> idle_sessions;
  for (auto& [key, l] : listeners_) {
    for (auto& [client, s] : l->sessions) {
      if (now_s_ - s->active_s >= o_.udp_idle_timeout_s) idle_sessions.push_back(s);
    }
  }
  for (Session* s : idle_sessions) CloseSession(*s);
  for (auto& [id, res] : resources_) res->sources.Sweep(now_s_);
  ResolveOrigins();

  // Ended windows (all of them when flushing) become usage batches.
  std::vector<WindowBytes> windows;
  if (flush) {
    meter_.Flush(windows);
  } else {
    meter_.Advance(WallS(), windows);
  }
  std::vector<agent::UsageBatch> added;
  for (size_t at = 0; at < windows.size(); at += kSamplesPerBatch) {
    agent::UsageBatch b;
    b.seq = next_seq_++;
    b.id = source_ + "-" + std::to_string(b.seq);
    for (size_t i = at; i < std::min(windows.size(), at + kSamplesPerBatch); ++i) {
      b.body += SampleLine(windows[i], source_) + "\n";
      ++b.samples;
    }
    if (spool_) added.push_back(b);
    outbox_.Push(std::move(b));
    if (!spool_) outbox_.MarkPersisted(next_seq_ - 1);  // sent once saved, otherwise
  }
  SaveUsage(std::move(added));
  std::string text = RenderMetrics();
  std::lock_guard lock(metrics_mu_);
  metrics_text_ = std::move(text);
}

void Forwarder::SaveUsage(std::vector<agent::UsageBatch> added) {
  if (!spool_) return;
  const uint64_t metered = meter_.in_total() + meter_.out_total();
  if (!outbox_.TakeChanged() && added.empty() && metered == saved_metered_) return;
  saved_metered_ = metered;
  std::set<uint64_t> queued;
  outbox_.With([&](const auto& queue) {
    for (const auto& b : queue) queued.insert(b.seq);
  });
  for (const auto& b : added) spooled_.insert(b.seq);
  std::vector<uint64_t> gone;  // posted, or dropped by the outbox's cap
  for (auto it = spooled_.begin(); it != spooled_.end();) {
    if (queued.count(*it)) {
      ++it;
    } else {
      gone.push_back(*it);
      it = spooled_.erase(it);
    }
  }
  std::vector<WindowBytes> open;
  meter_.Snapshot(open);
  spool_->Save(std::move(added), std::move(gone), std::move(open), next_seq_);
}

std::optional<int> Forwarder::RestoreState(std::string* config_version) {
  if (o_.state_dir.empty()) {
    std::cerr << "forward: warning: no --state-dir: usage not yet posted is lost if the "
                 "forwarder stops while the server is unreachable, and a restart then has no "
                 "configuration until the server answers\n";
    return std::nullopt;
  }
  auto dir = agent::StateDir::Open(o_.state_dir);
  if (!dir) {
    std::cerr << "error: " << dir.error().message << "\n";
    return dir.error().code == common::Code::kConflict ? 1 : 2;
  }
  state_dir_ = std::move(*dir);
  const auto config_path = state_dir_->path() / "config.json";
  if (std::error_code ec; std::filesystem::exists(config_path, ec)) {
    auto text = common::ReadFile(config_path);
    boost::system::error_code parse_error;
    const auto doc = text ? boost::json::parse(*text, parse_error) : boost::json::value();
    auto config = text && !parse_error
                      ? ParseForwardConfig(doc)
                      : common::Fail(common::Code::kInvalidConfig, "not readable JSON");
    if (config) {
      *config_version = config->version;
      Apply(std::move(*config));
    } else {
      // The server sends a good one when it answers; until then nothing is forwarded.
      std::cerr << "forward: warning: " << config_path.string()
                << " ignored: " << config.error().message << "\n";
    }
  }
  UsageState restored;
  auto spool = UsageSpool::Open(
      state_dir_->path(), [this](uint64_t seq) { outbox_.MarkPersisted(seq); }, &restored);
  if (!spool) {
    std::cerr << "error: " << spool.error().message
              << "; move it away to start afresh (its usage is then lost)\n";
    return spool.error().code == common::Code::kIoError ? 2 : 1;
  }
  spool_ = std::move(*spool);
  next_seq_ = restored.next_seq;
  for (const auto& w : restored.windows) meter_.Restore(w);
  const size_t batches = restored.batches.size();
  outbox_.With([&](auto& queue) {
    for (auto& b : restored.batches) {
      spooled_.insert(b.seq);
      queue.push_back(std::move(b));
    }
  });
  outbox_.MarkPersisted(next_seq_ - 1);
  std::cerr << "forward: state in " << o_.state_dir << ": configuration "
            << (config_version->empty() ? "none yet" : "version " + *config_version) << ", "
            << restored.windows.size() << " open windows and " << batches
            << " batches of usage to post\n";
  return std::nullopt;
}

std::string Forwarder::RenderMetrics() {
  agent::MetricsText m;
  const auto rule = [](const std::string& id) { return "rule=\"" + id + "\""; };
  const auto per_rule = [&](std::string_view name, std::string_view type, std::string_view help,
                            auto value) {
    m.Family(name, type, help);
    for (const auto& [id, r] : rules_) m.Sample(name, rule(id), value(*r));
  };
  per_rule("rampart_forward_connections", "gauge", "TCP connections open, by rule.",
           [](const auto& r) { return r.tcp_open; });
  per_rule("rampart_forward_sessions", "gauge", "UDP sessions open, by rule.",
           [](const auto& r) { return r.udp_open; });
  per_rule("rampart_forward_accepted_total", "counter",
           "Connections and sessions accepted, by rule.", [](const auto& r) { return r.accepted; });
  m.Family("rampart_forward_bytes_total", "counter",
           "Payload bytes forwarded, by rule and direction (in: client to origin).");
  for (const auto& [id, r] : rules_) {
    m.Sample("rampart_forward_bytes_total", rule(id) + ",direction=\"in\"", r->in_bytes)
        .Sample("rampart_forward_bytes_total", rule(id) + ",direction=\"out\"", r->out_bytes);
  }
  m.Family("rampart_forward_drops_total", "counter",
           "Connections, datagrams or reads refused, by rule and reason.");
  for (const auto& [id, r] : rules_) {
    for (int i = 0; i < kReasonCount; ++i) {
      m.Sample("rampart_forward_drops_total",
               rule(id) + ",reason=\"" + std::string(kReasonNames[i]) + "\"", r->drops[i]);
    }
  }
  per_rule("rampart_forward_reads_paused_total", "counter",
           "TCP reads paused by a per-source rate limit, by rule.",
           [](const auto& r) { return r.paused; });
  const auto origin = [&](const std::string& id, const auto& o) {
    return rule(id) + ",origin=\"" + Escape(o.origin.host) + ":" + std::to_string(o.origin.port) +
           "\"";
  };
  m.Family("rampart_forward_origin_up", "gauge", "1 when the origin is healthy and resolved.");
  for (const auto& [id, r] : rules_) {
    for (const auto& o : r->balancer.origins()) {
      m.Sample("rampart_forward_origin_up", origin(id, o), (o.healthy && o.address) ? 1 : 0);
    }
  }
  m.Family("rampart_forward_origin_checks_failed_total", "counter", "Failed health checks.");
  for (const auto& [id, r] : rules_) {
    for (const auto& o : r->balancer.origins()) {
      m.Sample("rampart_forward_origin_checks_failed_total", origin(id, o), o.checks_failed);
    }
  }
  size_t sources = 0, listening = 0;
  uint64_t overflowed = 0;
  for (const auto& [id, res] : resources_) {
    sources += res->sources.size();
    overflowed += res->sources.overflowed();
  }
  for (const auto& [key, l] : listeners_) listening += l->fd >= 0;
  m.One("rampart_forward_frontends", "gauge", "Frontends (address, protocol, port) configured.",
        listeners_.size());
  m.One("rampart_forward_frontends_listening", "gauge", "Frontends bound and listening.",
        listening);
  m.One("rampart_forward_listen_errors_total", "counter", "Frontends that failed to bind.",
        listener_errors_);
  m.One("rampart_forward_accept_errors_total", "counter", "Failed accepts.", accept_errors_);
  m.One("rampart_forward_pipe_failures_total", "counter",
        "Splice pipes that could not be made (copied instead).", pipe_failures_);
  m.One("rampart_forward_pipes_pooled", "gauge", "Splice pipes idle in the pool.", pipes_.size());
  m.One("rampart_forward_sources_tracked", "gauge", "Client sources with policy state.", sources);
  m.One("rampart_forward_sources_overflow_total", "counter",
        "Sources that found their table full (shared state).", overflowed);
  m.Family("rampart_forward_metered_bytes_total", "counter",
           "Payload bytes metered for billing, by direction.")
      .Sample("rampart_forward_metered_bytes_total", "direction=\"in\"", meter_.in_total())
      .Sample("rampart_forward_metered_bytes_total", "direction=\"out\"", meter_.out_total());
  const auto posted = outbox_.stats();
  m.One("rampart_forward_batches_posted_total", "counter", "Usage batches the server accepted.",
        posted.batches_posted);
  m.One("rampart_forward_samples_posted_total", "counter", "Usage samples posted.",
        posted.samples_posted);
  m.One("rampart_forward_samples_rejected_total", "counter", "Usage samples the server refused.",
        posted.samples_rejected);
  m.One("rampart_forward_post_failures_total", "counter", "Failed posts (retried).",
        posted.post_failures);
  m.One("rampart_forward_batches_dropped_total", "counter",
        "Batches dropped after 72 h of failed posts.", posted.batches_dropped);
  m.One("rampart_forward_spool_batches", "gauge", "Batches waiting to be posted.", posted.queued);
  m.One("rampart_forward_state_save_failures_total", "counter",
        "Failed saves of the usage to --state-dir (retried; nothing is posted meanwhile).",
        spool_ ? spool_->failures() : 0);
  if (watcher_) {
    const auto c = watcher_->stats();
    m.Family("rampart_forward_config_info", "gauge", "The configuration version in force.")
        .Sample("rampart_forward_config_info", "version=\"" + Escape(c.version) + "\"", 1);
    m.One("rampart_forward_config_updates_total", "counter", "Configuration documents applied.",
          c.updates);
    m.One("rampart_forward_config_failures_total", "counter", "Failed configuration reads.",
          c.failures);
    m.One("rampart_forward_config_age_seconds", "gauge",
          "Seconds since the configuration was last read (-1: never).",
          c.fetched_at_s ? WallS() - c.fetched_at_s : -1);
  }
  return m.str();
}

// ---------------------------------------------------------------------------------------------

int Forwarder::Run() {
  const int64_t started = WallS();
  source_ = "forward:" + o_.name + ":" + std::to_string(started);
  if (!agent::ValidSourceName(source_)) {
    std::cerr << "error: --name must be 1-45 of a-z 0-9 . _ -\n";
    return 1;
  }
  // One descriptor per socket and pipe end: take what the hard limit allows.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (epoll_ < 0) {
    std::cerr << "error: epoll: " << std::strerror(errno) << "\n";
    return 2;
  }
  agent::HandleStopSignals(OnSignal);

  now_us_ = MonoUs();
  now_s_ = WallS();
  std::string config_version;
  if (auto failed = RestoreState(&config_version)) return *failed;
  metrics_text_ = RenderMetrics();
  std::unique_ptr<agent::MetricsServer> metrics;
  if (!o_.metrics.empty()) {
    auto m = agent::MetricsServer::Start(o_.metrics, [this] {
      std::lock_guard lock(metrics_mu_);
      return metrics_text_;
    });
    if (!m) {
      std::cerr << "error: --metrics " << m.error().message << "\n";
      return 1;
    }
    metrics = std::move(*m);
    std::cerr << "forward: metrics on " << o_.metrics << "\n";
  }
  if (auto started_outbox = outbox_.Start(o_.server, o_.key, o_.ca_file); !started_outbox) {
    std::cerr << "error: " << started_outbox.error().message << "\n";
    return 1;
  }
  auto watcher = agent::ConfigWatcher::Start(
      o_.server, o_.key, o_.ca_file, config_version, "forward",
      [this](const boost::json::value& doc, const std::string& body) -> common::Result<void> {
        auto config = ParseForwardConfig(doc);
        if (!config) {
          std::cerr << "forward: configuration refused, keeping the last: "
                    << config.error().message << "\n";
          return std::unexpected(config.error());
        }
        if (state_dir_) {
          if (auto saved = common::WriteFileAtomically(state_dir_->path() / "config.json", body);
              !saved) {
            std::cerr << "forward: " << saved.error().message << "\n";
          }
        }
        std::lock_guard lock(pending_mu_);
        pending_ = std::move(*config);
        has_pending_ = true;
        return {};
      });
  if (!watcher) {
    std::cerr << "error: " << watcher.error().message << "\n";
    return 1;
  }
  watcher_ = std::move(*watcher);
  std::cerr << "forward: " << o_.name << " reading its configuration from " << o_.server
            << "; usage as " << source_ << "\n";

  std::array<epoll_event, 256> events;
  int64_t next_100ms = now_us_, next_1s = now_us_ + 1'000'000;
  const int64_t stop_at =
      o_.max_seconds > 0 ? now_us_ + static_cast<int64_t>(o_.max_seconds * 1e6) : INT64_MAX;
  bool stopping = false;
  int64_t drain_until = 0;
  for (;;) {
    if (!stopping && (g_stop || now_us_ >= stop_at)) {
      // Stop accepting; UDP has nothing to drain; TCP connections get --drain-s to finish.
      stopping = true;
      drain_until = now_us_ + int64_t{o_.drain_s} * 1'000'000;
      for (auto& [key, l] : listeners_) {
        if (l->fd >= 0) ::close(l->fd);
        l->fd = -1;
        l->retry_us = INT64_MAX;
        std::vector<Session*> sessions;
        for (auto& [client, s] : l->sessions) sessions.push_back(s);
        for (Session* s : sessions) CloseSession(*s);
      }
      std::cerr << "forward: stopping; draining " << conns_.size() << " connections (up to "
                << o_.drain_s << " s)\n";
    }
    if (stopping && (conns_.empty() || now_us_ >= drain_until)) break;
    int64_t wait_us = std::min(next_100ms, next_1s) - now_us_;
    for (Conn* c : paused_) wait_us = std::min(wait_us, c->paused_until_us - now_us_);
    const int timeout_ms = static_cast<int>(std::clamp<int64_t>((wait_us + 999) / 1000, 0, 100));
    const int n = ::epoll_wait(epoll_, events.data(), events.size(), timeout_ms);
    now_us_ = MonoUs();
    now_s_ = WallS();
    for (int i = 0; i < n; ++i) {
      auto* h = static_cast<Handle*>(events[i].data.ptr);
      switch (h->kind) {
        case Kind::kTcpListener: {
          auto* l = static_cast<Listener*>(h->obj);
          if (l->fd >= 0) Accept(*l);
          break;
        }
        case Kind::kUdpListener: {
          auto* l = static_cast<Listener*>(h->obj);
          if (l->fd >= 0) OnUdpListener(*l);
          break;
        }
        case Kind::kClient:
          OnConnEvent(*static_cast<Conn*>(h->obj), false, events[i].events);
          break;
        case Kind::kOrigin:
          OnConnEvent(*static_cast<Conn*>(h->obj), true, events[i].events);
          break;
        case Kind::kUdpUpstream:
          OnUpstream(*static_cast<Session*>(h->obj));
          break;
      }
    }
    // Paused reads whose debt is paid resume.
    if (!paused_.empty()) {
      std::vector<Conn*> due;
      std::erase_if(paused_, [&](Conn* c) {
        if (c->closed) return false;  // freed below with the dead; dropped from the list then
        if (c->paused_until_us > now_us_) return false;
        due.push_back(c);
        return true;
      });
      for (Conn* c : due) PumpBoth(*c);
    }
    if (!dead_conns_.empty()) {
      std::erase_if(paused_, [](Conn* c) { return c->closed; });
      for (Conn* c : dead_conns_) delete c;
      dead_conns_.clear();
    }
    for (Session* s : dead_sessions_) delete s;
    dead_sessions_.clear();
    if (has_pending_.exchange(false) && !stopping) {
      std::optional<ForwardConfig> config;
      {
        std::lock_guard lock(pending_mu_);
        config.swap(pending_);
      }
      if (config) Apply(std::move(*config));
    }
    if (now_us_ >= next_100ms) {
      next_100ms = now_us_ + 100'000;
      Tick100ms();
    }
    if (now_us_ >= next_1s) {
      next_1s += 1'000'000;
      if (next_1s < now_us_) next_1s = now_us_ + 1'000'000;
      Tick1s(false);
    }
  }
  // Whatever still runs after the drain is cut; the open windows go out now.
  for (Conn* c : std::vector<Conn*>(conns_.begin(), conns_.end())) CloseConn(*c);
  for (Conn* c : dead_conns_) delete c;
  dead_conns_.clear();
  paused_.clear();
  watcher_.reset();
  Tick1s(true);
  // With a state, the usage is saved before the outbox may send it; then what was sent is
  // removed from the state, and what was not stays there for the next start.
  if (spool_ && !spool_->Flush(std::chrono::seconds(5))) {
    std::cerr << "forward: the usage could not be saved in " << o_.state_dir << "\n";
  }
  const bool sent = outbox_.Drain(std::chrono::seconds(5));
  SaveUsage({});
  const bool saved = spool_ && spool_->Flush(std::chrono::seconds(5));
  std::cerr << "forward: stopped (" << meter_.in_total() << " bytes in, " << meter_.out_total()
            << " bytes out";
  if (!sent && saved) {
    std::cerr << "; " << outbox_.stats().queued << " batches of usage kept in " << o_.state_dir
              << " for the next start";
  } else if (!sent) {
    std::cerr << "; usage that could not be posted is lost";
  }
  std::cerr << ")\n";
  return 0;
}

}  // namespace

std::string DefaultForwarderName() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string name;
  for (const char* p = host; *p && name.size() < 32; ++p) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
      name += c;
    }
  }
  return name.empty() ? "forwarder" : name;
}

int RunForward(const ForwardOptions& o) {
  if (o.server.empty() || o.key.empty()) {
    std::cerr << "error: give --server and --key (or RAMPART_AGENT_KEY)\n";
    return 1;
  }
  Forwarder f(o);
  return f.Run();
}

}  // namespace rampart::forward
