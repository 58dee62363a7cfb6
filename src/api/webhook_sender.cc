#include "api/webhook_sender.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include "common/address_policy.h"
#include "common/crypto.h"
#include "common/ip_address.h"
#include "lifecycle/webhooks.h"

namespace rampart::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

struct Outcome {
  bool ok = false;
  std::optional<int64_t> status;
  std::string error;
};

// POSTs `body` to an http:// URL (validated when the webhook was created). Unless
// `allow_private`, every address the host resolves to must pass the address policy.
Outcome Post(const lifecycle::Delivery& d, int64_t timestamp, std::chrono::seconds timeout,
             bool allow_private) {
  Outcome out;
  const lifecycle::HttpUrl url = lifecycle::SplitHttpUrl(d.url);
  const std::string& host = url.host;
  const std::string& host_port = url.host_port;
  const std::string& target = url.target;
  const std::string& port = url.port;
  boost::asio::io_context io;
  beast::error_code ec;
  boost::asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, port, ec);
  if (ec) {
    out.error = "cannot resolve " + host + ": " + ec.message();
    return out;
  }
  if (!allow_private) {
    for (const auto& e : endpoints) {
      const auto ip = common::IpAddress::Parse(e.endpoint().address().to_string());
      const auto why = ip ? common::WhyNotPublic(*ip) : std::optional<std::string>("unparsable");
      if (why) {
        out.error = host + " resolves to a private address (" + e.endpoint().address().to_string() +
                    ", " + *why + "); webhooks go to public addresses only";
        return out;
      }
    }
  }
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  stream.connect(endpoints, ec);
  if (ec) {
    out.error = "cannot connect: " + ec.message();
    return out;
  }
  http::request<http::string_body> req(http::verb::post, target, 11);
  req.set(http::field::host, host_port);
  req.set(http::field::user_agent, "rampart-webhooks");
  req.set(http::field::content_type, "application/json");
  req.set("Rampart-Event", d.kind);
  req.set("Rampart-Delivery", d.notification_id);
  req.set("Rampart-Timestamp", std::to_string(timestamp));
  req.set("Rampart-Signature",
          "v1=" + common::HmacSha256Hex(d.secret, std::to_string(timestamp) + "." + d.body));
  req.body() = d.body;
  req.prepare_payload();
  stream.expires_after(timeout);
  http::write(stream, req, ec);
  if (ec) {
    out.error = "cannot send: " + ec.message();
    return out;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);  // the answer's body is not used; do not let it be large
  http::read(stream, buffer, parser, ec);
  if (ec) {
    out.error = "no answer: " + ec.message();
    return out;
  }
  out.status = parser.get().result_int();
  out.ok = *out.status >= 200 && *out.status < 300;
  if (!out.ok) out.error = "the receiver answered " + std::to_string(*out.status);
  return out;
}

}  // namespace

int WebhookSender::RunOnce() {
  auto due = db_.Transact(
      [&](store::Connection& c) { return lifecycle::DueDeliveries(c, clock_.Now(), 50); });
  if (!due) {
    spdlog::error("webhooks: {}", due.error().message);
    return 0;
  }
  for (const auto& d : *due) {
    const Outcome o = Post(d, clock_.Now().time_since_epoch().count(), timeout_, allow_private_);
    auto recorded = db_.Transact([&](store::Connection& c) {
      return lifecycle::RecordAttempt(c, d.seq, o.ok, o.status, o.error, clock_.Now());
    });
    if (!recorded) spdlog::error("webhooks: {}", recorded.error().message);
  }
  return static_cast<int>(due->size());
}

void WebhookSender::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      const int sent = RunOnce();
      lock.lock();
      if (sent == 0) wake_.wait_for(lock, poll_, [this] { return stopping_; });
    }
  });
}

void WebhookSender::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace rampart::api
