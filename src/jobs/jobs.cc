#include "jobs/jobs.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>

#include "account/audit.h"
#include "store/locks.h"

namespace rampart::jobs {

using common::EpochSeconds;

using common::FromEpochSeconds;
using store::Int;
using store::Text;

namespace {

constexpr std::string_view kJobColumns =
    "seq, kind, subject, due_at, next_try_at, attempts, last_error, done_at, dead_at";

JobRecord RecordFromRow(const store::Row& r) {
  JobRecord j;
  j.seq = Int(r[0]);
  j.kind = Text(r[1]);
  j.subject = Text(r[2]);
  j.due_at = FromEpochSeconds(Int(r[3]));
  j.next_try_at = FromEpochSeconds(Int(r[4]));
  j.attempts = Int(r[5]);
  j.last_error = Text(r[6]);
  if (!store::IsNull(r[7])) j.done_at = FromEpochSeconds(Int(r[7]));
  if (!store::IsNull(r[8])) j.dead_at = FromEpochSeconds(Int(r[8]));
  j.state = j.done_at ? "done" : j.dead_at ? "dead" : j.attempts > 0 ? "retrying" : "pending";
  return j;
}

}  // namespace

common::Seconds JobBackoff(int64_t attempts) {
  const int64_t shift = std::clamp<int64_t>(attempts - 1, 0, 20);
  return common::Seconds(std::min<int64_t>(10LL << shift, 3600));
}

common::Result<void> ScheduleJob(store::Connection& c, std::string_view kind,
                                 std::string_view subject, common::Instant due_at) {
  RAMPART_TRY(
      c.Query("INSERT INTO jobs (kind, subject, due_at, next_try_at) VALUES ($1, $2, $3, $3) "
              "ON CONFLICT (kind, subject) DO NOTHING",
              {std::string(kind), std::string(subject), EpochSeconds(due_at)}));
  return {};
}

common::Result<void> CancelJob(store::Connection& c, std::string_view kind,
                               std::string_view subject, common::Instant now) {
  auto q =
      c.Query("UPDATE jobs SET done_at = $3 WHERE kind = $1 AND subject = $2 AND done_at IS NULL",
              {std::string(kind), std::string(subject), EpochSeconds(now)});
  if (!q) return std::unexpected(q.error());
  return {};
}

common::Result<std::vector<JobRecord>> ListJobs(store::Connection& c, std::string_view state,
                                                int64_t after, int64_t limit) {
  std::string where;
  if (state == "pending") {
    where = "done_at IS NULL AND dead_at IS NULL AND attempts = 0";
  } else if (state == "retrying") {
    where = "done_at IS NULL AND dead_at IS NULL AND attempts > 0";
  } else if (state == "dead") {
    where = "done_at IS NULL AND dead_at IS NOT NULL";
  } else if (state == "done") {
    where = "done_at IS NOT NULL";
  } else {
    return common::Fail(common::Code::kInvalidOption,
                        "state must be pending, retrying, dead or done", "state");
  }
  auto rows = RAMPART_TRY(c.Query("SELECT " + std::string(kJobColumns) + " FROM jobs WHERE " +
                                      where + " AND seq > $1 ORDER BY seq LIMIT $2",
                                  {after, limit}));
  std::vector<JobRecord> out;
  for (const auto& r : rows) out.push_back(RecordFromRow(r));
  return out;
}

common::Result<JobRecord> RetryDeadJob(store::Connection& c, int64_t seq, common::Instant now) {
  auto rows =
      RAMPART_TRY(c.Query("UPDATE jobs SET dead_at = NULL, attempts = 0, next_try_at = $2 "
                          "WHERE seq = $1 AND done_at IS NULL AND dead_at IS NOT NULL RETURNING " +
                              std::string(kJobColumns),
                          {seq, EpochSeconds(now)}));
  if (rows.empty()) {
    auto exists = RAMPART_TRY(c.Query("SELECT 1 FROM jobs WHERE seq = $1", {seq}));
    if (exists.empty()) return common::Fail(common::Code::kNotFound, "no such job");
    return common::Fail(common::Code::kInvalidState, "only a dead job can be retried");
  }
  spdlog::warn("jobs: dead job {} put back in the queue by the operator", seq);
  return RecordFromRow(rows[0]);
}

std::string JobRunner::KnownKinds() const {
  std::string list;
  for (const auto& [kind, _] : handlers_) {
    assert(kind.find('\'') == std::string::npos);
    list += (list.empty() ? "'" : ", '") + kind + "'";
  }
  return list.empty() ? "''" : list;
}

common::Result<QueueStats> JobRunner::Statistics(store::Connection& c) const {
  const std::string known = KnownKinds();
  auto rows = RAMPART_TRY(
      c.Query("SELECT "
              "  coalesce(sum(CASE WHEN dead_at IS NULL AND attempts = 0 THEN 1 ELSE 0 END), 0), "
              "  coalesce(sum(CASE WHEN dead_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0), "
              "  coalesce(sum(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END), 0), "
              "  coalesce(sum(CASE WHEN dead_at IS NULL AND kind NOT IN (" +
              known +
              ") THEN 1 ELSE 0 END), 0), "
              "  min(CASE WHEN dead_at IS NULL AND kind IN (" +
              known +
              ") THEN next_try_at END) "
              "FROM jobs WHERE done_at IS NULL"));
  const auto& r = rows[0];
  QueueStats s;
  s.pending = Int(r[0]);
  s.retrying = Int(r[1]);
  s.dead = Int(r[2]);
  s.unknown_kind = Int(r[3]);
  if (!store::IsNull(r[4])) s.oldest_due = FromEpochSeconds(Int(r[4]));
  return s;
}

common::Result<void> JobRunner::RecordFailure(const Job& job, const common::Error& error,
                                              common::Instant now) {
  const int64_t attempts = job.attempts + 1;
  const bool dead = attempts >= kMaxJobAttempts;
  const std::string text = std::string(common::WireName(error.code)) + ": " + error.message;
  if (dead) {
    spdlog::error("jobs: {} {} is dead after {} attempts (last: {}); GET /v1/admin/jobs?state=dead",
                  job.kind, job.subject, attempts, text);
  } else {
    spdlog::warn("jobs: {} {} failed (attempt {} of {}): {}", job.kind, job.subject, attempts,
                 kMaxJobAttempts, text);
  }
  return db_.Transact([&](store::Connection& c) -> common::Result<void> {
    RAMPART_TRY(
        c.Query("UPDATE jobs SET attempts = $2, last_error = $3, next_try_at = $4, dead_at = $5 "
                "WHERE seq = $1 AND done_at IS NULL",
                {job.seq, attempts, text, EpochSeconds(now + JobBackoff(attempts)),
                 dead ? store::Value(EpochSeconds(now)) : store::Value()}));
    return {};
  });
}

common::Result<int64_t> JobRunner::RunDue(common::Instant until,
                                          common::SimulatedClock* simulated) {
  // What jobs do (deliveries, day closes, auto-renewals) is the system's in the audit log,
  // even when a request (a clock move) set them off.
  account::ScopedActor system_actor{account::Actor{}};
  const std::string select =
      "SELECT seq, kind, subject, due_at, next_try_at, attempts FROM jobs WHERE done_at IS NULL "
      "AND dead_at IS NULL AND next_try_at <= $1 AND kind IN (" +
      KnownKinds() + ") ORDER BY next_try_at, seq LIMIT 1";
  int64_t ran = 0;
  while (true) {
    std::optional<Job> picked;
    common::Instant now = until;
    auto done = db_.Transact([&](store::Connection& c) -> common::Result<bool> {
      // On PostgreSQL several nodes share the queue: the job row stays locked while it runs
      // (its effects and completion are one transaction), others skip it. A node killed
      // mid-job aborts its transaction, which frees the row for the next node: no lease
      // is needed because no job's work outlives its transaction.
      auto rows = c.Query(select + std::string(store::ClaimClause(c)), {EpochSeconds(until)});
      if (!rows) return std::unexpected(rows.error());
      if (rows->empty()) return false;
      const auto& r = (*rows)[0];
      picked = Job{Int(r[0]), Text(r[1]), Text(r[2]), FromEpochSeconds(Int(r[3])), Int(r[5])};
      if (simulated) now = simulated->AdvanceTo(FromEpochSeconds(Int(r[4])));
      // A handler that throws (a broken invariant) fails its attempt like one that returns
      // an error: rolled back, recorded, retried, dead in the end; the queue goes on.
      auto h = [&]() -> common::Result<void> {
        try {
          return handlers_.at(picked->kind)(c, *picked, now);
        } catch (const std::exception& e) {
          return common::Fail(common::Code::kInternalError,
                              std::string("unexpected exception: ") + e.what());
        }
      }();
      if (!h) return std::unexpected(h.error());
      auto q =
          c.Query("UPDATE jobs SET done_at = $2 WHERE seq = $1", {picked->seq, EpochSeconds(now)});
      if (!q) return std::unexpected(q.error());
      return true;
    });
    if (!done) {
      // Before a job was picked the queue itself failed: the caller hears of it. After, the
      // job failed (its handler, or its commit): it is rolled back, recorded and set aside.
      if (!picked) return std::unexpected(done.error());
      RAMPART_TRY(RecordFailure(*picked, done.error(), now));
      ++ran;
      continue;
    }
    if (!*done) return ran;
    ++ran;
  }
}

}  // namespace rampart::jobs
