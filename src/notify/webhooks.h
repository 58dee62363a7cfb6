// Webhooks: a tenant's HTTP endpoints that receive its notifications, signed. Each
// notification is queued for every webhook of its tenant in the transaction that logs it (an
// outbox); a sender (api/webhook_sender.h) POSTs them outside any transaction, one at a
// time per webhook in order, retrying failures with exponential backoff, and records every
// attempt here. Functions run inside the caller's transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::notify {

inline constexpr int64_t kMaxWebhooks = 10;
inline constexpr int64_t kMaxAttempts = 8;
inline constexpr int64_t kClaimLeaseSeconds = 60;

struct Webhook {
  int64_t seq = 0;
  std::string id;
  std::string url;
  std::string secret;  // in clear only in CreateWebhook's answer; stored sealed
  common::Instant created_at;
};

// The parts of an http:// or https:// URL as a client connects to it: tls (https), host (an
// IPv6 literal without its brackets), port ("80" or "443" when none), host_port (for the Host
// header) and target ("/" when none). The URL is one CreateWebhook accepted.
struct HttpUrl {
  bool tls = false;
  std::string host;
  std::string port;
  std::string host_port;
  std::string target;
};
HttpUrl SplitHttpUrl(std::string_view url);

// `url` must be https:// or http:// with a host (validated here); the secret is generated
// when empty ("whsec_" + base64 of 24 random bytes, as Standard Webhooks has it) and stored
// sealed under `secrets_key` (common::Seal, 32 bytes), never in clear.
// Unless `allow_private`, a literal address must pass the address policy
// (common/address_policy.h) and an all-numeric name is refused (`invalid_option`); names
// are checked again at each delivery, against every address they resolve to.
common::Result<Webhook> CreateWebhook(store::Connection& c, std::string_view tenant_id,
                                      std::string_view url, std::string_view secret,
                                      std::string_view secrets_key, common::Instant now,
                                      bool allow_private);
common::Result<std::vector<Webhook>> ListWebhooks(store::Connection& c, std::string_view tenant_id,
                                                  int64_t after_seq, int64_t limit);
common::Result<void> DeleteWebhook(store::Connection& c, std::string_view tenant_id,
                                   std::string_view id, common::Instant now);

struct Delivery {
  int64_t seq = 0;
  std::string webhook_id;
  std::string notification_id;
  std::string kind;
  std::string body;
  std::string status;  // pending, delivered, failed
  int64_t attempts = 0;
  common::Instant next_attempt_at;
  std::optional<int64_t> last_status;  // the receiver's HTTP status
  std::string last_error;
  std::optional<common::Instant> delivered_at;
  // For sending (not stored per delivery): the webhook's URL and its secret as stored
  // (sealed: common::Open with the secrets key).
  std::string url;
  std::string secret;
};

// Queues `body` (the notification as JSON) for every live webhook of the tenant.
common::Result<void> EnqueueDeliveries(store::Connection& c, std::string_view tenant_id,
                                       std::string_view notification_id, std::string_view kind,
                                       std::string_view body, common::Instant now);
common::Result<std::vector<Delivery>> ListDeliveries(store::Connection& c,
                                                     std::string_view tenant_id,
                                                     std::string_view webhook_id, int64_t after_seq,
                                                     int64_t limit);
// Claims the oldest pending delivery of each live webhook, when it is due (order is kept per
// webhook), for kClaimLeaseSeconds: senders on several nodes never send one twice at once.
common::Result<std::vector<Delivery>> DueDeliveries(store::Connection& c, common::Instant now,
                                                    int64_t limit);
// Records an attempt: delivered (2xx), or failed and retried after 10 s x 2^(attempts-1)
// (capped at an hour), given up after kMaxAttempts. A delivery no longer pending (its
// webhook was deleted while it was being sent: cancelled) is left as it is.
common::Result<void> RecordAttempt(store::Connection& c, int64_t delivery_seq, bool ok,
                                   std::optional<int64_t> http_status, std::string_view error,
                                   common::Instant now);

// The HMAC key of Standard Webhooks' signature for `secret`: the bytes of its base64 after
// "whsec_"; any other secret (an older or a tenant's own) is its own bytes.
std::string StandardWebhookKey(std::string_view secret);

// At start: checks that `secrets_key` is the one the database's secrets were sealed with
// (a sealed probe in meta, written on first use; `secrets_key_mismatch` otherwise) and seals
// any secret an older version stored in clear. Returns how many it sealed.
common::Result<int64_t> SealSecretsAtRest(store::Connection& c, std::string_view secrets_key);

}  // namespace rampart::notify
