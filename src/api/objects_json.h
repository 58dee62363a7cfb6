// The service's objects as JSON (api.md "Objects"): money as strings with two decimals,
// times RFC 3339 UTC, absent times as null.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>

#include "account/account.h"
#include "catalog/pricebook.h"
#include "jobs/jobs.h"
#include "lifecycle/ip_pools.h"
#include "lifecycle/prefixes.h"
#include "lifecycle/resources.h"
#include "notify/notifications.h"
#include "notify/webhooks.h"
#include "ordering/orders.h"

namespace rampart::api {

boost::json::value TenantToJson(const account::Tenant& t);
boost::json::value LedgerEntryToJson(const account::LedgerEntry& e);
boost::json::value OrderToJson(const ordering::Order& o);
boost::json::value ResourceToJson(const lifecycle::Resource& r);
boost::json::value PoolToJson(const lifecycle::IpPool& p);
boost::json::value NotificationToJson(const notify::Notification& n);
boost::json::value PrefixToJson(const lifecycle::Prefix& p);
// A job for the operator: its id is its seq, as text (POST /v1/admin/jobs/{id}/retry).
boost::json::value JobToJson(const jobs::JobRecord& j);
// A webhook without its secret (shown only when created).
boost::json::value WebhookToJson(const notify::Webhook& w);
boost::json::value DeliveryToJson(const notify::Delivery& d);
// Products, networks and regions, allowed options and list prices.
// `available(region, line)`: whether an hdip network has capacity now (a pool with a free
// address); hdp regions are always available (they protect the customer's own addresses).
boost::json::value CatalogToJson(
    const catalog::PriceBook& book,
    const std::function<bool(const std::string& region, const std::string& line)>& available);

}  // namespace rampart::api
