// Every balance movement of the service goes through PostMovement: the ledger row
// (account::Post), then what a change of balance sets off — a `low_balance` notice when the
// balance falls below the tenant's threshold, and arrears entered or left: while the balance
// is negative, elastic protection is suspended for all the tenant's resources (a history
// row each, effective at once, so rating sees it per window), and it resumes by itself when
// the balance is positive again (product.md §6). Inside the caller's transaction.
#pragma once

#include "account/account.h"
#include "common/error.h"
#include "common/money.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::lifecycle {

common::Result<account::LedgerEntry> PostMovement(store::Connection& c, std::string_view tenant_id,
                                                  std::string_view kind, common::Money amount,
                                                  std::string_view reference, common::Instant now,
                                                  bool allow_negative = false);

// Brings the arrears flag in line with the balance (PostMovement calls it; exposed for
// callers that changed the balance some other way, and for tests).
common::Result<void> ApplyArrears(store::Connection& c, std::string_view tenant_id,
                                  common::Instant now);

}  // namespace rampart::lifecycle
