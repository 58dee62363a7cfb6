#include "api/http_server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "api/errors.h"
#include "api/request_target.h"

namespace rampart::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// What Stop() needs of a session, whatever its stream.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection unless a request is being handled (that one finishes first).
  virtual void CloseIfIdle() = 0;
};

// A TLS server context from PEM files: TLS 1.2 or later, the key checked against the chain.
common::Result<std::shared_ptr<ssl::context>> LoadTls(const std::string& cert,
                                                      const std::string& key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  beast::error_code ec;
  ctx->use_certificate_chain_file(cert, ec);
  if (ec)
    return common::Fail(common::Code::kInvalidOption, "--tls-cert " + cert + ": " + ec.message());
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec)
    return common::Fail(common::Code::kInvalidOption, "--tls-key " + key + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return common::Fail(common::Code::kInvalidOption, "--tls-key does not match --tls-cert");
  }
  return ctx;
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<std::weak_ptr<SessionBase>, std::owner_less<std::weak_ptr<SessionBase>>> sessions;
  std::shared_ptr<ssl::context> tls;  // under `mutex`; null: plain HTTP
  std::atomic<bool> stopping{false};
  std::atomic<int> open_connections{0};
  std::unique_ptr<asio::steady_timer> accept_retry;  // on the acceptor's strand
  std::chrono::steady_clock::time_point last_accept_warning{};

  void Accept();
  void RetryAcceptSoon(const beast::error_code& ec);
};

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: reads requests, hands them to the handler, writes the answers. `Stream` is
// a TCP stream, or TLS over one (then the handshake comes first, within the request timeout;
// a client that speaks plain HTTP to a TLS port fails it and is closed).
template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, HttpServer::Impl& server, std::shared_ptr<ssl::context> tls = nullptr)
      : tls_(std::move(tls)), stream_(std::move(stream)), server_(server) {
    ++server_.open_connections;
  }
  ~Session() override { --server_.open_connections; }

  void Start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      Lowest().expires_after(server_.options.request_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return;  // not TLS, or a failed handshake: close
                                self->Read(self->server_.options.request_timeout);
                              });
    } else {
      Read(server_.options.request_timeout);
    }
  }

  void CloseIfIdle() override {
    asio::post(Lowest().get_executor(), [self = this->shared_from_this()] {
      if (!self->busy_) {
        beast::error_code ec;
        self->Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
        self->Lowest().close();
      }
    });
  }

 private:
  void Read(std::chrono::seconds timeout) {
    parser_.emplace();
    // Beast checks Content-Length against the limit while reading the header, so the header
    // is read under the largest limit and the route's own is applied once the target is known.
    parser_->body_limit(server_.options.usage_body_limit);
    parser_->header_limit(16 * 1024);
    Lowest().expires_after(timeout);
    // The header first: usage ingestion takes larger bodies than everything else.
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->OnRead(ec);
                              if (!self->parser_->get().target().starts_with("/v1/usage")) {
                                const auto length = self->parser_->content_length();
                                if (length && *length > self->server_.options.body_limit) {
                                  return self->OnRead(http::error::body_limit);
                                }
                                self->parser_->body_limit(self->server_.options.body_limit);
                              }
                              // Beast reads as much as the buffer's spare capacity (512 bytes at
                              // least, 64 KiB at most): without room a megabyte body arrives in
                              // thousands of tiny reads, each a trip through the reactor. Room for
                              // 64 KiB reads made loopback ingestion ~8x faster.
                              const auto length = self->parser_->content_length();
                              if (length && *length > 16 * 1024) self->buffer_.reserve(64 * 1024);
                              http::async_read(
                                  self->stream_, self->buffer_, *self->parser_,
                                  [self](beast::error_code ec2, size_t) { self->OnRead(ec2); });
                            });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      HttpResponse r{
          413,
          "application/json",
          R"({"error":{"code":"payload_too_large","message":"the body is too large: 1 MiB at most, 32 MiB for /v1/usage","details":{}}})",
          {}};
      Write(std::move(r), false, 11);
      return;
    }
    if (ec == http::error::header_limit) {
      return Refuse(common::Code::kRequestHeaderFieldsTooLarge,
                    "the request's header is over 16 KiB");
    }
    // A malformed request (RFC 9112: bad framing, two Content-Lengths, Transfer-Encoding
    // with Content-Length, a bad chunk size, ...) is answered, then the connection closed:
    // what follows it on the wire cannot be trusted to start a request.
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Refuse(common::Code::kMalformedRequest,
                    "the request is not valid HTTP/1.1: " + ec.message());
    }
    if (ec) return;  // closed or timed out: nobody to answer
    auto& msg = parser_->get();
    if (auto te = msg[http::field::transfer_encoding];
        !te.empty() && !beast::iequals(te, "chunked")) {
      return Refuse(common::Code::kNotImplemented,
                    "Transfer-Encoding " + std::string(te) + " is not supported (chunked only)");
    }
    if (msg.version() >= 11 && msg.count(http::field::host) != 1) {
      return Refuse(common::Code::kMalformedRequest,
                    "an HTTP/1.1 request needs exactly one Host header");
    }
    if (msg.count(http::field::authorization) > 1 || msg.count(http::field::content_type) > 1) {
      return Refuse(common::Code::kMalformedRequest,
                    "Authorization and Content-Type may appear once");
    }
    busy_ = true;
    HttpRequest req;
    req.method = std::string(msg.method_string());
    ParseRequestTarget(msg.target(), &req);
    req.body = std::move(msg.body());
    req.authorization = std::string(msg[http::field::authorization]);
    req.idempotency_key = std::string(msg["Idempotency-Key"]);
    req.if_none_match = std::string(msg[http::field::if_none_match]);
    req.content_type = std::string(msg[http::field::content_type]);
    req.content_encoding = std::string(msg[http::field::content_encoding]);
    req.accept = std::string(msg[http::field::accept]);
    req.accept_encoding = std::string(msg[http::field::accept_encoding]);
    beast::error_code addr_ec;
    const auto remote = Lowest().socket().remote_endpoint(addr_ec);
    if (!addr_ec) req.remote_address = remote.address().to_string();
    HttpResponse resp = server_.handler(req);
    if (resp.poll) return LongPoll(std::move(resp), msg.keep_alive(), msg.version());
    Write(std::move(resp), msg.keep_alive(), msg.version());
  }

  // Asks `resp.poll` again each second until it answers or `resp.wait_until` passes (or the
  // server stops), then writes. A timer on the connection's executor: no thread is held.
  void LongPoll(HttpResponse resp, bool keep_alive, unsigned version) {
    const auto now = std::chrono::steady_clock::now();
    if (server_.stopping || now >= resp.wait_until) {
      resp.poll = nullptr;
      return Write(std::move(resp), keep_alive, version);
    }
    if (!poll_timer_) poll_timer_.emplace(Lowest().get_executor());
    poll_timer_->expires_after(std::min<std::chrono::steady_clock::duration>(
        std::chrono::seconds(1), resp.wait_until - now));
    auto waiting = std::make_shared<HttpResponse>(std::move(resp));
    poll_timer_->async_wait(
        [self = this->shared_from_this(), waiting, keep_alive, version](beast::error_code ec) {
          if (ec) return;
          if (!self->server_.stopping) {
            if (auto answer = waiting->poll()) {
              return self->Write(std::move(*answer), keep_alive, version);
            }
          }
          self->LongPoll(std::move(*waiting), keep_alive, version);
        });
  }

  // Answers a request that cannot be handled and closes the connection.
  void Refuse(common::Code code, const std::string& message) {
    Write(ErrorResponse(code, message), false, 11);
  }

  void Write(HttpResponse resp, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(resp.status), version);
    res->set(http::field::server, "rampart");
    res->set(http::field::content_type, resp.content_type);
    for (const auto& [k, v] : resp.headers) res->set(k, v);
    res->keep_alive(keep_alive && !server_.stopping);
    res->body() = std::move(resp.body);
    res->prepare_payload();
    Lowest().expires_after(server_.options.request_timeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        self->busy_ = false;
                        if (ec || !res->keep_alive()) {
                          beast::error_code ignored;
                          self->Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
                          // A client still sending (a refused large body) must read our
                          // answer before the connection goes: read and drop what it
                          // sends, briefly, instead of resetting the connection.
                          if (!ec) self->Drain(0);
                          return;
                        }
                        self->Read(self->server_.options.idle_timeout);
                      });
  }

  void Drain(size_t drained) {
    constexpr size_t kMaxDrain = 64 << 20;
    if (drained == 0) Lowest().expires_after(std::chrono::seconds(5));
    stream_.async_read_some(asio::buffer(scratch_), [self = this->shared_from_this(), drained](
                                                        beast::error_code ec, size_t n) {
      if (ec || drained + n > kMaxDrain) return;  // EOF, timeout or enough: close
      self->Drain(drained + n);
    });
  }

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  std::shared_ptr<ssl::context> tls_;  // outlives stream_, which refers to it
  Stream stream_;
  std::array<char, 16384> scratch_{};
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl& server_;
  bool busy_ = false;                             // touched only on the session's strand
  std::optional<asio::steady_timer> poll_timer_;  // long polls (LongPoll)
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor->async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping || !acceptor->is_open()) {
      beast::error_code ignored;
      socket.close(ignored);
      return;  // the acceptor was closed: the server is stopping
    }
    if (ec) return RetryAcceptSoon(ec);
    if (open_connections.load() >= options.max_connections) {
      // Over the limit: closed at once, before it costs anything more than its descriptor.
      beast::error_code ignored;
      socket.close(ignored);
      return Accept();
    }
    std::shared_ptr<ssl::context> context;
    {
      std::lock_guard lock(mutex);
      context = tls;
    }
    std::shared_ptr<SessionBase> session;
    if (context) {
      auto s = std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *context), *this,
                                                    context);
      s->Start();
      session = s;
    } else {
      auto s = std::make_shared<Session<PlainStream>>(PlainStream(std::move(socket)), *this);
      s->Start();
      session = s;
    }
    {
      std::lock_guard lock(mutex);
      for (auto it = sessions.begin(); it != sessions.end();) {
        it = it->expired() ? sessions.erase(it) : std::next(it);
      }
      sessions.insert(session);
    }
    Accept();
  });
}

void HttpServer::Impl::RetryAcceptSoon(const beast::error_code& ec) {
  // Out of descriptors (or buffers) the connection stays in the backlog: accepting again at
  // once would spin. Wait a little, say so at most once a second, and try again.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_accept_warning > std::chrono::seconds(1)) {
    spdlog::warn("http: accept failed ({}); retrying in 100 ms", ec.message());
    last_accept_warning = now;
  }
  if (!accept_retry) accept_retry = std::make_unique<asio::steady_timer>(acceptor->get_executor());
  accept_retry->expires_after(std::chrono::milliseconds(100));
  accept_retry->async_wait([this](beast::error_code timer_ec) {
    if (timer_ec || stopping) return;
    Accept();
  });
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(); }

common::Result<void> HttpServer::ReloadTls() {
  if (impl_->options.tls_cert.empty()) return {};
  auto ctx = RAMPART_TRY(LoadTls(impl_->options.tls_cert, impl_->options.tls_key));
  std::lock_guard lock(impl_->mutex);
  impl_->tls = std::move(ctx);
  return {};
}

common::Result<uint16_t> HttpServer::Start() {
  RAMPART_TRY(ReloadTls());
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.address, ec);
  if (ec)
    return common::Fail(common::Code::kInvalidOption,
                        "--listen: \"" + impl_->options.address + "\" is not an IP address");
  const tcp::endpoint endpoint(address, impl_->options.port);
  auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(impl_->io));
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return common::Fail(common::Code::kIoError, "cannot listen on " + impl_->options.address + ":" +
                                                    std::to_string(impl_->options.port) + ": " +
                                                    ec.message());
  }
  const uint16_t port = acceptor->local_endpoint().port();
  impl_->acceptor = std::move(acceptor);
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return port;
}

void HttpServer::Stop() {
  if (!impl_ || impl_->threads.empty() || impl_->stopping.exchange(true)) return;
  asio::post(impl_->acceptor->get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
    if (impl_->accept_retry) impl_->accept_retry->cancel();
  });
  {
    std::lock_guard lock(impl_->mutex);
    for (const auto& weak : impl_->sessions) {
      if (auto s = weak.lock()) s->CloseIfIdle();
    }
  }
  // The threads return once every session has ended: in-flight requests finish and answer
  // (their connection is then closed), idle ones were closed above.
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace rampart::api
