#include "forward/resolver.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace rampart::forward {
namespace {

std::vector<common::IpAddress> Lookup(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::vector<common::IpAddress> out;
  if (::getaddrinfo(name.c_str(), nullptr, &hints, &list) != 0) return out;
  for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
    common::IpAddress ip;
    auto& b = ip.mutable_bytes();
    if (a->ai_family == AF_INET) {
      b[10] = b[11] = 0xff;
      std::memcpy(b.data() + 12, &reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr, 4);
    } else if (a->ai_family == AF_INET6) {
      std::memcpy(b.data(), &reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    out.push_back(ip);
  }
  ::freeaddrinfo(list);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Resolver::Resolver(std::chrono::seconds period) : period_(period) {
  thread_ = std::thread([this] { Run(); });
}

Resolver::~Resolver() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Resolver::Want(std::set<std::string> names) {
  std::lock_guard lock(mu_);
  if (names == wanted_) return;
  wanted_ = std::move(names);
  wanted_changed_ = true;
  wake_.notify_all();
}

std::vector<common::IpAddress> Resolver::Addresses(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = known_.find(name);
  return it == known_.end() ? std::vector<common::IpAddress>{} : it->second;
}

void Resolver::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    std::set<std::string> names = wanted_;
    wanted_changed_ = false;
    lock.unlock();
    std::map<std::string, std::vector<common::IpAddress>> found;
    for (const auto& n : names) found[n] = Lookup(n);
    lock.lock();
    bool changed = false;
    std::erase_if(known_, [&](const auto& e) { return !wanted_.contains(e.first); });
    for (auto& [n, addresses] : found) {
      if (addresses.empty() || !wanted_.contains(n)) continue;  // keep the last good answer
      auto& slot = known_[n];
      if (slot != addresses) {
        slot = std::move(addresses);
        changed = true;
      }
    }
    if (changed) ++generation_;
    wake_.wait_for(lock, period_, [&] { return stop_ || wanted_changed_; });
  }
}

}  // namespace rampart::forward
