// The persistent job queue, driven by the clock: deliveries, lapses of unpaid orders, expiry,
// reminders, release and day close. A job is (kind, subject, due time); the same (kind,
// subject) is scheduled once. JobRunner runs due jobs in order of the time they may next run,
// each in its own transaction together with its completion, so a crash never runs a job's
// effects twice nor loses one: after a restart the job is simply still due.
//
// No job can block the queue: a job whose handler fails is rolled back, its attempt is
// recorded (attempts, last_error) and it is tried again after a backoff (10 s doubling, at
// most 1 h) while the jobs behind it run; after kMaxJobAttempts failures it is parked as
// dead until an operator retries it (RetryDeadJob). A kind this version has no handler for
// (one written by a newer node) stays pending, is skipped and counted, never marked done.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "store/database.h"

namespace rampart::jobs {

inline constexpr int64_t kMaxJobAttempts = 8;

// The wait before the attempt after failed attempt number `attempts` (1-based): 10 s,
// 20 s, 40 s, ... at most 1 h.
common::Seconds JobBackoff(int64_t attempts);

struct Job {
  int64_t seq = 0;
  std::string kind;
  std::string subject;
  common::Instant due_at;
  int64_t attempts = 0;  // failed attempts so far
};

// A job as the operator sees it (GET /v1/admin/jobs).
struct JobRecord {
  int64_t seq = 0;
  std::string kind;
  std::string subject;
  std::string state;  // pending | retrying | dead | done
  common::Instant due_at;
  common::Instant next_try_at;
  int64_t attempts = 0;
  std::string last_error;
  std::optional<common::Instant> done_at;
  std::optional<common::Instant> dead_at;
};

// Schedules (kind, subject) at `due_at`; does nothing if it is already scheduled.
common::Result<void> ScheduleJob(store::Connection& c, std::string_view kind,
                                 std::string_view subject, common::Instant due_at);
// Marks a pending job done without running it (e.g. a delivery whose order failed).
common::Result<void> CancelJob(store::Connection& c, std::string_view kind,
                               std::string_view subject, common::Instant now);

// Jobs in one state, oldest first after `after` (a seq). `state` is one of pending,
// retrying, dead, done; anything else is `invalid_option`.
common::Result<std::vector<JobRecord>> ListJobs(store::Connection& c, std::string_view state,
                                                int64_t after, int64_t limit);
// Puts a dead job back in the queue, due `now` with its attempts reset. `not_found` when
// no job has that seq, `invalid_state` when it is not dead.
common::Result<JobRecord> RetryDeadJob(store::Connection& c, int64_t seq, common::Instant now);

struct QueueStats {
  int64_t pending = 0;   // not done, not dead, never failed
  int64_t retrying = 0;  // not done, not dead, failed at least once
  int64_t dead = 0;
  int64_t unknown_kind = 0;  // pending jobs of a kind this runner has no handler for
  std::optional<common::Instant> oldest_due;  // of the runnable (pending, retrying) jobs
};

// Thread-safe (through the Database); handlers are registered before the first RunDue.
class JobRunner {
 public:
  // Runs one job; `now` is the job's run time on a simulated clock, the real time otherwise.
  // A returned error rolls the job's effects back and counts as a failed attempt; business
  // outcomes (a failed delivery) are handled inside and return success.
  using Handler =
      std::function<common::Result<void>(store::Connection&, const Job&, common::Instant now)>;

  explicit JobRunner(store::Database& db) : db_(db) {}
  void On(std::string kind, Handler handler) { handlers_[std::move(kind)] = std::move(handler); }

  // Runs every job that may run at or before `until`, in that order (then scheduling order).
  // With a simulated clock, the clock is moved to each job's run time before it runs.
  // Returns the number of attempts made (successful or not); an error only when the queue
  // itself cannot be read or written.
  common::Result<int64_t> RunDue(common::Instant until, common::SimulatedClock* simulated);

  common::Result<QueueStats> Statistics(store::Connection& c) const;

 private:
  // The SQL list of the kinds with a handler ('a', 'b'); kinds are code constants.
  std::string KnownKinds() const;
  // Records a failed attempt of `job` at `now` in its own transaction.
  common::Result<void> RecordFailure(const Job& job, const common::Error& error,
                                     common::Instant now);

  store::Database& db_;
  std::map<std::string, Handler> handlers_;
};

}  // namespace rampart::jobs
