// The forwarder's usage state in --state-dir (file `usage`): what it metered and the server
// has not yet accepted — the windows still open and the batches not yet posted — so that a
// forwarder stopped while the server is unreachable, or killed, loses at most the last
// second's bytes instead of everything unposted.
//
// Text, one item per line: the header `rampart-forward-usage 1`, `N <next seq>`,
// `W <ip> <window start> <in bytes> <out bytes>` per window, and per batch
// `B <seq> <idempotency key> <samples>` followed by its samples, one NDJSON line each.
// Pure functions; errors: `invalid_state` (what is wrong, and on which line).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/usage_outbox.h"
#include "common/error.h"
#include "forward/usage_meter.h"

namespace rampart::forward {

struct UsageState {
  uint64_t next_seq = 1;
  std::vector<WindowBytes> windows;
  std::vector<agent::UsageBatch> batches;
};

std::string EncodeUsageState(const UsageState& state);
common::Result<UsageState> DecodeUsageState(std::string_view text);

}  // namespace rampart::forward
