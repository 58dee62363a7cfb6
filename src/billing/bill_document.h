// The stored form of a daily bill: a versioned document of the billing core, so what is kept
// is the bill itself (every line's exact measures, money in fen, times in epoch seconds) and
// the API's rendering (formats/bill_json.h) can change without touching stored bills.
//
// Version 1 (written): a JSON object {"version": 1, "day", "tenant" (or null), "status"
// ("closed"/"open"), "total" (fen), "lines": [{"resource", "kind", "amount" (fen),
// "measure"}]}. A measure has the API's field names (api.md "Daily bill") with money in fen,
// times as epoch seconds (or null) and nothing derived (no "total_gb"); an elastic excess is
// kept as rated (the API shows it floored at 0).
// Version 0 (read only): what releases before version 1 stored, the API's JSON itself.
//
// Decoding is strict: a missing or mistyped field, an unknown kind or version, or a total
// that is not the sum of the lines is `storage_error` (stored data broke an invariant).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "billing/bill.h"
#include "common/error.h"

namespace rampart::billing {

inline constexpr int kBillDocumentVersion = 1;

std::string EncodeBill(const DailyBill& bill);
common::Result<DailyBill> DecodeBill(std::string_view document);

}  // namespace rampart::billing
