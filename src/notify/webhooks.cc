#include "notify/webhooks.h"

#include <algorithm>

#include "common/address_policy.h"
#include "common/crypto.h"
#include "common/ip_address.h"
#include "jobs/jobs.h"
#include "store/meta.h"

namespace rampart::notify {

using common::EpochSeconds;
using common::FromEpochSeconds;
namespace {

using store::Int;
using store::Text;
using store::Value;

// The length of the URL's scheme and "://": 7 for http, 8 for https, 0 for anything else.
size_t SchemeLength(std::string_view url) {
  if (url.starts_with("http://")) return 7;
  if (url.starts_with("https://")) return 8;
  return 0;
}

bool ValidHttpUrl(std::string_view url) {
  const size_t scheme = SchemeLength(url);
  if (url.size() > 2000 || scheme == 0) return false;
  const std::string_view rest = url.substr(scheme);
  const std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.find('@') != std::string_view::npos) return false;
  for (char ch : url) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f) return false;
  }
  return true;
}

// Why the URL's host may not be a webhook target, judged without resolving it.
std::optional<std::string> WhyNotPublicHost(std::string_view url) {
  const HttpUrl u = SplitHttpUrl(url);
  if (auto ip = common::IpAddress::Parse(u.host)) {
    if (auto why = common::WhyNotPublic(*ip)) return ip->ToString() + " is " + *why;
    return std::nullopt;
  }
  if (common::IsNumericHostName(u.host)) return u.host + " is an address written as a name";
  return std::nullopt;
}

Delivery DeliveryFrom(const store::Row& r) {
  Delivery d;
  d.seq = Int(r[0]);
  d.webhook_id = Text(r[1]);
  d.notification_id = Text(r[2]);
  d.kind = Text(r[3]);
  d.body = Text(r[4]);
  d.status = Text(r[5]);
  d.attempts = Int(r[6]);
  d.next_attempt_at = FromEpochSeconds(Int(r[7]));
  if (!store::IsNull(r[8])) d.last_status = Int(r[8]);
  d.last_error = Text(r[9]);
  if (!store::IsNull(r[10])) d.delivered_at = FromEpochSeconds(Int(r[10]));
  return d;
}

constexpr std::string_view kDeliveryColumns =
    "d.seq, d.webhook_id, d.notification_id, d.kind, d.body, d.status, d.attempts, "
    "d.next_attempt_at, d.last_status, d.last_error, d.delivered_at";

}  // namespace

HttpUrl SplitHttpUrl(std::string_view url) {
  HttpUrl u;
  u.tls = url.starts_with("https://");
  const std::string_view rest = url.substr(SchemeLength(url));
  const size_t slash = rest.find_first_of("/?#");
  u.host_port = std::string(rest.substr(0, slash));
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  u.host = u.host_port;
  u.port = u.tls ? "443" : "80";
  if (!u.host_port.empty() && u.host_port.front() == '[') {  // [IPv6]:port
    const size_t close = u.host_port.find(']');
    u.host = u.host_port.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < u.host_port.size() &&
        u.host_port[close + 1] == ':') {
      u.port = u.host_port.substr(close + 2);
    }
  } else if (const size_t colon = u.host_port.rfind(':'); colon != std::string::npos) {
    u.host = u.host_port.substr(0, colon);
    u.port = u.host_port.substr(colon + 1);
  }
  return u;
}

common::Result<Webhook> CreateWebhook(store::Connection& c, std::string_view tenant_id,
                                      std::string_view url, std::string_view secret,
                                      std::string_view secrets_key, common::Instant now,
                                      bool allow_private) {
  if (!ValidHttpUrl(url)) {
    return common::Fail(common::Code::kInvalidOption,
                        "url must be an https:// or http:// URL with a host, like "
                        "https://hooks.example.com/rampart",
                        "url");
  }
  if (auto why = allow_private ? std::nullopt : WhyNotPublicHost(url)) {
    return common::Fail(common::Code::kInvalidOption,
                        *why + ": webhooks go to public addresses only", "url");
  }
  if (!secret.empty() && (secret.size() < 16 || secret.size() > 200)) {
    return common::Fail(common::Code::kInvalidOption, "secret must be 16 to 200 characters",
                        "secret");
  }
  auto count = RAMPART_TRY(
      c.Query("SELECT count(*) FROM webhooks WHERE tenant_id = $1 AND deleted_at IS NULL",
              {std::string(tenant_id)}));
  if (Int(count[0][0]) >= kMaxWebhooks) {
    return common::Fail(common::Code::kLimitExceeded, "a tenant has at most 10 webhooks", "url");
  }
  Webhook w;
  w.id = common::NewId("whk");
  w.url = std::string(url);
  // Standard Webhooks' form: "whsec_" and the base64 of the key's bytes.
  w.secret = secret.empty() ? "whsec_" + common::Base64Encode(common::RandomBytes(24))
                            : std::string(secret);
  w.created_at = now;
  auto q = RAMPART_TRY(c.Query(
      "INSERT INTO webhooks (id, tenant_id, url, secret, created_at) VALUES ($1, $2, $3, $4, $5) "
      "RETURNING seq",
      {w.id, std::string(tenant_id), w.url, common::Seal(secrets_key, w.secret),
       EpochSeconds(now)}));
  w.seq = Int(q[0][0]);
  return w;
}

common::Result<std::vector<Webhook>> ListWebhooks(store::Connection& c, std::string_view tenant_id,
                                                  int64_t after_seq, int64_t limit) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT seq, id, url, created_at FROM webhooks WHERE tenant_id = $1 AND deleted_at IS NULL "
      "AND seq > $2 ORDER BY seq LIMIT $3",
      {std::string(tenant_id), after_seq, limit}));
  std::vector<Webhook> out;
  for (const auto& r : rows)
    out.push_back({Int(r[0]), Text(r[1]), Text(r[2]), "", FromEpochSeconds(Int(r[3]))});
  return out;
}

common::Result<void> DeleteWebhook(store::Connection& c, std::string_view tenant_id,
                                   std::string_view id, common::Instant now) {
  auto q = RAMPART_TRY(c.Query(
      "UPDATE webhooks SET deleted_at = $3 WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL "
      "RETURNING id",
      {std::string(id), std::string(tenant_id), EpochSeconds(now)}));
  if (q.empty()) return common::Fail(common::Code::kNotFound, "no such webhook");
  RAMPART_TRY(c.Query(
      "UPDATE webhook_deliveries SET status = 'cancelled' WHERE webhook_id = $1 AND status = "
      "'pending'",
      {std::string(id)}));
  return {};
}

common::Result<void> EnqueueDeliveries(store::Connection& c, std::string_view tenant_id,
                                       std::string_view notification_id, std::string_view kind,
                                       std::string_view body, common::Instant now) {
  RAMPART_TRY(
      c.Query("INSERT INTO webhook_deliveries (webhook_id, notification_id, kind, body, status, "
              "next_attempt_at) SELECT id, $2, $3, $4, 'pending', $5 FROM webhooks "
              "WHERE tenant_id = $1 AND deleted_at IS NULL",
              {std::string(tenant_id), std::string(notification_id), std::string(kind),
               std::string(body), EpochSeconds(now)}));
  return {};
}

common::Result<std::vector<Delivery>> ListDeliveries(store::Connection& c,
                                                     std::string_view tenant_id,
                                                     std::string_view webhook_id, int64_t after_seq,
                                                     int64_t limit) {
  auto owner = RAMPART_TRY(c.Query("SELECT count(*) FROM webhooks WHERE id = $1 AND tenant_id = $2",
                                   {std::string(webhook_id), std::string(tenant_id)}));
  if (Int(owner[0][0]) == 0) return common::Fail(common::Code::kNotFound, "no such webhook");
  auto rows =
      RAMPART_TRY(c.Query("SELECT " + std::string(kDeliveryColumns) +
                              " FROM webhook_deliveries d WHERE d.webhook_id = $1 AND d.seq > $2 "
                              "ORDER BY d.seq LIMIT $3",
                          {std::string(webhook_id), after_seq, limit}));
  std::vector<Delivery> out;
  for (const auto& r : rows) out.push_back(DeliveryFrom(r));
  return out;
}

common::Result<std::vector<Delivery>> DueDeliveries(store::Connection& c, common::Instant now,
                                                    int64_t limit) {
  auto rows =
      RAMPART_TRY(c.Query("SELECT " + std::string(kDeliveryColumns) +
                              ", w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON "
                              "w.id = d.webhook_id WHERE d.seq IN (SELECT min(seq) FROM "
                              "webhook_deliveries WHERE status = 'pending' GROUP BY webhook_id) "
                              "AND d.next_attempt_at <= $1 AND w.deleted_at IS NULL "
                              "ORDER BY d.seq LIMIT $2",
                          {EpochSeconds(now), limit}));
  std::vector<Delivery> out;
  for (const auto& r : rows) {
    out.push_back(DeliveryFrom(r));
    out.back().url = Text(r[11]);
    out.back().secret = Text(r[12]);
    // Claimed for a minute (a lease): another sender (another node) leaves it alone while
    // it is being sent; if this one dies, the delivery is due again after the lease.
    auto claimed = c.Query(
        "UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE seq = $1 AND "
        "next_attempt_at <= $3 RETURNING seq",
        {out.back().seq, EpochSeconds(now) + kClaimLeaseSeconds, EpochSeconds(now)});
    if (!claimed) return std::unexpected(claimed.error());
    if (claimed->empty()) out.pop_back();  // another sender claimed it first
  }
  return out;
}

common::Result<void> RecordAttempt(store::Connection& c, int64_t delivery_seq, bool ok,
                                   std::optional<int64_t> http_status, std::string_view error,
                                   common::Instant now) {
  auto rows = RAMPART_TRY(
      c.Query("SELECT attempts FROM webhook_deliveries WHERE seq = $1", {delivery_seq}));
  if (rows.empty()) return {};
  const int64_t attempts = Int(rows[0][0]) + 1;
  const int64_t backoff = jobs::JobBackoff(attempts).count();  // 10 s doubling, at most 1 h
  const std::string status = ok ? "delivered" : (attempts >= kMaxAttempts ? "failed" : "pending");
  RAMPART_TRY(c.Query(
      "UPDATE webhook_deliveries SET attempts = $2, status = $3, last_status = $4, last_error = "
      "$5, next_attempt_at = $6, delivered_at = $7 WHERE seq = $1 AND status = 'pending'",
      {delivery_seq, attempts, status, http_status ? Value{*http_status} : Value{},
       std::string(error), EpochSeconds(now) + (ok ? 0 : backoff),
       ok ? Value{EpochSeconds(now)} : Value{}}));
  return {};
}

std::string StandardWebhookKey(std::string_view secret) {
  if (secret.starts_with("whsec_")) {
    if (auto key = common::Base64Decode(secret.substr(6))) return *key;
  }
  return std::string(secret);
}

common::Result<int64_t> SealSecretsAtRest(store::Connection& c, std::string_view secrets_key) {
  constexpr std::string_view kProbe = "rampart secrets key";
  auto check = RAMPART_TRY(store::ReadMetaText(c, store::MetaKey::kSecretsKeyCheck));
  if (!check) {
    RAMPART_TRY(store::WriteMetaText(c, store::MetaKey::kSecretsKeyCheck,
                                     common::Seal(secrets_key, kProbe)));
  } else if (common::Open(secrets_key, *check) != kProbe) {
    return common::Fail(common::Code::kSecretsKeyMismatch,
                        "the secrets key is not the one this database's secrets were sealed "
                        "with: give every node the same --secrets-key-file");
  }
  auto clear =
      RAMPART_TRY(c.Query("SELECT seq, secret FROM webhooks WHERE secret NOT LIKE 'v1.%'"));
  for (const auto& r : clear) {
    auto q = c.Query("UPDATE webhooks SET secret = $2 WHERE seq = $1",
                     {Int(r[0]), common::Seal(secrets_key, Text(r[1]))});
    if (!q) return std::unexpected(q.error());
  }
  return static_cast<int64_t>(clear.size());
}

}  // namespace rampart::notify
