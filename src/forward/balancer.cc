#include "forward/balancer.h"

#include <unistd.h>

#include <cmath>
#include <cstring>

#include "common/socket_address.h"

namespace rampart::forward {

using common::ToSockAddr;

namespace {

constexpr size_t kMaxSticky = 65'536;

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

void Balancer::SetOrigins(const Rule& rule) {
  std::vector<OriginState> next;
  for (const auto& o : rule.origins) {
    OriginState s;
    s.origin = o;
    for (auto& old : origins_) {
      if (old.origin.host == o.host && old.origin.port == o.port) {
        s = old;  // health, address and a check in flight carry over
        old.check_fd = -1;
        s.origin = o;
        break;
      }
    }
    if (!rule.health.enabled) s.healthy = true;
    next.push_back(std::move(s));
  }
  // The health checks in flight of origins that left are abandoned.
  for (const auto& old : origins_) {
    if (old.check_fd >= 0) ::close(old.check_fd);
  }
  if (next.size() != origins_.size() || rule.origins != rule_.origins) sticky_.clear();
  origins_ = std::move(next);
  rule_ = rule;
}

bool Balancer::Eligible(size_t i) const {
  const auto& o = origins_[i];
  return o.origin.weight > 0 && o.address && (o.healthy || !rule_.health.enabled);
}

void Balancer::Report(size_t i, bool ok) {
  auto& o = origins_[i];
  if (ok) {
    o.failures = 0;
    if (!o.healthy && ++o.successes >= rule_.health.healthy_after) {
      o.healthy = true;
      o.successes = 0;
    }
  } else {
    o.successes = 0;
    ++o.checks_failed;
    if (o.healthy && ++o.failures >= rule_.health.unhealthy_after) {
      o.healthy = false;
      o.failures = 0;
    }
  }
}

void Balancer::SetAddress(size_t i, std::optional<common::IpAddress> address, std::string problem) {
  origins_[i].address = address;
  origins_[i].problem = std::move(problem);
}

int Balancer::Pick(const common::IpAddress& client, int64_t now_s) {
  const bool sticky = rule_.session_persistence_s > 0;
  if (sticky) {
    if (auto it = sticky_.find(client); it != sticky_.end()) {
      if (it->second.until_s > now_s && it->second.origin < origins_.size() &&
          Eligible(it->second.origin)) {
        it->second.until_s = now_s + rule_.session_persistence_s;
        return static_cast<int>(it->second.origin);
      }
      sticky_.erase(it);
    }
  }
  int chosen = -1;
  if (rule_.source_hash) {
    // Weighted rendezvous: the highest weight / -ln(u) with u uniform from (client, origin).
    uint64_t a, b;
    std::memcpy(&a, client.bytes().data(), 8);
    std::memcpy(&b, client.bytes().data() + 8, 8);
    const uint64_t h = Mix(a ^ Mix(b));
    double best = -1;
    for (size_t i = 0; i < origins_.size(); ++i) {
      if (!Eligible(i)) continue;
      const uint64_t x = Mix(h ^ (i + 1) * 0x9E3779B97F4A7C15ULL);
      const double u = (static_cast<double>(x >> 11) + 0.5) / 9007199254740992.0;
      const double score = origins_[i].origin.weight / -std::log(u);
      if (score > best) {
        best = score;
        chosen = static_cast<int>(i);
      }
    }
  } else {
    int64_t total = 0;
    for (size_t i = 0; i < origins_.size(); ++i) {
      if (!Eligible(i)) continue;
      origins_[i].current += origins_[i].origin.weight;
      total += origins_[i].origin.weight;
      if (chosen < 0 || origins_[i].current > origins_[static_cast<size_t>(chosen)].current)
        chosen = static_cast<int>(i);
    }
    if (chosen >= 0) origins_[static_cast<size_t>(chosen)].current -= total;
  }
  if (sticky && chosen >= 0) {
    if (sticky_.size() >= kMaxSticky) {
      std::erase_if(sticky_, [&](const auto& e) { return e.second.until_s <= now_s; });
    }
    if (sticky_.size() < kMaxSticky)
      sticky_[client] = Sticky{static_cast<size_t>(chosen), now_s + rule_.session_persistence_s};
  }
  return chosen;
}

socklen_t Balancer::SockAddr(size_t i, sockaddr_storage& out) const {
  return ToSockAddr(*origins_[i].address, origins_[i].origin.port, out);
}

}  // namespace rampart::forward
