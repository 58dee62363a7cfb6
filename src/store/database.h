// Database: a small pool of connections, each used by one caller at a time, with
// transactions that either apply whole or not at all. Every service operation runs inside
// Transact(), so a request's effects (a debit, an order's status, its resources, its jobs,
// its idempotency record) commit together. SQLite gets one connection (one writer is all it
// has); PostgreSQL several, so one node's requests overlap their round trips — concurrent
// transactions are then the database's business, as between nodes (docs/architecture.md,
// "Concurrency on PostgreSQL"). Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "store/sql.h"

namespace rampart::store {

class Database {
 public:
  explicit Database(std::unique_ptr<Connection> connection) {
    connections_.push_back(std::move(connection));
    free_.push_back(connections_.back().get());
  }
  // A pool: at least one connection, all to the same database.
  explicit Database(std::vector<std::unique_ptr<Connection>> connections)
      : connections_(std::move(connections)) {
    for (auto& c : connections_) free_.push_back(c.get());
  }

  // Runs `work` in a transaction: committed when it returns a value, rolled back when it
  // returns an error (which is passed on) or throws (rethrown: the connection goes back to
  // the pool outside any transaction, so one failed request cannot hold SQLite's write lock
  // for everyone after it).
  template <typename F>
  auto Transact(F&& work) -> std::invoke_result_t<F, Connection&> {
    Lease lease(*this);
    Connection& c = *lease.connection;
    if (auto begun = c.Begin(); !begun) return std::unexpected(begun.error());
    auto result = [&] {
      try {
        return work(c);
      } catch (...) {
        c.Rollback();
        throw;
      }
    }();
    if (!result) {
      c.Rollback();
      return result;
    }
    if (auto committed = c.Commit(); !committed) {
      c.Rollback();
      return std::unexpected(committed.error());
    }
    return result;
  }

  // Runs `work` on a connection of its own without a transaction (one-statement reads,
  // scripts).
  template <typename F>
  auto Use(F&& work) -> std::invoke_result_t<F, Connection&> {
    Lease lease(*this);
    return work(*lease.connection);
  }

  size_t size() const { return connections_.size(); }

 private:
  // A connection taken from the pool for one call, returned when it ends.
  struct Lease {
    explicit Lease(Database& db) : db(db) {
      std::unique_lock lock(db.mutex_);
      db.returned_.wait(lock, [&] { return !db.free_.empty(); });
      connection = db.free_.back();
      db.free_.pop_back();
    }
    ~Lease() {
      {
        std::lock_guard lock(db.mutex_);
        db.free_.push_back(connection);
      }
      db.returned_.notify_one();
    }
    Database& db;
    Connection* connection = nullptr;
  };

  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> free_;
};

}  // namespace rampart::store
