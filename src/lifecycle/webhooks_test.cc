#include "lifecycle/webhooks.h"

#include <gtest/gtest.h>

#include "account/account.h"
#include "store/test_database.h"

namespace rampart::lifecycle {
namespace {

using common::Instant;
using common::Seconds;
const Instant kT0 = common::ParseRfc3339("2026-11-26T00:00:00Z").value();

// The bug: a delivery in flight while its webhook was deleted had its `cancelled` status
// overwritten by the attempt's outcome, and deleted webhooks' deliveries were still due.
TEST(Webhooks, ADeletedWebhookIsNeverRetried) {
  auto db = store::MigratedMemoryDatabase();
  auto in = [&](auto work) { return db->Transact(work); };
  const std::string tenant =
      in([](store::Connection& c) { return account::CreateTenant(c, "acme", kT0); })->id;
  auto hook = in([&](store::Connection& c) {
    return CreateWebhook(c, tenant, "http://hooks.example.com/x", "", kT0, false);
  });
  ASSERT_TRUE(hook) << hook.error().message;
  ASSERT_TRUE(in([&](store::Connection& c) {
    return EnqueueDeliveries(c, tenant, "ntf_1", "order_paid", "{}", kT0);
  }));
  auto due = in([&](store::Connection& c) { return DueDeliveries(c, kT0, 10); });
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);  // claimed: being sent
  ASSERT_TRUE(in([&](store::Connection& c) { return DeleteWebhook(c, tenant, hook->id, kT0); }));
  ASSERT_TRUE(in([&](store::Connection& c) {
    return RecordAttempt(c, due->at(0).seq, false, 500, "the receiver answered 500", kT0);
  }));
  auto log =
      db->Use([&](store::Connection& c) { return ListDeliveries(c, tenant, hook->id, 0, 10); });
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ(log->at(0).status, "cancelled");
  for (int64_t later : {60, 3600, 86400}) {
    auto again =
        in([&](store::Connection& c) { return DueDeliveries(c, kT0 + Seconds(later), 10); });
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->empty()) << later;
  }
}

// Even a pending delivery left behind (written before deletion cancelled it) is never due.
TEST(Webhooks, DeliveriesOfADeletedWebhookAreNotDue) {
  auto db = store::MigratedMemoryDatabase();
  auto in = [&](auto work) { return db->Transact(work); };
  const std::string tenant =
      in([](store::Connection& c) { return account::CreateTenant(c, "acme", kT0); })->id;
  auto hook = in([&](store::Connection& c) {
    return CreateWebhook(c, tenant, "http://hooks.example.com/x", "", kT0, false);
  });
  ASSERT_TRUE(in([&](store::Connection& c) {
    return EnqueueDeliveries(c, tenant, "ntf_1", "order_paid", "{}", kT0);
  }));
  ASSERT_TRUE(db->Use([&](store::Connection& c) {
    return c.Query("UPDATE webhooks SET deleted_at = $1", {int64_t{1}});
  }));
  auto due = in([&](store::Connection& c) { return DueDeliveries(c, kT0, 10); });
  ASSERT_TRUE(due);
  EXPECT_TRUE(due->empty());
}

}  // namespace
}  // namespace rampart::lifecycle
