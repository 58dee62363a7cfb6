// Clock: the only source of "now". Production code takes a `Clock&`; tests and
// `serve --simulated-clock` use SimulatedClock so whole lifecycles run in milliseconds.
#pragma once

#include <atomic>
#include <chrono>

#include "common/time.h"

namespace rampart::common {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

// The wall clock, truncated to seconds. Thread-safe.
class SystemClock final : public Clock {
 public:
  Instant Now() const override {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

// A clock that moves only when told to, and never backward. Thread-safe.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(Instant start) : now_(start.time_since_epoch().count()) {}
  Instant Now() const override { return Instant(Seconds(now_.load())); }
  // Moves to `t` if it is later than now; returns the resulting time.
  Instant AdvanceTo(Instant t) {
    int64_t target = t.time_since_epoch().count();
    int64_t current = now_.load();
    while (target > current && !now_.compare_exchange_weak(current, target)) {
    }
    return Now();
  }
  Instant Advance(Seconds d) { return AdvanceTo(Now() + d); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace rampart::common
