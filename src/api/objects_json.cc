#include "api/objects_json.h"

#include <boost/json.hpp>

namespace rampart::api {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

value Time(const std::optional<common::Instant>& t) {
  return t ? value(common::FormatRfc3339(*t)) : value(nullptr);
}

void SpecFields(const billing::ProtectionSpec& s, object* o) {
  const bool hdip = s.product == catalog::Product::kHdip;
  (*o)["product"] = catalog::ToString(s.product);
  (*o)["region"] = s.region;
  (*o)["line"] = hdip ? value(s.line) : value(nullptr);
  (*o)["scope"] = hdip ? value(nullptr) : value(billing::ToString(s.scope));
  (*o)["ip_count"] = s.ip_count;
  (*o)["base_gbps"] = s.base_gbps;
  (*o)["elastic_gbps"] = s.elastic_gbps;
  (*o)["forwarding_mode"] = hdip ? value(billing::ToString(s.forwarding_mode)) : value(nullptr);
}

object ClassJson(const catalog::PriceClass& pc) {
  array base;
  for (const auto& t : pc.base)
    base.push_back(object{{"gbps", t.gbps}, {"monthly", t.monthly.ToString()}});
  array elastic;
  for (const auto& r : pc.elastic) {
    elastic.push_back(
        object{{"from_gbps", r.lo_gbps}, {"to_gbps", r.hi_gbps}, {"daily", r.daily.ToString()}});
  }
  return object{{"base", base}, {"elastic", elastic}, {"max_elastic_gbps", pc.max_ceiling_gbps}};
}

}  // namespace

value TenantToJson(const account::Tenant& t) {
  return object{{"id", t.id},
                {"name", t.name},
                {"balance", t.balance.ToString()},
                {"created_at", common::FormatRfc3339(t.created_at)}};
}

value LedgerEntryToJson(const account::LedgerEntry& e) {
  return object{{"id", std::to_string(e.seq)},   {"kind", e.kind},
                {"amount", e.amount.ToString()}, {"balance_after", e.balance_after.ToString()},
                {"reference", e.reference},      {"at", common::FormatRfc3339(e.at)}};
}

value OrderToJson(const ordering::Order& o) {
  object options;
  SpecFields(o.options.spec, &options);
  options["quantity"] = o.options.quantity;
  options["months"] = o.options.months;
  options["auto_renew"] = o.options.auto_renew;
  array resources;
  for (const auto& r : o.resources) resources.push_back(value(r));
  return object{{"id", o.id},
                {"status", o.status},
                {"amount", o.amount.ToString()},
                {"currency", "CNY"},
                {"created_at", common::FormatRfc3339(o.created_at)},
                {"paid_at", Time(o.paid_at)},
                {"lapses_at", o.status == "unpaid" ? Time(o.lapses_at) : value(nullptr)},
                {"options", options},
                {"resources", resources}};
}

value ResourceToJson(const lifecycle::Resource& r) {
  object o{{"id", r.id}, {"order_id", r.order_id}};
  SpecFields(r.spec, &o);
  array ips;
  for (const auto& ip : r.ips) ips.push_back(value(ip));
  o["state"] = billing::ToString(r.state);
  o["ips"] = ips;
  o["auto_renew"] = r.auto_renew;
  o["created_at"] = common::FormatRfc3339(r.created_at);
  o["delivered_at"] = Time(r.delivered_at);
  o["expires_at"] = Time(r.expires_at);
  o["pending_forwarding_mode"] = r.pending_forwarding_mode
                                     ? value(billing::ToString(*r.pending_forwarding_mode))
                                     : value(nullptr);
  o["name"] = r.name;
  array tags;
  for (const auto& t : r.tags) tags.push_back(value(t));
  o["tags"] = std::move(tags);
  return o;
}

value PoolToJson(const lifecycle::IpPool& p) {
  return object{{"id", p.id},
                {"region", p.region},
                {"line", p.line},
                {"cidr", p.cidr},
                {"size", p.size},
                {"in_use", p.in_use},
                {"free", std::max<int64_t>(0, p.size - p.in_use)},
                {"enabled", p.enabled}};
}

value NotificationToJson(const notify::Notification& n) {
  return object{{"id", n.id},
                {"kind", n.kind},
                {"at", common::FormatRfc3339(n.at)},
                {"resource", n.resource.empty() ? value(nullptr) : value(n.resource)},
                {"message", n.message}};
}

value PrefixToJson(const lifecycle::Prefix& p) {
  return object{{"id", p.id},
                {"tenant", p.tenant_id},
                {"cidr", p.cidr},
                {"created_at", common::FormatRfc3339(p.created_at)}};
}

value JobToJson(const jobs::JobRecord& j) {
  auto time_or_null = [](const std::optional<common::Instant>& t) {
    return t ? value(common::FormatRfc3339(*t)) : value(nullptr);
  };
  return object{{"id", std::to_string(j.seq)},
                {"kind", j.kind},
                {"subject", j.subject},
                {"state", j.state},
                {"due_at", common::FormatRfc3339(j.due_at)},
                {"next_try_at",
                 j.state == "done" ? value(nullptr) : value(common::FormatRfc3339(j.next_try_at))},
                {"attempts", j.attempts},
                {"last_error", j.last_error.empty() ? value(nullptr) : value(j.last_error)},
                {"done_at", time_or_null(j.done_at)},
                {"dead_at", time_or_null(j.dead_at)}};
}

value WebhookToJson(const notify::Webhook& w) {
  return object{{"id", w.id}, {"url", w.url}, {"created_at", common::FormatRfc3339(w.created_at)}};
}

value DeliveryToJson(const notify::Delivery& d) {
  return object{
      {"notification", d.notification_id},
      {"kind", d.kind},
      {"status", d.status},
      {"attempts", d.attempts},
      {"next_attempt_at", d.status == "pending" ? Time(d.next_attempt_at) : value(nullptr)},
      {"last_status", d.last_status ? value(*d.last_status) : value(nullptr)},
      {"last_error", d.last_error.empty() ? value(nullptr) : value(d.last_error)},
      {"delivered_at", Time(d.delivered_at)}};
}

value CatalogToJson(
    const catalog::PriceBook& book,
    const std::function<bool(const std::string& region, const std::string& line)>& available) {
  array networks;
  for (const auto& n : book.hdip_networks) {
    object net = ClassJson(book.ClassOf(n));
    net["region"] = n.region;
    net["line"] = n.line;
    net["available"] = available(n.region, n.line);
    net["forwarding"] = object{{"per_gb", n.forwarding.per_gb.ToString()},
                               {"per_mbps_day", n.forwarding.per_mbps_day.ToString()},
                               {"measure", catalog::ToString(n.forwarding.measure)},
                               {"included_mbps", book.included_forwarding_mbps}};
    networks.push_back(net);
  }
  array regions;
  for (const auto& r : book.hdp_regions) {
    object reg = ClassJson(book.ClassOf(r));
    reg["region"] = r.region;
    reg["available"] = true;
    regions.push_back(reg);
  }
  array factors;
  for (const auto& f : book.hdp_ip_factors) {
    factors.push_back(object{{"ip_count", f.ip_count}, {"factor", f.factor.ToString()}});
  }
  array months;
  for (int64_t m : book.terms.months) months.push_back(m);
  array discounts;
  for (const auto& d : book.terms.discounts) {
    discounts.push_back(object{{"min_months", d.min_months}, {"off", d.off.ToString(2)}});
  }
  return object{{"currency", "CNY"},
                {"billing_time_zone", book.time_zone},
                {"months", months},
                {"discounts", discounts},
                {"max_quantity", book.terms.max_quantity},
                {"products",
                 object{{"hdip", object{{"networks", networks},
                                        {"forwarding_modes", array{"by_traffic", "by_bandwidth"}}}},
                        {"hdp", object{{"regions", regions},
                                       {"scopes", array{"single", "multi"}},
                                       {"ip_count_factors", factors},
                                       {"first_purchase_min_months",
                                        book.terms.hdp_first_purchase_min_months}}}}}};
}

}  // namespace rampart::api
