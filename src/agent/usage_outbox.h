// UsageOutbox: an agent's queue of usage batches for POST /v1/usage, and the thread that sends
// them in order. Each batch carries its own Idempotency-Key, so a batch re-sent after a lost
// answer (or after a restart, from an agent's saved state) is taken once. While the server is
// unreachable or failing, the front batch is retried with backoff (1 s doubling to 30 s);
// a batch the server refuses as malformed (400, 413: a bug) is dropped and counted rather than
// blocking every later one. Beyond `max_batches` the oldest is dropped, counted and said.
//
// A batch is sent only once it is "persisted" (MarkPersisted with its seq or later): an agent
// that saves its state first never sends what a restart could send again with other numbers.
// Agents without state mark each batch persisted as they push it.
//
// Thread safety: every member may be called from any thread. The destructor stops the sender
// (after at most one request) and joins it; batches still queued are lost unless the agent
// saved them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/api_client.h"
#include "common/error.h"

namespace rampart::agent {

// Whether `name` may be a usage sample's source: 1-64 of a-z 0-9 . _ : - (dataplane.md §1).
bool ValidSourceName(const std::string& name);

struct UsageBatch {
  uint64_t seq = 0;
  std::string id;    // the Idempotency-Key
  std::string body;  // NDJSON, one sample per line
  size_t samples = 0;
};

class UsageOutbox {
 public:
  struct Stats {
    uint64_t batches_posted = 0, samples_posted = 0, samples_rejected = 0, post_failures = 0,
             batches_dropped = 0;
    size_t queued = 0;
  };

  UsageOutbox(std::string log_prefix, size_t max_batches = 10'000);
  ~UsageOutbox();

  // Starts the sender. `invalid_option` for a bad server URL.
  common::Result<void> Start(const std::string& server, const std::string& key,
                             const std::string& ca_file);

  void Push(UsageBatch batch);
  void MarkPersisted(uint64_t seq);
  // Waits until the queue is empty or `timeout` passes; true when empty.
  bool Drain(std::chrono::milliseconds timeout);
  // Calls `f(std::deque<UsageBatch>&)` under the lock (an agent saving or restoring its queue).
  void With(const std::function<void(std::deque<UsageBatch>&)>& f);
  // Whether batches were added or sent since the last call.
  bool TakeChanged();
  Stats stats() const;

 private:
  void Run();

  std::string log_prefix_;
  size_t max_batches_;
  std::unique_ptr<ApiClient> client_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<UsageBatch> queue_;
  uint64_t persisted_seq_ = 0;
  bool changed_ = false;
  Stats stats_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace rampart::agent
