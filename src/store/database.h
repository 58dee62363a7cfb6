// Database: one connection and the lock that serialises its use, with transactions that
// either apply whole or not at all. Every service operation runs inside Transact(), so a
// request's effects (a debit, an order's status, its resources, its jobs, its idempotency
// record) commit together. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>

#include "common/error.h"
#include "store/sql.h"

namespace rampart::store {

class Database {
 public:
  explicit Database(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}

  // Runs `work` in a transaction: committed when it returns a value, rolled back when it
  // returns an error (which is passed on).
  template <typename F>
  auto Transact(F&& work) -> std::invoke_result_t<F, Connection&> {
    std::lock_guard lock(mutex_);
    if (auto begun = connection_->Begin(); !begun) return std::unexpected(begun.error());
    auto result = work(*connection_);
    if (!result) {
      connection_->Rollback();
      return result;
    }
    if (auto committed = connection_->Commit(); !committed) {
      connection_->Rollback();
      return std::unexpected(committed.error());
    }
    return result;
  }

  // Runs `work` under the lock without a transaction (one-statement reads, scripts).
  template <typename F>
  auto Use(F&& work) -> std::invoke_result_t<F, Connection&> {
    std::lock_guard lock(mutex_);
    return work(*connection_);
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace rampart::store
