#include "agent/api_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace rampart::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

struct ApiClient::Impl {
  bool tls = false;
  std::string host, port, prefix, key;
  asio::io_context io;
  ssl::context tls_context{ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  void Close() {
    beast::error_code ec;
    if (plain) plain->socket().close(ec);
    if (secure) beast::get_lowest_layer(*secure).socket().close(ec);
    plain.reset();
    secure.reset();
    buffer.clear();
  }

  beast::tcp_stream& Lowest() { return tls ? beast::get_lowest_layer(*secure) : *plain; }

  void Connect(std::chrono::seconds timeout) {
    asio::ip::tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host, port);
    if (tls) {
      secure.emplace(io, tls_context);
      if (!SSL_set_tlsext_host_name(secure->native_handle(), host.c_str())) {
        throw beast::system_error(beast::error_code(static_cast<int>(::ERR_get_error()),
                                                    asio::error::get_ssl_category()));
      }
      secure->set_verify_callback(ssl::host_name_verification(host));
    } else {
      plain.emplace(io);
    }
    Lowest().expires_after(timeout);
    Lowest().connect(endpoints);
    if (tls) {
      Lowest().expires_after(timeout);
      secure->handshake(ssl::stream_base::client);
    }
  }
};

ApiClient::ApiClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiClient::~ApiClient() = default;

common::Result<std::unique_ptr<ApiClient>> ApiClient::Create(const std::string& url,
                                                             const std::string& key,
                                                             const std::string& ca_file) {
  auto impl = std::make_unique<Impl>();
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    impl->tls = true;
    rest = url.substr(8);
  } else {
    return common::Fail(common::Code::kInvalidOption,
                        "--server must be http://HOST:PORT or https://...");
  }
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  impl->prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (!impl->prefix.empty() && impl->prefix.back() == '/') impl->prefix.pop_back();
  if (!authority.empty() && authority.front() == '[') {  // [v6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos)
      return common::Fail(common::Code::kInvalidOption, "bad --server address");
    impl->host = authority.substr(1, close - 1);
    impl->port = close + 1 < authority.size() && authority[close + 1] == ':'
                     ? authority.substr(close + 2)
                     : "";
  } else {
    const size_t colon = authority.rfind(':');
    impl->host = authority.substr(0, colon);
    impl->port = colon == std::string::npos ? "" : authority.substr(colon + 1);
  }
  if (impl->port.empty()) impl->port = impl->tls ? "443" : "80";
  if (impl->host.empty())
    return common::Fail(common::Code::kInvalidOption, "--server names no host");
  impl->key = key;
  if (impl->tls) {
    auto& t = impl->tls_context;
    t.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    t.set_verify_mode(ssl::verify_peer);
    t.set_default_verify_paths();
    if (!ca_file.empty()) {
      beast::error_code ec;
      t.load_verify_file(ca_file, ec);
      if (ec)
        return common::Fail(common::Code::kInvalidOption,
                            "cannot read --ca " + ca_file + ": " + ec.message());
    }
  }
  return std::unique_ptr<ApiClient>(new ApiClient(std::move(impl)));
}

common::Result<ApiReply> ApiClient::Call(const std::string& method, const std::string& target,
                                         const std::string& body,
                                         const std::map<std::string, std::string>& headers) {
  Impl& s = *impl_;
  http::request<http::string_body> req{http::string_to_verb(method), s.prefix + target, 11};
  req.set(http::field::host, s.host);
  req.set(http::field::user_agent, "rampart-agent");
  req.set(http::field::authorization, "Bearer " + s.key);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST" || method == "PUT") {
    if (req[http::field::content_type].empty())
      req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  // A kept-alive connection the server closed meanwhile fails at once: one retry, fresh.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool fresh = !s.plain && !s.secure;
    try {
      if (fresh) s.Connect(timeout);
      http::response<http::string_body> res;
      s.Lowest().expires_after(timeout);
      if (s.tls) {
        http::write(*s.secure, req);
        http::read(*s.secure, s.buffer, res);
      } else {
        http::write(*s.plain, req);
        http::read(*s.plain, s.buffer, res);
      }
      ApiReply out;
      out.status = static_cast<int>(res.result_int());
      out.body = std::move(res.body());
      for (const auto& h : res) out.headers[std::string(h.name_string())] = std::string(h.value());
      if (!res.keep_alive()) s.Close();
      return out;
    } catch (const beast::system_error& e) {
      s.Close();
      if (fresh || attempt == 1) {
        return common::Fail(
            common::Code::kUnreachable,
            "the server at " + s.host + ":" + s.port + " cannot be reached: " + e.code().message());
      }
    } catch (const std::exception& e) {
      s.Close();
      if (fresh || attempt == 1) {
        return common::Fail(common::Code::kUnreachable, "the server at " + s.host + ":" + s.port +
                                                            " cannot be reached: " + e.what());
      }
    }
  }
  return common::Fail(common::Code::kUnreachable, "the server cannot be reached");
}

}  // namespace rampart::agent
