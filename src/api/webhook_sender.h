// WebhookSender: the worker that POSTs queued notifications to tenants' webhooks
// (notify/webhooks.h). Every `poll` it claims the due deliveries in one short transaction
// (the oldest pending one of each webhook, so order is kept per webhook), sends them all at
// once with asynchronous I/O and no database lock held, and records each attempt in its own
// transaction as it completes. A receiver that is slow or never answers holds only its own
// delivery, for at most `timeout` per step (connect, TLS handshake, write, read): never the API,
// never another webhook. Requests carry both signatures:
//   Standard Webhooks: webhook-id: <notification id>, webhook-timestamp: <unix s>,
//     webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>, where the
//     key is the secret's bytes after "whsec_" (notify::StandardWebhookKey);
//   Rampart's own: Rampart-Event, Rampart-Delivery, Rampart-Timestamp,
//     Rampart-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>.
// The timestamp is the wall clock's, even on a simulated clock (receivers compare it with
// theirs to refuse replays). https:// URLs are verified against the system's CA store (and
// `ca_file` when given), TLS 1.2 or later, with the URL's host name checked.
//
// One thread of its own runs the I/O; Start and Stop are called from one other thread. Stop
// abandons deliveries in flight: they stay claimed for their lease (lifecycle::
// kClaimLeaseSeconds) and are sent again after it, so a receiver may see one twice (the
// webhook-id tells it).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/clock.h"
#include "store/database.h"

namespace rampart::api {

struct WebhookSenderOptions {
  // Also deliver to loopback, private, link-local and unspecified addresses. Off by default,
  // so a tenant cannot aim the operator's network at itself (SSRF); tests turn it on.
  bool allow_private = false;
  std::chrono::milliseconds poll{200};
  std::chrono::seconds timeout{5};  // per step: connect, handshake, write, read
  int max_in_flight = 64;           // deliveries being sent at once
  std::string secrets_key;          // 32 bytes: opens the sealed secrets
  std::string ca_file;              // extra trusted CAs (PEM) for https receivers
};

class WebhookSender {
 public:
  // Fails (throws std::runtime_error) only when `ca_file` cannot be loaded.
  WebhookSender(store::Database& db, common::Clock& clock, WebhookSenderOptions options);
  ~WebhookSender();

  void Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rampart::api
