#include "ordering/orders.h"

#include "account/account.h"
#include "common/crypto.h"
#include "lifecycle/balance.h"
#include "lifecycle/ip_pools.h"
#include "lifecycle/resources.h"
#include "lifecycle/term.h"
#include "notify/notifications.h"

namespace rampart::ordering {

using common::EpochSeconds;
using common::FromEpochSeconds;
namespace {

using billing::ResourceState;
using store::Int;
using store::Text;
using store::Value;

constexpr std::string_view kColumns =
    "seq, id, tenant_id, status, amount_fen, product, region, line, scope, ip_count, base_gbps, "
    "elastic_gbps, forwarding_mode, quantity, months, auto_renew, created_at, paid_at, lapses_at";

Order FromRow(const store::Row& r) {
  Order o;
  o.seq = Int(r[0]);
  o.id = Text(r[1]);
  o.tenant_id = Text(r[2]);
  o.status = Text(r[3]);
  o.amount = common::Money::FromFen(Int(r[4]));
  auto& s = o.options.spec;
  s.product = *catalog::ParseProduct(Text(r[5]));
  s.region = Text(r[6]);
  s.line = Text(r[7]);
  s.scope = *billing::ParseScope(Text(r[8]));
  s.ip_count = Int(r[9]);
  s.base_gbps = Int(r[10]);
  s.elastic_gbps = Int(r[11]);
  s.forwarding_mode = *billing::ParseForwardingMode(Text(r[12]));
  o.options.quantity = Int(r[13]);
  o.options.months = Int(r[14]);
  o.options.auto_renew = Int(r[15]) != 0;
  o.created_at = FromEpochSeconds(Int(r[16]));
  if (!store::IsNull(r[17])) o.paid_at = FromEpochSeconds(Int(r[17]));
  o.lapses_at = FromEpochSeconds(Int(r[18]));
  return o;
}

Result<std::vector<Order>> Select(store::Connection& c, const std::string& where,
                                  std::initializer_list<Value> params) {
  auto rows = RAMPART_TRY(
      c.Query("SELECT " + std::string(kColumns) + " FROM orders WHERE " + where, params));
  std::vector<Order> out;
  for (const auto& row : rows) {
    out.push_back(FromRow(row));
    for (auto& r : RAMPART_TRY(lifecycle::ResourceStatesOfOrder(c, out.back().id))) {
      out.back().resources.push_back(std::move(r.id));
    }
  }
  return out;
}

Result<void> SetStatus(store::Connection& c, std::string_view order_id, std::string_view status) {
  RAMPART_TRY(c.Query("UPDATE orders SET status = $2 WHERE id = $1",
                      {std::string(order_id), std::string(status)}));
  return {};
}

// Refunded once every resource of the order is released (cancelled one by one).
Result<void> RefundWhenAllReleased(store::Connection& c, std::string_view order_id) {
  for (const auto& r : RAMPART_TRY(lifecycle::ResourceStatesOfOrder(c, order_id))) {
    if (r.state != billing::ResourceState::kReleased) return {};
  }
  return SetStatus(c, order_id, "refunded");
}

// A delivery failed: every resource of the order fails, IPs already given to its siblings
// return to the pool, pending deliveries are cancelled, and the order is refunded in full.
Result<void> FailOrder(store::Connection& c, const Order& order, Instant now) {
  auto resources = RAMPART_TRY(lifecycle::ResourcesOfOrder(c, order.id));
  for (auto& r : resources) {
    auto removed = RAMPART_TRY(lifecycle::UnassignIps(c, r.id, "", now));
    for (const auto& [ip, pool] : removed) {
      if (pool.empty()) continue;
      if (auto rel = lifecycle::ReleaseIp(c, ip, pool); !rel) return std::unexpected(rel.error());
    }
    r.state = ResourceState::kFailed;
    if (auto u = lifecycle::UpdateResource(c, r, now, "delivery failed"); !u) return u;
    if (auto j = jobs::CancelJob(c, kDeliverJob, r.id, now); !j) return j;
  }
  if (auto s = SetStatus(c, order.id, "failed"); !s) return s;
  RAMPART_TRY(lifecycle::PostMovement(c, order.tenant_id, "refund", order.amount, order.id, now));
  if (auto n = notify::Notify(c, order.tenant_id, "delivery_failed", "",
                              "order " + order.id + " could not be delivered (no free IP in " +
                                  order.options.spec.region + "/" + order.options.spec.line +
                                  "); refunded " + order.amount.ToString() + " CNY",
                              now);
      !n) {
    return n;
  }
  return {};
}

}  // namespace

common::Seconds DeliveryPolicy::DelayFor(std::string_view resource_id) const {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;  // FNV-1a, stable across runs and builds
  for (unsigned char ch : resource_id) h = (h ^ ch) * 0x100000001b3ULL;
  const int64_t span = (max_delay - min_delay).count() + 1;
  return min_delay + common::Seconds(static_cast<int64_t>(h % static_cast<uint64_t>(span)));
}

Result<billing::Quote> QuoteForTenant(store::Connection& c, const catalog::PriceBook& book,
                                      std::string_view tenant_id,
                                      const billing::PurchaseOptions& options) {
  bool first_hdp = true;
  if (options.spec.product == catalog::Product::kHdp) {
    auto prior = RAMPART_TRY(c.Query(
        "SELECT count(*) FROM orders WHERE tenant_id = $1 AND product = 'hdp' AND paid_at IS NOT "
        "NULL AND status NOT IN ('failed', 'refunded')",
        {std::string(tenant_id)}));
    first_hdp = Int(prior[0][0]) == 0;
  }
  return billing::QuotePurchase(book, options, first_hdp);
}

Result<Order> CreateOrder(store::Connection& c, const catalog::PriceBook& book,
                          std::string_view tenant_id, const billing::PurchaseOptions& options,
                          Instant now) {
  auto quote = RAMPART_TRY(QuoteForTenant(c, book, tenant_id, options));
  Order o;
  o.id = common::NewId("ord");
  o.tenant_id = std::string(tenant_id);
  o.status = "unpaid";
  o.amount = quote.amount;
  o.options = options;
  o.created_at = now;
  o.lapses_at = now + kUnpaidLifetime;
  const auto& s = options.spec;
  auto q = RAMPART_TRY(c.Query(
      "INSERT INTO orders (id, tenant_id, status, amount_fen, product, region, line, scope, "
      "ip_count, base_gbps, elastic_gbps, forwarding_mode, quantity, months, auto_renew, "
      "created_at, lapses_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
      "$14, $15, $16, $17) RETURNING seq",
      {o.id, o.tenant_id, o.status, o.amount.fen(), std::string(catalog::ToString(s.product)),
       s.region, s.line, std::string(billing::ToString(s.scope)), s.ip_count, s.base_gbps,
       s.elastic_gbps, std::string(billing::ToString(s.forwarding_mode)), options.quantity,
       options.months, int64_t{options.auto_renew}, EpochSeconds(now), EpochSeconds(o.lapses_at)}));
  o.seq = Int(q[0][0]);
  RAMPART_TRY(jobs::ScheduleJob(c, kLapseJob, o.id, o.lapses_at));
  return o;
}

Result<Order> GetOrder(store::Connection& c, std::string_view tenant_id,
                       std::string_view order_id) {
  auto os =
      RAMPART_TRY(tenant_id.empty() ? Select(c, "id = $1", {std::string(order_id)})
                                    : Select(c, "id = $1 AND tenant_id = $2",
                                             {std::string(order_id), std::string(tenant_id)}));
  if (os.empty()) return common::Fail(common::Code::kNotFound, "no such order");
  return std::move(os[0]);
}

Result<std::vector<Order>> ListOrders(store::Connection& c, std::string_view tenant_id,
                                      int64_t cursor_seq, int64_t limit, bool newest_first) {
  return Select(c,
                newest_first ? "tenant_id = $1 AND ($2 = 0 OR seq < $2) ORDER BY seq DESC LIMIT $3"
                             : "tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                {std::string(tenant_id), cursor_seq, limit});
}

Result<Order> PayOrder(store::Connection& c, std::string_view tenant_id, std::string_view order_id,
                       const DeliveryPolicy& delivery, Instant now) {
  auto order = GetOrder(c, tenant_id, order_id);
  if (!order) return order;
  if (order->status != "unpaid" || now >= order->lapses_at) {
    return common::Fail(common::Code::kOrderNotPayable,
                        "order " + order->id + " is " +
                            (order->status == "unpaid" ? std::string("lapsed") : order->status) +
                            "; only an unpaid order can be paid");
  }
  // The status moves only from unpaid: of two concurrent payments (two nodes), the second
  // waits on the row, then finds it paid and rolls back — charged once.
  auto paid = c.Query(
      "UPDATE orders SET status = 'paid', paid_at = $2 WHERE id = $1 AND status = 'unpaid' "
      "RETURNING id",
      {order->id, EpochSeconds(now)});
  if (!paid) return std::unexpected(paid.error());
  if (paid->empty()) {
    return common::Fail(common::Code::kOrderNotPayable,
                        "order " + order->id + " was paid meanwhile");
  }
  auto debit =
      lifecycle::PostMovement(c, tenant_id, "order_payment", -order->amount, order->id, now);
  if (!debit) return std::unexpected(debit.error());
  RAMPART_TRY(jobs::CancelJob(c, kLapseJob, order->id, now));
  RAMPART_TRY(notify::Notify(c, order->tenant_id, "order_paid", "",
                             "order " + order->id + " paid: " + order->amount.ToString() + " CNY",
                             now));
  // The amount was rounded once for the whole line; each resource records its share for
  // refunds, the last one taking the remainder so the shares add up exactly.
  const int64_t quantity = order->options.quantity;
  const int64_t share = order->amount.fen() / quantity;
  for (int64_t i = 0; i < quantity; ++i) {
    lifecycle::Resource r;
    r.id = common::NewId("res");
    r.tenant_id = order->tenant_id;
    r.order_id = order->id;
    r.spec = order->options.spec;
    r.state = ResourceState::kProvisioning;
    r.auto_renew = order->options.auto_renew;
    r.months = order->options.months;
    r.paid = common::Money::FromFen(
        i + 1 < quantity ? share : order->amount.fen() - share * (quantity - 1));
    r.created_at = now;
    RAMPART_TRY(lifecycle::InsertResource(c, r, "paid"));
    RAMPART_TRY(jobs::ScheduleJob(c, kDeliverJob, r.id, now + delivery.DelayFor(r.id)));
  }
  return GetOrder(c, tenant_id, order_id);
}

Result<void> DeliverResource(store::Connection& c, const common::BillingCalendar& calendar,
                             std::string_view resource_id, Instant now) {
  auto r = lifecycle::GetResourceForUpdate(c, "", resource_id);
  if (!r)
    return r.error().code == common::Code::kNotFound ? Result<void>{} : std::unexpected(r.error());
  if (r->state != ResourceState::kProvisioning) return {};  // failed with its order, or done
  auto order = GetOrder(c, "", r->order_id);
  if (!order) return std::unexpected(order.error());
  if (r->spec.product == catalog::Product::kHdip) {
    auto ip = RAMPART_TRY(lifecycle::AllocateIp(c, r->spec.region, r->spec.line));
    if (!ip) return FailOrder(c, *order, now);  // the pool is exhausted
    if (auto a = lifecycle::AssignIp(c, r->id, (ip)->ip, (ip)->pool_id, now); !a) return a;
  }
  // hdp protects the customer's own IPs, bound after delivery: nothing to allocate.
  r->state = ResourceState::kRunning;
  r->delivered_at = now;
  r->expires_at = calendar.AddMonths(now, static_cast<int>(r->months));
  if (auto u = lifecycle::UpdateResource(c, *r, now, "delivered"); !u) return u;
  // The term starts at delivery: the order's share pays for it from now.
  if (auto p = lifecycle::RecordPaidPeriod(c, r->id, "order", {r->paid, now, *r->expires_at}, now);
      !p) {
    return p;
  }
  if (auto t = lifecycle::ScheduleTerm(c, *r); !t) return t;
  if (auto n = notify::Notify(c, r->tenant_id, "delivered", r->id,
                              "delivered; expires " + common::FormatRfc3339(*r->expires_at), now);
      !n) {
    return n;
  }
  for (const auto& sibling : RAMPART_TRY(lifecycle::ResourceStatesOfOrder(c, order->id))) {
    if (sibling.state == billing::ResourceState::kProvisioning) return {};
  }
  return SetStatus(c, order->id, "delivered");
}

Result<std::pair<lifecycle::Resource, common::Money>> CancelResource(store::Connection& c,
                                                                     std::string_view tenant_id,
                                                                     std::string_view resource_id,
                                                                     Instant now) {
  auto cancelled = RAMPART_TRY(lifecycle::CancelTerm(c, tenant_id, resource_id, now));
  RAMPART_TRY(RefundWhenAllReleased(c, cancelled.first.order_id));
  return cancelled;
}

Result<void> LapseOrder(store::Connection& c, std::string_view order_id, Instant) {
  RAMPART_TRY(c.Query("UPDATE orders SET status = 'lapsed' WHERE id = $1 AND status = 'unpaid'",
                      {std::string(order_id)}));
  return {};
}

}  // namespace rampart::ordering
