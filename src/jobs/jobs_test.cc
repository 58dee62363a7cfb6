#include "jobs/jobs.h"

#include <gtest/gtest.h>

#include <vector>

#include "store/test_database.h"

namespace rampart::jobs {
namespace {

using common::Instant;
using common::Seconds;
const Instant kT0 = common::ParseRfc3339("2026-11-26T00:00:00Z").value();

class Jobs : public ::testing::Test {
 protected:
  void SetUp() override { db_ = store::MigratedMemoryDatabase(); }
  void Schedule(std::string_view kind, std::string_view subject, Instant at) {
    ASSERT_TRUE(
        db_->Transact([&](store::Connection& c) { return ScheduleJob(c, kind, subject, at); }));
  }
  std::vector<JobRecord> List(std::string_view state) {
    return db_->Use([&](store::Connection& c) { return ListJobs(c, state, 0, 100); }).value();
  }
  QueueStats Stats(const JobRunner& runner) {
    return db_->Use([&](store::Connection& c) { return runner.Statistics(c); }).value();
  }
  std::unique_ptr<store::Database> db_;
};

TEST_F(Jobs, BackoffDoublesFromTenSecondsToAnHour) {
  EXPECT_EQ(JobBackoff(1), Seconds(10));
  EXPECT_EQ(JobBackoff(2), Seconds(20));
  EXPECT_EQ(JobBackoff(3), Seconds(40));
  EXPECT_EQ(JobBackoff(7), Seconds(640));
  EXPECT_EQ(JobBackoff(9), Seconds(2560));
  EXPECT_EQ(JobBackoff(10), Seconds(3600));
  EXPECT_EQ(JobBackoff(60), Seconds(3600));
}

// The bug: a failing job was picked first again forever and nothing behind it ran.
TEST_F(Jobs, AFailingJobNeitherBlocksTheQueueNorRunsForever) {
  std::vector<std::pair<std::string, Instant>> runs;
  JobRunner runner(*db_);
  runner.On("poison", [&](store::Connection&, const Job& j, Instant now) -> common::Result<void> {
    runs.emplace_back(j.subject, now);
    return common::Fail(common::Code::kStorageError, "order row missing");
  });
  runner.On("ok", [&](store::Connection& c, const Job& j, Instant now) -> common::Result<void> {
    runs.emplace_back(j.subject, now);
    // Its effects commit with it.
    auto q = c.Query("INSERT INTO meta (key, value) VALUES ($1, 'ran')", {j.subject});
    if (!q) return std::unexpected(q.error());
    return {};
  });
  Schedule("poison", "p", kT0);
  Schedule("ok", "a", kT0 + Seconds(1));

  common::SimulatedClock clock(kT0);
  auto ran = runner.RunDue(kT0 + Seconds(5), &clock);
  ASSERT_TRUE(ran) << ran.error().message;
  EXPECT_EQ(*ran, 2);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].first, "a");  // the job behind the poisoned one ran
  auto retrying = List("retrying");
  ASSERT_EQ(retrying.size(), 1u);
  EXPECT_EQ(retrying[0].attempts, 1);
  EXPECT_EQ(retrying[0].last_error, "storage_error: order row missing");
  EXPECT_EQ(retrying[0].next_try_at, kT0 + Seconds(10));
  EXPECT_EQ(List("done").size(), 1u);

  // Retried at 10, 20, 40, ... seconds after each failure; dead after the 8th attempt.
  runs.clear();
  ran = runner.RunDue(kT0 + Seconds(86400), &clock);
  ASSERT_TRUE(ran);
  EXPECT_EQ(*ran, kMaxJobAttempts - 1);
  std::vector<Instant> expected;
  Instant t = kT0;
  for (int64_t a = 1; a < kMaxJobAttempts; ++a) expected.push_back(t += JobBackoff(a));
  ASSERT_EQ(runs.size(), expected.size());
  for (size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].second, expected[i]) << i;
  auto dead = List("dead");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, kMaxJobAttempts);
  EXPECT_EQ(dead[0].dead_at, expected.back());
  EXPECT_TRUE(List("retrying").empty());
  auto stats = Stats(runner);
  EXPECT_EQ(stats.dead, 1);
  EXPECT_EQ(stats.pending + stats.retrying, 0);

  // A dead job stays put until the operator retries it.
  runs.clear();
  ASSERT_EQ(*runner.RunDue(kT0 + Seconds(10 * 86400), &clock), 0);
  auto retried = db_->Transact(
      [&](store::Connection& c) { return RetryDeadJob(c, dead[0].seq, clock.Now()); });
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->state, "pending");
  EXPECT_EQ(retried->attempts, 0);
  EXPECT_EQ(*runner.RunDue(clock.Now(), &clock), 1);
  EXPECT_EQ(runs.size(), 1u);
}

// A handler that throws ended the server (nothing caught it); now it is a failed attempt and
// the jobs behind it run.
TEST_F(Jobs, AThrowingJobIsAFailedAttemptAndTheQueueGoesOn) {
  JobRunner runner(*db_);
  std::vector<std::string> ran;
  runner.On("throws", [&](store::Connection& c, const Job&, Instant) -> common::Result<void> {
    (void)c.Query("INSERT INTO meta (key, value) VALUES ('half', 'done')");
    throw std::out_of_range("a stored value of the wrong shape");
  });
  runner.On("ok", [&](store::Connection&, const Job& j, Instant) -> common::Result<void> {
    ran.push_back(j.subject);
    return {};
  });
  Schedule("throws", "t", kT0);
  Schedule("ok", "a", kT0 + Seconds(1));
  common::SimulatedClock clock(kT0 + Seconds(2));
  EXPECT_EQ(*runner.RunDue(clock.Now(), &clock), 2);
  EXPECT_EQ(ran, std::vector<std::string>{"a"});
  const auto retrying = List("retrying");
  ASSERT_EQ(retrying.size(), 1u);
  EXPECT_NE(retrying[0].last_error.find("internal_error"), std::string::npos);
  auto half = db_->Use(
      [](store::Connection& c) { return c.Query("SELECT count(*) FROM meta WHERE key = 'half'"); });
  EXPECT_EQ(store::Int((*half)[0][0]), 0) << "the throwing attempt's effects are rolled back";
}

TEST_F(Jobs, OnlyADeadJobCanBeRetried) {
  JobRunner runner(*db_);
  Schedule("ok", "a", kT0);
  const int64_t seq = List("pending").at(0).seq;
  auto r = db_->Transact([&](store::Connection& c) { return RetryDeadJob(c, seq, kT0); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, common::Code::kInvalidState);
  r = db_->Transact([&](store::Connection& c) { return RetryDeadJob(c, seq + 100, kT0); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, common::Code::kNotFound);
  auto bad = db_->Use([&](store::Connection& c) { return ListJobs(c, "stuck", 0, 10); });
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, common::Code::kInvalidOption);
}

TEST_F(Jobs, AFailedAttemptLeavesNoEffects) {
  JobRunner runner(*db_);
  runner.On("half", [&](store::Connection& c, const Job&, Instant) -> common::Result<void> {
    auto q = c.Query("INSERT INTO meta (key, value) VALUES ('half', 'applied')");
    if (!q) return std::unexpected(q.error());
    return common::Fail(common::Code::kStorageError, "failed after writing");
  });
  Schedule("half", "x", kT0);
  ASSERT_TRUE(runner.RunDue(kT0, nullptr));
  auto rows = db_->Use(
      [](store::Connection& c) { return c.Query("SELECT value FROM meta WHERE key = 'half'"); });
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->empty());
  EXPECT_EQ(List("retrying").size(), 1u);
}

// A kind from a newer version stays pending and counted; it is neither run nor marked done,
// and it does not hold back the jobs behind it.
TEST_F(Jobs, UnknownKindsStayPendingAndAreCounted) {
  int ran = 0;
  JobRunner runner(*db_);
  runner.On("ok", [&](store::Connection&, const Job&, Instant) -> common::Result<void> {
    ++ran;
    return {};
  });
  Schedule("from_the_future", "f", kT0);
  Schedule("ok", "a", kT0 + Seconds(1));
  auto n = runner.RunDue(kT0 + Seconds(60), nullptr);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(ran, 1);
  auto pending = List("pending");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].kind, "from_the_future");
  auto stats = Stats(runner);
  EXPECT_EQ(stats.unknown_kind, 1);
  EXPECT_EQ(stats.pending, 1);
  EXPECT_FALSE(stats.oldest_due.has_value());  // nothing this node can run is waiting
}

}  // namespace
}  // namespace rampart::jobs
