// The closed days' records: the bills (stored as the billing core's document, beside their
// total in fen), the amount each resource was rated per closed day (what a late correction
// is measured against), and the closed days that late samples touched, to re-rate at the
// next close. This file is the only code that reads or writes the bills, rated_amounts and
// late_days tables.
//
// Errors: what the connection returns; a stored bill that does not decode, or whose lines do
// not add up to its stored total, is `storage_error`. Stateless; inside the caller's
// transaction.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "billing/bill.h"
#include "common/calendar.h"
#include "common/error.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::postpaid {

// Stores the tenant's closed bill of its day (one per tenant and day: a second is
// `conflict`).
common::Result<void> InsertBill(store::Connection& c, std::string_view tenant_id,
                                const billing::DailyBill& bill, common::Instant closed_at);

// The closed bills of a tenant, oldest first within the days [from, to] (YYYY-MM-DD).
common::Result<std::vector<billing::DailyBill>> ListBills(store::Connection& c,
                                                          std::string_view tenant_id,
                                                          std::string_view from,
                                                          std::string_view to);

// The tenants with a resource and no bill of `day` yet, in the order they were created.
common::Result<std::vector<std::string>> TenantsToBill(store::Connection& c, common::Day day);

// Per resource, what the tenant's `day` was rated (inserted or replaced), and read back.
common::Result<void> SaveRatedAmounts(store::Connection& c, std::string_view tenant_id,
                                      common::Day day, const std::map<std::string, int64_t>& fen);
common::Result<std::map<std::string, int64_t>> RatedAmounts(store::Connection& c,
                                                            std::string_view tenant_id,
                                                            common::Day day);

// (tenant, day) pairs whose closed day received samples; kept until re-rated.
common::Result<void> MarkLateDays(store::Connection& c,
                                  const std::set<std::pair<std::string, std::string>>& days);
// The tenant's late days before `day`, oldest first; and one of them re-rated.
common::Result<std::vector<common::Day>> LateDaysBefore(store::Connection& c,
                                                        std::string_view tenant_id,
                                                        common::Day day);
common::Result<void> ClearLateDay(store::Connection& c, std::string_view tenant_id,
                                  common::Day day);

}  // namespace rampart::postpaid
