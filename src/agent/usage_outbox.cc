#include "agent/usage_outbox.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>

namespace rampart::agent {

bool ValidSourceName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

UsageOutbox::UsageOutbox(std::string log_prefix, size_t max_batches)
    : log_prefix_(std::move(log_prefix)), max_batches_(max_batches) {}

UsageOutbox::~UsageOutbox() {
  stop_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

common::Result<void> UsageOutbox::Start(const std::string& server, const std::string& key,
                                        const std::string& ca_file) {
  auto client = RAMPART_TRY(ApiClient::Create(server, key, ca_file));
  client_ = std::move(client);
  thread_ = std::thread([this] { Run(); });
  return {};
}

void UsageOutbox::Push(UsageBatch batch) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(batch));
  changed_ = true;
  while (queue_.size() > max_batches_) {
    queue_.pop_front();
    ++stats_.batches_dropped;
    std::cerr << log_prefix_ << ": the spool holds " << max_batches_
              << " batches: the oldest was dropped\n";
  }
  wake_.notify_all();
}

void UsageOutbox::MarkPersisted(uint64_t seq) {
  std::lock_guard lock(mu_);
  persisted_seq_ = std::max(persisted_seq_, seq);
  wake_.notify_all();
}

bool UsageOutbox::Drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return wake_.wait_for(lock, timeout, [&] { return queue_.empty(); });
}

void UsageOutbox::With(const std::function<void(std::deque<UsageBatch>&)>& f) {
  std::lock_guard lock(mu_);
  f(queue_);
}

bool UsageOutbox::TakeChanged() {
  std::lock_guard lock(mu_);
  return std::exchange(changed_, false);
}

UsageOutbox::Stats UsageOutbox::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.queued = queue_.size();
  return s;
}

void UsageOutbox::Run() {
  int backoff_s = 1;
  while (!stop_) {
    UsageBatch batch;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(500), [&] {
        return stop_ || (!queue_.empty() && queue_.front().seq <= persisted_seq_);
      });
      if (stop_) return;
      if (queue_.empty() || queue_.front().seq > persisted_seq_) continue;
      batch = queue_.front();
    }
    auto reply =
        client_->Call("POST", "/v1/usage", batch.body,
                      {{"Content-Type", "application/x-ndjson"}, {"Idempotency-Key", batch.id}});
    const bool done = reply && reply->status == 200;
    const bool refused = reply && (reply->status == 400 || reply->status == 413);
    if (done || refused) {
      size_t rejected = 0;
      std::string first_rejected;
      if (done) {
        boost::system::error_code ec;
        auto v = boost::json::parse(reply->body, ec);
        if (!ec && v.is_object() && v.as_object().contains("rejected") &&
            v.at("rejected").is_array()) {
          const auto& list = v.at("rejected").as_array();
          rejected = list.size();
          if (!list.empty()) first_rejected = boost::json::serialize(list[0]);
        }
      }
      std::lock_guard lock(mu_);
      if (!queue_.empty() && queue_.front().seq == batch.seq) queue_.pop_front();
      changed_ = true;
      backoff_s = 1;
      if (done) {
        ++stats_.batches_posted;
        stats_.samples_posted += batch.samples;
        stats_.samples_rejected += rejected;
        if (rejected > 0) {
          std::cerr << log_prefix_ << ": the server refused " << rejected << " of " << batch.samples
                    << " samples of batch " << batch.id << ", first: " << first_rejected << "\n";
        }
      } else {
        ++stats_.batches_dropped;
        std::cerr << log_prefix_ << ": batch " << batch.id << " refused (" << reply->status
                  << "), dropped: " << reply->body.substr(0, 300) << "\n";
      }
      wake_.notify_all();
      continue;
    }
    {
      std::lock_guard lock(mu_);
      ++stats_.post_failures;
    }
    std::cerr << log_prefix_ << ": posting batch " << batch.id << " failed ("
              << (reply ? "HTTP " + std::to_string(reply->status) : reply.error().message)
              << "); retrying in " << backoff_s << " s\n";
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, std::chrono::seconds(backoff_s), [&] { return stop_.load(); });
    backoff_s = std::min(backoff_s * 2, 30);
  }
}

}  // namespace rampart::agent
