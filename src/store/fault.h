// Fault injection for crash tests, off unless the environment asks for it.
#pragma once

namespace rampart::store {

// Sleeps RAMPART_FAULT_COMMIT_DELAY_MS milliseconds (read once; unset or 0: no delay) just
// before a transaction commits, once armed, so a kill -9 sent at a random moment lands inside
// an open transaction most of the time (tests/crash_test.cc). Thread-safe.
void FaultCommitDelay();
// Arms the delay: `rampart serve` does once it listens, so start-up (migrations, the first
// key) is not slowed down. Thread-safe.
void ArmFaultInjection();

}  // namespace rampart::store
