#include "agent/metrics_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace rampart::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct MetricsServer::Impl {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io};
  std::function<std::string()> render;
  std::thread thread;

  void Serve(asio::ip::tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(5));
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(stream, buffer, req, ec);
    if (ec) return;
    http::response<http::string_body> res;
    res.version(11);
    res.keep_alive(false);
    if (req.target() == "/metrics") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain; version=0.0.4");
      res.body() = render();
    } else {
      res.result(http::status::not_found);
      res.body() = "try /metrics\n";
    }
    res.prepare_payload();
    http::write(stream, res, ec);
  }

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, asio::ip::tcp::socket socket) {
      if (ec) return;  // closed: stopping
      Serve(std::move(socket));
      Accept();
    });
  }
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->thread.join();
}

uint16_t MetricsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

common::Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::function<std::string()> render) {
  auto impl = std::make_unique<Impl>();
  impl->render = std::move(render);
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos)
    return common::Fail(common::Code::kInvalidOption, address + " is not ADDR:PORT");
  std::string host = address.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  const auto ip = asio::ip::make_address(host, ec);
  int port = -1;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (...) {
  }
  if (ec || port < 0 || port > 65535) {
    return common::Fail(common::Code::kInvalidOption, address + " is not ADDR:PORT");
  }
  const asio::ip::tcp::endpoint endpoint(ip, static_cast<uint16_t>(port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(16, ec);
  if (ec)
    return common::Fail(common::Code::kInvalidOption,
                        "cannot listen on " + address + ": " + ec.message());
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

}  // namespace rampart::agent
