// Daily bills as JSON (api.md "Daily bill"): money as strings, bandwidth in bit/s, times
// RFC 3339 UTC, each line's measures under "measure".
#pragma once

#include <boost/json/value.hpp>
#include <span>

#include "billing/bill.h"

namespace rampart::formats {

boost::json::value BillToJson(const billing::DailyBill& bill);
boost::json::value BillsToJson(std::span<const billing::DailyBill> bills);

}  // namespace rampart::formats
