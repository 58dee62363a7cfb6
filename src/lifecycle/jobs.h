// The persistent job queue, driven by the clock: deliveries, lapses of unpaid orders and,
// later, expiry, reminders, release and day close. A job is (kind, subject, due time); the
// same (kind, subject) is scheduled once. JobRunner runs due jobs in due-time order, each in
// its own transaction together with its completion, so a crash never runs a job's effects
// twice nor loses one: after a restart the job is simply still due.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "store/database.h"

namespace rampart::lifecycle {

struct Job {
  int64_t seq = 0;
  std::string kind;
  std::string subject;
  common::Instant due_at;
};

// Schedules (kind, subject) at `due_at`; does nothing if it is already scheduled.
common::Result<void> ScheduleJob(store::Connection& c, std::string_view kind,
                                 std::string_view subject, common::Instant due_at);
// Marks a pending job done without running it (e.g. a delivery whose order failed).
common::Result<void> CancelJob(store::Connection& c, std::string_view kind,
                               std::string_view subject, common::Instant now);

struct QueueStats {
  int64_t pending = 0;
  std::optional<common::Instant> oldest_due;  // of the pending jobs
};
common::Result<QueueStats> QueueStatistics(store::Connection& c);

// Thread-safe (through the Database).
class JobRunner {
 public:
  // Runs one job; `now` is the job's due time on a simulated clock, the real time otherwise.
  // A returned error rolls the job back and leaves it due (a storage failure); business
  // outcomes (a failed delivery) are handled inside and return success.
  using Handler =
      std::function<common::Result<void>(store::Connection&, const Job&, common::Instant now)>;

  explicit JobRunner(store::Database& db) : db_(db) {}
  void On(std::string kind, Handler handler) { handlers_[std::move(kind)] = std::move(handler); }

  // Runs every job due at or before `until`, in due order (then scheduling order). With a
  // simulated clock, the clock is moved to each job's due time before it runs. Returns the
  // number of jobs run.
  common::Result<int64_t> RunDue(common::Instant until, common::SimulatedClock* simulated);

 private:
  store::Database& db_;
  std::map<std::string, Handler> handlers_;
};

}  // namespace rampart::lifecycle
