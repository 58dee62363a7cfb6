#include "api/webhook_sender.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>
#include <thread>

#include "common/address_policy.h"
#include "common/crypto.h"
#include "common/ip_address.h"
#include "notify/webhooks.h"

namespace rampart::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

struct Outcome {
  bool ok = false;
  std::optional<int64_t> status;
  std::string error;
};

// Sends `req` over a connected (and, for TLS, handshaken) stream and reads the answer, each
// step within `timeout`.
template <typename Stream>
awaitable<Outcome> Exchange(Stream& stream, http::request<http::string_body>& req,
                            std::chrono::seconds timeout) {
  Outcome out;
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await http::async_write(stream, req, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    out.error = "cannot send: " + ec.message();
    co_return out;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);  // the answer's body is not used; do not let it be large
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    out.error = "no answer: " + ec.message();
    co_return out;
  }
  out.status = parser.get().result_int();
  out.ok = *out.status >= 200 && *out.status < 300;
  if (!out.ok) out.error = "the receiver answered " + std::to_string(*out.status);
  co_return out;
}

}  // namespace

struct WebhookSender::Impl {
  Impl(store::Database& db, common::Clock& clock, WebhookSenderOptions options)
      : db(db), clock(clock), o(std::move(options)), tls(ssl::context::tls_client) {
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls.set_verify_mode(ssl::verify_peer);
    tls.set_default_verify_paths();
    if (!o.ca_file.empty()) {
      beast::error_code ec;
      tls.load_verify_file(o.ca_file, ec);
      if (ec) throw std::runtime_error("--webhook-ca " + o.ca_file + ": " + ec.message());
    }
  }

  // Resolves, checks every address against the address policy, connects, (TLS) handshakes,
  // and exchanges.
  awaitable<Outcome> Post(const notify::Delivery& d, const std::string& secret, int64_t timestamp) {
    Outcome out;
    const notify::HttpUrl url = notify::SplitHttpUrl(d.url);
    auto executor = co_await asio::this_coro::executor;
    beast::error_code ec;
    tcp::resolver resolver(executor);
    const auto endpoints = co_await resolver.async_resolve(url.host, url.port,
                                                           asio::redirect_error(use_awaitable, ec));
    if (ec) {
      out.error = "cannot resolve " + url.host + ": " + ec.message();
      co_return out;
    }
    if (!o.allow_private) {
      for (const auto& e : endpoints) {
        const std::string address = e.endpoint().address().to_string();
        const auto ip = common::IpAddress::Parse(address);
        const auto why = ip ? common::WhyNotPublic(*ip) : std::optional<std::string>("unparsable");
        if (why) {
          out.error = url.host + " resolves to a private address (" + address + ", " + *why +
                      "); webhooks go to public addresses only";
          co_return out;
        }
      }
    }
    http::request<http::string_body> req(http::verb::post, url.target, 11);
    const std::string ts = std::to_string(timestamp);
    req.set(http::field::host, url.host_port);
    req.set(http::field::user_agent, "rampart-webhooks");
    req.set(http::field::content_type, "application/json");
    req.set("webhook-id", d.notification_id);
    req.set("webhook-timestamp", ts);
    req.set("webhook-signature",
            "v1," + common::HmacSha256Base64(notify::StandardWebhookKey(secret),
                                             d.notification_id + "." + ts + "." + d.body));
    req.set("Rampart-Event", d.kind);
    req.set("Rampart-Delivery", d.notification_id);
    req.set("Rampart-Timestamp", ts);
    req.set("Rampart-Signature", "v1=" + common::HmacSha256Hex(secret, ts + "." + d.body));
    req.body() = d.body;
    req.prepare_payload();

    beast::tcp_stream stream(executor);
    stream.expires_after(o.timeout);
    co_await stream.async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      out.error = "cannot connect: " + ec.message();
      co_return out;
    }
    if (!url.tls) co_return co_await Exchange(stream, req, o.timeout);

    beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), tls);
    const bool literal = common::IpAddress::Parse(url.host).has_value();
    if (!literal) SSL_set_tlsext_host_name(secure.native_handle(), url.host.c_str());  // SNI
    secure.set_verify_callback(ssl::host_name_verification(url.host));
    beast::get_lowest_layer(secure).expires_after(o.timeout);
    co_await secure.async_handshake(ssl::stream_base::client,
                                    asio::redirect_error(use_awaitable, ec));
    if (ec) {
      out.error = "TLS handshake failed: " + ec.message();
      co_return out;
    }
    co_return co_await Exchange(secure, req, o.timeout);
  }

  // One delivery: open the secret, post, record the attempt.
  awaitable<void> Deliver(notify::Delivery d) {
    Outcome outcome;
    if (auto secret = common::Open(o.secrets_key, d.secret)) {
      // The signatures' timestamp is the wall clock's even on a simulated clock: receivers
      // check it against their own clock to refuse replays.
      const auto sent_at = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch());
      outcome = co_await Post(d, *secret, sent_at.count());
    } else {
      outcome.error = "the webhook's secret cannot be opened with this server's secrets key";
    }
    auto recorded = db.Transact([&](store::Connection& c) {
      return notify::RecordAttempt(c, d.seq, outcome.ok, outcome.status, outcome.error,
                                   clock.Now());
    });
    if (!recorded) spdlog::error("webhooks: {}", recorded.error().message);
    --in_flight;
  }

  // Every `poll`: claims what is due, up to the free slots, and starts sending it.
  awaitable<void> Poll() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
      const int free = o.max_in_flight - in_flight.load();
      if (free > 0) {
        auto due = db.Transact(
            [&](store::Connection& c) { return notify::DueDeliveries(c, clock.Now(), free); });
        if (!due) {
          spdlog::error("webhooks: {}", due.error().message);
        } else {
          for (auto& d : *due) {
            ++in_flight;
            asio::co_spawn(io, Deliver(std::move(d)), asio::detached);
          }
        }
      }
      timer.expires_after(o.poll);
      beast::error_code ec;
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }

  store::Database& db;
  common::Clock& clock;
  WebhookSenderOptions o;
  ssl::context tls;
  std::atomic<int> in_flight{0};
  asio::io_context io;  // last: its handlers (coroutine frames) use the members above
  std::thread thread;
};

WebhookSender::WebhookSender(store::Database& db, common::Clock& clock,
                             WebhookSenderOptions options)
    : impl_(std::make_unique<Impl>(db, clock, std::move(options))) {}

WebhookSender::~WebhookSender() { Stop(); }

void WebhookSender::Start() {
  asio::co_spawn(impl_->io, impl_->Poll(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

void WebhookSender::Stop() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace rampart::api
