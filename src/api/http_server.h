// HttpServer: HTTP/1.1 on Boost.Beast with a fixed pool of threads (no thread per
// connection). Enforces the request limits: a body over `body_limit` answers 413, a client
// that is slow to send a request or idle between requests is disconnected after the
// timeouts. Stop() is graceful: it stops accepting, lets requests being handled finish and
// answer, closes idle connections, then joins the threads.
//
// The handler is called on the server's threads, possibly concurrently; it must be
// thread-safe. The server owns its threads; Start/Stop from one controlling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/http.h"
#include "common/error.h"

namespace rampart::api {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port
  int threads = 2;
  size_t body_limit = 1 << 20;
  size_t usage_body_limit = kUsageBodyLimit;  // POST /v1/usage: batches of samples
  std::chrono::seconds request_timeout{30};   // to receive a whole request
  std::chrono::seconds idle_timeout{60};      // between requests on a kept-alive connection
  // Open connections at most; one more is closed as soon as it is accepted, so descriptors
  // are never exhausted by connections alone.
  int max_connections = 4096;
  // With both, HTTPS only (TLS 1.2+): plain HTTP is not served on the port.
  std::string tls_cert;  // PEM certificate chain
  std::string tls_key;   // PEM private key
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; returns the bound port. `io_error` when the address is taken.
  // An accept that fails (EMFILE, ENFILE, ENOBUFS, ...) is logged and retried after a short
  // back-off: the listener never stops for good while the server runs.
  common::Result<uint16_t> Start();
  void Stop();
  // Reads the TLS certificate and key again (SIGHUP): new connections get them, open ones
  // keep theirs. On an error the old ones stay in use. Thread-safe.
  common::Result<void> ReloadTls();

  struct Impl;  // opaque: Beast and Asio stay out of this header

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rampart::api
