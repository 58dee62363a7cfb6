#include "store/sql.h"

#include <atomic>
#include <cassert>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "store/fault.h"

namespace rampart::store {

int64_t Int(const Value& v) {
  if (IsNull(v)) return 0;
  assert(std::holds_alternative<int64_t>(v));
  return std::get<int64_t>(v);
}

const std::string& Text(const Value& v) {
  static const std::string kEmpty;
  if (IsNull(v)) return kEmpty;
  assert(std::holds_alternative<std::string>(v));
  return std::get<std::string>(v);
}

const std::string& Bytes(const Value& v) {
  static const std::string kEmpty;
  if (IsNull(v)) return kEmpty;
  assert(std::holds_alternative<Blob>(v));
  return std::get<Blob>(v).bytes;
}

}  // namespace rampart::store

namespace rampart::store {

namespace {
std::atomic<bool> fault_armed{false};
}  // namespace

void ArmFaultInjection() { fault_armed = true; }

void FaultCommitDelay() {
  static const int delay_ms = [] {
    const char* v = std::getenv("RAMPART_FAULT_COMMIT_DELAY_MS");
    return v ? std::atoi(v) : 0;
  }();
  if (delay_ms > 0 && fault_armed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  }
}

}  // namespace rampart::store
