#include "lifecycle/jobs.h"

#include <cassert>

namespace rampart::lifecycle {

using store::Int;
using store::Text;

common::Result<void> ScheduleJob(store::Connection& c, std::string_view kind,
                                 std::string_view subject, common::Instant due_at) {
  auto q = c.Query(
      "INSERT INTO jobs (kind, subject, due_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (kind, subject) DO NOTHING",
      {std::string(kind), std::string(subject), due_at.time_since_epoch().count()});
  if (!q) return std::unexpected(q.error());
  return {};
}

common::Result<void> CancelJob(store::Connection& c, std::string_view kind,
                               std::string_view subject, common::Instant now) {
  auto q =
      c.Query("UPDATE jobs SET done_at = $3 WHERE kind = $1 AND subject = $2 AND done_at IS NULL",
              {std::string(kind), std::string(subject), now.time_since_epoch().count()});
  if (!q) return std::unexpected(q.error());
  return {};
}

common::Result<QueueStats> QueueStatistics(store::Connection& c) {
  auto rows = c.Query("SELECT count(*), min(due_at) FROM jobs WHERE done_at IS NULL");
  if (!rows) return std::unexpected(rows.error());
  QueueStats s;
  s.pending = Int((*rows)[0][0]);
  if (!store::IsNull((*rows)[0][1]))
    s.oldest_due = common::Instant(common::Seconds(Int((*rows)[0][1])));
  return s;
}

common::Result<int64_t> JobRunner::RunDue(common::Instant until,
                                          common::SimulatedClock* simulated) {
  int64_t ran = 0;
  while (true) {
    auto done = db_.Transact([&](store::Connection& c) -> common::Result<bool> {
      // On PostgreSQL several nodes share the queue: the job row stays locked while it runs
      // (its effects and completion are one transaction), others skip it. A node killed
      // mid-job aborts its transaction, which frees the row for the next node: no lease
      // is needed because no job's work outlives its transaction.
      const bool shared = c.dialect() == store::Dialect::kPostgres;
      auto rows =
          c.Query(std::string("SELECT seq, kind, subject, due_at FROM jobs WHERE done_at IS "
                              "NULL AND due_at <= $1 ORDER BY due_at, seq LIMIT 1") +
                      (shared ? " FOR UPDATE SKIP LOCKED" : ""),
                  {until.time_since_epoch().count()});
      if (!rows) return std::unexpected(rows.error());
      if (rows->empty()) return false;
      const auto& r = (*rows)[0];
      const Job job{Int(r[0]), Text(r[1]), Text(r[2]), common::Instant(common::Seconds(Int(r[3])))};
      common::Instant now = until;
      if (simulated) now = simulated->AdvanceTo(job.due_at);
      auto handler = handlers_.find(job.kind);
      if (handler != handlers_.end()) {
        if (auto h = handler->second(c, job, now); !h) return std::unexpected(h.error());
      }
      // An unknown kind (from a newer version) is marked done so it cannot block the queue.
      auto q = c.Query("UPDATE jobs SET done_at = $2 WHERE seq = $1",
                       {job.seq, now.time_since_epoch().count()});
      if (!q) return std::unexpected(q.error());
      return true;
    });
    if (!done) return std::unexpected(done.error());
    if (!*done) return ran;
    ++ran;
  }
}

}  // namespace rampart::lifecycle
