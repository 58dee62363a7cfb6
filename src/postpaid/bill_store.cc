#include "postpaid/bill_store.h"

#include "billing/bill_document.h"

namespace rampart::postpaid {

using store::Int;
using store::Text;

common::Result<void> InsertBill(store::Connection& c, std::string_view tenant_id,
                                const billing::DailyBill& bill, common::Instant closed_at) {
  RAMPART_TRY(c.Query(
      "INSERT INTO bills (tenant_id, day, total_fen, body, closed_at) VALUES ($1, $2, $3, $4, "
      "$5)",
      {std::string(tenant_id), common::FormatDay(bill.day), bill.total.fen(),
       billing::EncodeBill(bill), common::EpochSeconds(closed_at)}));
  return {};
}

common::Result<std::vector<billing::DailyBill>> ListBills(store::Connection& c,
                                                          std::string_view tenant_id,
                                                          std::string_view from,
                                                          std::string_view to) {
  auto rows = RAMPART_TRY(c.Query(
      "SELECT day, body, total_fen FROM bills WHERE tenant_id = $1 AND day >= $2 AND day <= $3 "
      "ORDER BY day",
      {std::string(tenant_id), std::string(from), std::string(to)}));
  std::vector<billing::DailyBill> out;
  for (const auto& r : rows) {
    auto bill = billing::DecodeBill(Text(r[1]));
    if (!bill) {
      return common::Fail(common::Code::kStorageError,
                          "the bill of " + Text(r[0]) + ": " + bill.error().message);
    }
    if (bill->total.fen() != Int(r[2])) {
      return common::Fail(common::Code::kStorageError,
                          "the bill of " + Text(r[0]) + " does not add up to its stored total");
    }
    out.push_back(std::move(*bill));
  }
  return out;
}

common::Result<std::vector<std::string>> TenantsToBill(store::Connection& c, common::Day day) {
  // The one read across owners here (tenants and resources are account's and lifecycle's):
  // a join, where typed calls would read every tenant.
  auto rows = RAMPART_TRY(c.Query(
      "SELECT t.id FROM tenants t WHERE NOT EXISTS (SELECT 1 FROM bills b WHERE b.tenant_id = "
      "t.id AND b.day = $1) AND EXISTS (SELECT 1 FROM resources r WHERE r.tenant_id = t.id) "
      "ORDER BY t.seq",
      {common::FormatDay(day)}));
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(Text(r[0]));
  return out;
}

common::Result<void> SaveRatedAmounts(store::Connection& c, std::string_view tenant_id,
                                      common::Day day, const std::map<std::string, int64_t>& fen) {
  for (const auto& [resource, amount] : fen) {
    RAMPART_TRY(c.Query(
        "INSERT INTO rated_amounts (tenant_id, day, resource_id, amount_fen) VALUES ($1, $2, $3, "
        "$4) ON CONFLICT (tenant_id, day, resource_id) DO UPDATE SET amount_fen = "
        "excluded.amount_fen",
        {std::string(tenant_id), common::FormatDay(day), resource, amount}));
  }
  return {};
}

common::Result<std::map<std::string, int64_t>> RatedAmounts(store::Connection& c,
                                                            std::string_view tenant_id,
                                                            common::Day day) {
  auto rows = RAMPART_TRY(
      c.Query("SELECT resource_id, amount_fen FROM rated_amounts WHERE tenant_id = $1 AND day = $2",
              {std::string(tenant_id), common::FormatDay(day)}));
  std::map<std::string, int64_t> out;
  for (const auto& r : rows) out[Text(r[0])] = Int(r[1]);
  return out;
}

common::Result<void> MarkLateDays(store::Connection& c,
                                  const std::set<std::pair<std::string, std::string>>& days) {
  for (const auto& [tenant, day] : days) {
    RAMPART_TRY(c.Query(
        "INSERT INTO late_days (tenant_id, day) VALUES ($1, $2) ON CONFLICT (tenant_id, day) DO "
        "NOTHING",
        {tenant, day}));
  }
  return {};
}

common::Result<std::vector<common::Day>> LateDaysBefore(store::Connection& c,
                                                        std::string_view tenant_id,
                                                        common::Day day) {
  auto rows = RAMPART_TRY(
      c.Query("SELECT day FROM late_days WHERE tenant_id = $1 AND day < $2 ORDER BY day",
              {std::string(tenant_id), common::FormatDay(day)}));
  std::vector<common::Day> out;
  for (const auto& r : rows) {
    auto late = common::ParseDay(Text(r[0]));
    if (!late) {
      return common::Fail(common::Code::kStorageError, "late_days holds no day: " + Text(r[0]));
    }
    out.push_back(*late);
  }
  return out;
}

common::Result<void> ClearLateDay(store::Connection& c, std::string_view tenant_id,
                                  common::Day day) {
  RAMPART_TRY(c.Query("DELETE FROM late_days WHERE tenant_id = $1 AND day = $2",
                      {std::string(tenant_id), common::FormatDay(day)}));
  return {};
}

}  // namespace rampart::postpaid
