// Resolver: the addresses of origins named by a domain, looked up on its own thread (the
// system resolver blocks) every `period` and on first request, so the forwarder's loop never
// waits on DNS. A name that fails to resolve keeps its last addresses.
//
// Thread safety: every member may be called from any thread. The destructor joins the thread
// (after the lookup in progress, if any).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/ip_address.h"

namespace rampart::forward {

class Resolver {
 public:
  explicit Resolver(std::chrono::seconds period = std::chrono::seconds(30));
  ~Resolver();
  // The names to keep resolved (others are forgotten).
  void Want(std::set<std::string> names);
  // Moves when any name's addresses change.
  uint64_t generation() const { return generation_.load(); }
  // The addresses of `name` (none yet: empty), sorted.
  std::vector<common::IpAddress> Addresses(const std::string& name) const;

 private:
  void Run();

  std::chrono::seconds period_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::set<std::string> wanted_;
  bool wanted_changed_ = false;
  std::map<std::string, std::vector<common::IpAddress>> known_;
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace rampart::forward
