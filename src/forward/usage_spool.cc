#include "forward/usage_spool.h"

#include <algorithm>
#include <iostream>
#include <map>

#include "common/file_io.h"

namespace rampart::forward {

namespace fs = std::filesystem;

common::Result<std::unique_ptr<UsageSpool>> UsageSpool::Open(const fs::path& dir,
                                                             std::function<void(uint64_t)> on_saved,
                                                             UsageState* restored) {
  *restored = {};
  const fs::path usage = dir / "usage";
  std::error_code ec;
  if (fs::exists(usage, ec)) {
    auto text = RAMPART_TRY(common::ReadFile(usage));
    auto state = DecodeUsageState(text);
    if (!state) {
      return common::Fail(common::Code::kInvalidState,
                          usage.string() + " is damaged (" + state.error().message + ")");
    }
    restored->next_seq = state->next_seq;
    restored->windows = std::move(state->windows);
  }
  fs::create_directories(dir / "batches", ec);
  if (ec) {
    return common::Fail(common::Code::kIoError,
                        "cannot create " + (dir / "batches").string() + ": " + ec.message());
  }
  std::map<uint64_t, agent::UsageBatch> batches;
  for (const auto& entry : fs::directory_iterator(dir / "batches", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".tmp")) {  // a write cut short
      fs::remove(entry.path(), ec);
      continue;
    }
    auto text = RAMPART_TRY(common::ReadFile(entry.path()));
    auto state = DecodeUsageState(text);
    if (!state || state->batches.size() != 1 || std::to_string(state->batches[0].seq) != name) {
      return common::Fail(common::Code::kInvalidState,
                          entry.path().string() + " is damaged" +
                              (state ? std::string() : " (" + state.error().message + ")"));
    }
    if (state->batches[0].seq >= restored->next_seq) {
      fs::remove(entry.path(), ec);  // written, but the windows file never counted it
      continue;
    }
    batches.emplace(state->batches[0].seq, std::move(state->batches[0]));
  }
  if (ec) return common::Fail(common::Code::kIoError, "cannot list " + (dir / "batches").string());
  for (auto& [seq, b] : batches) restored->batches.push_back(std::move(b));
  return std::unique_ptr<UsageSpool>(new UsageSpool(dir, std::move(on_saved)));
}

UsageSpool::UsageSpool(fs::path dir, std::function<void(uint64_t)> on_saved)
    : dir_(std::move(dir)), on_saved_(std::move(on_saved)) {
  thread_ = std::thread([this] { Run(); });
}

UsageSpool::~UsageSpool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void UsageSpool::Save(std::vector<agent::UsageBatch> added, std::vector<uint64_t> gone,
                      std::vector<WindowBytes> windows, uint64_t next_seq) {
  {
    std::lock_guard lock(mu_);
    if (!next_) next_ = Change{};
    // Merged with a save not yet written: batches and removals add up, the rest is the newest.
    for (auto& b : added) next_->added.push_back(std::move(b));
    next_->gone.insert(next_->gone.end(), gone.begin(), gone.end());
    next_->windows = std::move(windows);
    next_->next_seq = next_seq;
    ++submitted_;
  }
  wake_.notify_all();
}

bool UsageSpool::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const uint64_t want = submitted_;
  return done_.wait_for(lock, timeout, [&] { return written_ >= want; });
}

uint64_t UsageSpool::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

common::Result<void> UsageSpool::Write(const Change& c) {
  for (const auto& b : c.added) {
    if (std::find(c.gone.begin(), c.gone.end(), b.seq) != c.gone.end()) continue;
    UsageState one{.next_seq = b.seq + 1, .windows = {}, .batches = {b}};
    auto w = common::WriteFileAtomically(dir_ / "batches" / std::to_string(b.seq),
                                         EncodeUsageState(one));
    if (!w) return w;
  }
  for (uint64_t seq : c.gone) {
    std::error_code ec;
    fs::remove(dir_ / "batches" / std::to_string(seq), ec);
    if (ec) {
      return common::Fail(common::Code::kIoError,
                          "cannot remove " + (dir_ / "batches" / std::to_string(seq)).string() +
                              ": " + ec.message());
    }
  }
  UsageState state{.next_seq = c.next_seq, .windows = c.windows, .batches = {}};
  return common::WriteFileAtomically(dir_ / "usage", EncodeUsageState(state));
}

void UsageSpool::Run() {
  bool failing = false;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return next_ || stop_; });
    if (!next_) return;
    Change change = std::move(*next_);
    next_.reset();
    const uint64_t covers = submitted_;
    lock.unlock();
    const auto written = Write(change);
    if (written) {
      if (failing) std::cerr << "forward: usage saved again in " << dir_.string() << "\n";
      failing = false;
      on_saved_(change.next_seq - 1);
    } else if (!failing) {
      failing = true;
      std::cerr << "forward: " << written.error().message
                << "; usage is not posted until it can be saved\n";
    }
    lock.lock();
    if (written) {
      written_ = covers;
      done_.notify_all();
      continue;
    }
    ++failures_;
    // Again a second later, merged with what came meanwhile (this change first).
    if (next_) {
      for (auto& b : next_->added) change.added.push_back(std::move(b));
      change.gone.insert(change.gone.end(), next_->gone.begin(), next_->gone.end());
      change.windows = std::move(next_->windows);
      change.next_seq = next_->next_seq;
    }
    next_ = std::move(change);
    if (stop_) return;
    wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; });
  }
}

}  // namespace rampart::forward
