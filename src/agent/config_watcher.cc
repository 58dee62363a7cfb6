#include "agent/config_watcher.h"

#include <boost/json/parse.hpp>
#include <chrono>
#include <iostream>

namespace rampart::agent {
namespace {

int64_t NowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

common::Result<std::unique_ptr<ConfigWatcher>> ConfigWatcher::Start(
    const std::string& server, const std::string& key, const std::string& ca_file,
    std::string version, std::string log_prefix, OnChange on_change) {
  auto client = RAMPART_TRY(ApiClient::Create(server, key, ca_file));
  std::unique_ptr<ConfigWatcher> w(new ConfigWatcher());
  w->client_ = std::move(client);
  w->client_->timeout = std::chrono::seconds(5);
  w->log_prefix_ = std::move(log_prefix);
  w->on_change_ = std::move(on_change);
  w->stats_.version = std::move(version);
  w->thread_ = std::thread([p = w.get()] { p->Run(); });
  return w;
}

ConfigWatcher::~ConfigWatcher() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

ConfigWatcher::Stats ConfigWatcher::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void ConfigWatcher::Run() {
  std::string last_error;
  while (!stop_) {
    const std::string version = stats().version;
    // A short long poll: the server answers as soon as the document changes, or 304 after
    // 2 s; short, so a stopping agent never waits long on it.
    std::map<std::string, std::string> headers;
    if (!version.empty()) headers["If-None-Match"] = "\"" + version + "\"";
    auto reply = client_->Call(
        "GET", version.empty() ? "/v1/dataplane/config" : "/v1/dataplane/config?wait=2", "",
        headers);
    const bool answered = reply && (reply->status == 200 || reply->status == 304);
    std::string why;
    bool changed = false;
    if (reply && reply->status == 200) {
      boost::system::error_code ec;
      auto doc = boost::json::parse(reply->body, ec);
      const auto* v = !ec && doc.is_object() ? doc.as_object().if_contains("version") : nullptr;
      if (v == nullptr || !v->is_string()) {
        why = "the document is not JSON with a version";
      } else if (auto taken = on_change_(doc, reply->body); !taken) {
        why = "the document was refused: " + taken.error().message;
      } else {
        std::lock_guard lock(mu_);
        stats_.version = std::string(v->as_string());
        ++stats_.updates;
        changed = true;
      }
    } else if (!answered) {
      why = reply ? "HTTP " + std::to_string(reply->status) + " " + reply->body.substr(0, 200)
                  : reply.error().message;
    }
    {
      std::lock_guard lock(mu_);
      if (answered) stats_.fetched_at_s = NowS();
      if (!why.empty()) ++stats_.failures;
    }
    if (!why.empty() && why != last_error) {  // said once, not every 2 s
      std::cerr << log_prefix_ << ": reading the configuration failed (" << why
                << "); the last one stays in force\n";
    }
    last_error = why;
    // The wait was the server's (a 304 after the long poll, or a new version to confirm).
    if (why.empty() && (changed || reply->status == 304)) continue;
    for (int i = 0; i < 20 && !stop_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace rampart::agent
