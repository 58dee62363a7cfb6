// WebhookSender: the worker that POSTs queued notifications to tenants' webhooks
// (lifecycle/webhooks.h). It reads due deliveries in one short transaction, sends them with
// no database lock held — so a slow or dead receiver never blocks the API — and records each
// attempt in another. Requests carry
//   Rampart-Event: <kind>, Rampart-Delivery: <notification id>, Rampart-Timestamp: <unix s>,
//   Rampart-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>.
// One thread; deliveries of one webhook go out in order. Start/Stop from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "store/database.h"

namespace rampart::api {

class WebhookSender {
 public:
  // `allow_private`: also deliver to loopback, private, link-local and unspecified
  // addresses. Off by default, so a tenant cannot aim the operator's network at itself
  // (SSRF); tests and single-host set-ups turn it on.
  WebhookSender(store::Database& db, common::Clock& clock, bool allow_private = false,
                std::chrono::milliseconds poll = std::chrono::milliseconds(200),
                std::chrono::seconds timeout = std::chrono::seconds(5))
      : db_(db), clock_(clock), allow_private_(allow_private), poll_(poll), timeout_(timeout) {}
  ~WebhookSender() { Stop(); }

  void Start();
  void Stop();
  // One pass over the due deliveries; returns how many were attempted.
  int RunOnce();

 private:
  store::Database& db_;
  common::Clock& clock_;
  bool allow_private_;
  std::chrono::milliseconds poll_;
  std::chrono::seconds timeout_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace rampart::api
