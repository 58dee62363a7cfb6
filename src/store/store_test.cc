#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <latch>
#include <set>
#include <thread>

#include "store/database.h"
#include "store/idempotency.h"
#include "store/meta.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_connection.h"

namespace rampart::store {
namespace {

std::unique_ptr<Database> Memory() {
  return std::make_unique<Database>(SqliteConnection::Open(":memory:").value());
}

TEST(Store, MigratesOnceAndRecordsTheVersion) {
  auto db = Memory();
  EXPECT_EQ(Migrate(*db).value(), LatestSchemaVersion());
  EXPECT_EQ(Migrate(*db).value(), LatestSchemaVersion());  // idempotent
  auto rows = db->Use([](Connection& c) { return c.Query("SELECT count(*) FROM tenants"); });
  EXPECT_EQ(Int((*rows)[0][0]), 0);
}

TEST(Store, RefusesADatabaseFromTheFuture) {
  auto db = Memory();
  ASSERT_TRUE(Migrate(*db).has_value());
  ASSERT_TRUE(db->Use([](Connection& c) {
    return c.Query("UPDATE meta SET value = '999' WHERE key = 'schema_version'");
  }));
  EXPECT_FALSE(Migrate(*db).has_value());
}

// The meta table through its one owner: missing keys, round trips, replacing, and a corrupt
// value reported as storage_error (before, Migrate threw from std::stoll on 'garbage' and
// read '12x' as version 12).
TEST(Store, MetaValuesRoundTripAndACorruptOneIsAStorageError) {
  auto db = Memory();
  ASSERT_TRUE(Migrate(*db).has_value());
  auto now = db->Use([](Connection& c) { return ReadSimulatedNow(c); });
  ASSERT_TRUE(now.has_value());
  EXPECT_FALSE(now->has_value());
  const common::Instant t(common::Seconds(1'770'000'000));
  for (const auto at : {t, t + common::Seconds(86'400)}) {
    ASSERT_TRUE(db->Use([&](Connection& c) { return WriteSimulatedNow(c, at); }));
    EXPECT_EQ(db->Use([](Connection& c) { return ReadSimulatedNow(c); }).value(), at);
  }
  for (const char* corrupt : {"garbage", "12x", ""}) {
    ASSERT_TRUE(db->Use([&](Connection& c) {
      return c.Query("UPDATE meta SET value = $1 WHERE key = 'schema_version'",
                     {std::string(corrupt)});
    }));
    auto migrated = Migrate(*db);
    ASSERT_FALSE(migrated.has_value()) << corrupt;
    EXPECT_EQ(migrated.error().code, common::Code::kStorageError) << corrupt;
  }
}

// Idempotency answers through their one owner: found while live, ignored once expired, an
// expired key saved afresh, and purged only after their 24 hours.
TEST(Store, IdempotencyAnswersLiveForADayAndAreThenReplacedOrPurged) {
  auto db = Memory();
  ASSERT_TRUE(Migrate(*db).has_value());
  const common::Instant t(common::Seconds(1'770'000'000));
  auto find = [&](common::Instant at) {
    return db->Use([&](Connection& c) { return FindAnswer(c, "key1 POST /v1/x", "k", at); })
        .value();
  };
  auto count = [&] {
    return Int(db->Use([](Connection& c) {
                   return c.Query("SELECT count(*) FROM idempotency");
                 }).value()[0][0]);
  };
  EXPECT_FALSE(find(t).has_value());
  ASSERT_TRUE(db->Use([&](Connection& c) {
    return SaveAnswer(c, "key1 POST /v1/x", "k", {"h1", 201, "{\"a\":1}"}, t);
  }));
  auto live = find(t + common::Seconds(3600));
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->request_hash, "h1");
  EXPECT_EQ(live->status, 201);
  EXPECT_EQ(live->body, "{\"a\":1}");
  EXPECT_FALSE(find(t + kIdempotencyTtl).has_value());  // expired: ignored at once
  // Another scope does not see it.
  EXPECT_FALSE(db->Use([&](Connection& c) { return FindAnswer(c, "key2 POST /v1/x", "k", t); })
                   .value()
                   .has_value());
  // The expired key is saved afresh.
  const common::Instant later = t + kIdempotencyTtl + common::Seconds(1);
  ASSERT_TRUE(db->Use([&](Connection& c) {
    return SaveAnswer(c, "key1 POST /v1/x", "k", {"h2", 200, "{}"}, later);
  }));
  EXPECT_EQ(find(later)->request_hash, "h2");
  ASSERT_TRUE(db->Use([&](Connection& c) { return PurgeExpiredAnswers(c, later); }));
  EXPECT_EQ(count(), 1);
  ASSERT_TRUE(db->Use([&](Connection& c) {
    return PurgeExpiredAnswers(c, later + kIdempotencyTtl + common::Seconds(1));
  }));
  EXPECT_EQ(count(), 0);
}

TEST(Store, TransactionsApplyWholeOrNotAtAll) {
  auto db = Memory();
  ASSERT_TRUE(Migrate(*db).has_value());
  auto failed = db->Transact([](Connection& c) -> common::Result<int> {
    if (auto r = c.Query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, 0)",
                         {std::string("t1"), std::string("acme")});
        !r) {
      return std::unexpected(r.error());
    }
    return common::Fail(common::Code::kConflict, "later step failed");
  });
  EXPECT_FALSE(failed.has_value());
  auto rows = db->Use([](Connection& c) { return c.Query("SELECT count(*) FROM tenants"); });
  EXPECT_EQ(Int((*rows)[0][0]), 0);
}

// The bug: an exception inside a transaction returned the connection to the pool still in
// it, holding SQLite's write lock, so every later transaction on it failed.
TEST(Store, AnExceptionRollsTheTransactionBackAndFreesTheConnection) {
  auto db = Memory();
  ASSERT_TRUE(Migrate(*db).has_value());
  EXPECT_THROW(db->Transact([](Connection& c) -> common::Result<int> {
    if (auto r = c.Query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, 0)",
                         {std::string("t1"), std::string("acme")});
        !r) {
      return std::unexpected(r.error());
    }
    throw std::runtime_error("a broken invariant");
  }),
               std::runtime_error);
  auto next = db->Transact([](Connection& c) -> common::Result<int> {
    auto r = c.Query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, 0)",
                     {std::string("t2"), std::string("beta")});
    if (!r) return std::unexpected(r.error());
    return 1;
  });
  ASSERT_TRUE(next.has_value()) << next.error().message;
  auto rows = db->Use([](Connection& c) { return c.Query("SELECT id FROM tenants"); });
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(store::Text((*rows)[0][0]), "t2");
}

TEST(Store, UniqueViolationsAreConflicts) {
  auto db = Memory();
  ASSERT_TRUE(Migrate(*db).has_value());
  auto insert = [&] {
    return db->Use([](Connection& c) {
      return c.Query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)",
                     {std::string("t1"), std::string("acme"), int64_t{5}});
    });
  };
  EXPECT_TRUE(insert().has_value());
  auto again = insert();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, common::Code::kConflict);
}

TEST(Store, ValuesRoundTrip) {
  auto db = Memory();
  auto rows = db->Use([](Connection& c) {
    return c.Query("SELECT $1, $2, $3, $2 + 1", {Value{}, int64_t{-7}, std::string("x'y")});
  });
  ASSERT_TRUE(rows.has_value());
  EXPECT_TRUE(IsNull((*rows)[0][0]));
  EXPECT_EQ(Int((*rows)[0][1]), -7);
  EXPECT_EQ(Text((*rows)[0][2]), "x'y");
  EXPECT_EQ(Int((*rows)[0][3]), -6);
}

TEST(Store, PersistsToAFile) {
  const auto path = std::filesystem::temp_directory_path() / "rampart_store_test.db";
  std::filesystem::remove(path);
  {
    Database db(SqliteConnection::Open(path.string()).value());
    ASSERT_TRUE(Migrate(db).has_value());
    ASSERT_TRUE(db.Use([](Connection& c) {
      return c.Query("INSERT INTO tenants (id, name, created_at) VALUES ('t', 'n', 0)");
    }));
  }
  Database db(SqliteConnection::Open(path.string()).value());
  auto rows = db.Use([](Connection& c) { return c.Query("SELECT name FROM tenants"); });
  EXPECT_EQ(Text((*rows)[0][0]), "n");
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

TEST(Store, APoolLendsEachCallerItsOwnConnection) {
  std::vector<std::unique_ptr<Connection>> pool;
  for (int i = 0; i < 2; ++i) pool.push_back(SqliteConnection::Open(":memory:").value());
  Database db(std::move(pool));
  ASSERT_EQ(db.size(), 2u);
  // Two callers inside Use() at the same time (each waits for the other to arrive): possible
  // only with two connections lent at once.
  std::latch both_inside(2);
  std::mutex m;
  std::set<Connection*> seen;
  auto caller = [&] {
    db.Use([&](Connection& c) -> common::Result<void> {
      both_inside.arrive_and_wait();
      std::lock_guard lock(m);
      seen.insert(&c);
      return {};
    });
  };
  std::thread a(caller), b(caller);
  a.join();
  b.join();
  EXPECT_EQ(seen.size(), 2u);
  // More callers than connections: they wait their turn, and all finish.
  std::atomic<int> done{0};
  std::vector<std::thread> many;
  for (int i = 0; i < 8; ++i) {
    many.emplace_back([&] {
      auto r = db.Transact([&](Connection& c) { return c.Query("SELECT 1"); });
      if (r) ++done;
    });
  }
  for (auto& t : many) t.join();
  EXPECT_EQ(done, 8);
}

}  // namespace
}  // namespace rampart::store
