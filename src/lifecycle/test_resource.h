// For unit tests of lifecycle and of what sits on it (postpaid): tenant "acme" owning a
// running hdip resource "res" (cn-south, bgp, 20 Gbps base, `elastic_gbps` elastic) from `t0`
// for 30 days, of order "ord". The order row is written directly: ordering, its owner, sits
// above lifecycle, so these tests cannot call it. Asserts (gtest) that each step succeeds.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "account/account.h"
#include "lifecycle/resources.h"
#include "store/database.h"

namespace rampart::lifecycle {

inline std::string TestTenantWithRunningResource(store::Database& db, common::Instant t0,
                                                 int64_t elastic_gbps) {
  auto tenant =
      db.Transact([&](store::Connection& c) { return account::CreateTenant(c, "acme", t0); });
  EXPECT_TRUE(tenant) << tenant.error().message;
  if (!tenant) return {};
  Resource r;
  r.id = "res";
  r.tenant_id = tenant->id;
  r.order_id = "ord";
  r.spec.region = "cn-south";
  r.spec.line = "bgp";
  r.spec.base_gbps = 20;
  r.spec.elastic_gbps = elastic_gbps;
  r.state = billing::ResourceState::kRunning;
  r.created_at = t0;
  r.delivered_at = t0;
  r.expires_at = t0 + std::chrono::days(30);
  auto made = db.Transact([&](store::Connection& c) -> common::Result<void> {
    RAMPART_TRY(c.Query(
        "INSERT INTO orders (id, tenant_id, status, amount_fen, product, region, line, scope, "
        "ip_count, base_gbps, elastic_gbps, forwarding_mode, quantity, months, auto_renew, "
        "created_at, lapses_at) VALUES ('ord', $1, 'delivered', 0, 'hdip', 'cn-south', 'bgp', "
        "'single', 1, 20, $2, 'by_traffic', 1, 1, 0, 0, 0)",
        {r.tenant_id, elastic_gbps}));
    return InsertResource(c, r, "test");
  });
  EXPECT_TRUE(made) << made.error().message;
  return r.tenant_id;
}

}  // namespace rampart::lifecycle
