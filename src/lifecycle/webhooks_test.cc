#include "lifecycle/webhooks.h"

#include <gtest/gtest.h>

#include <type_traits>

#include "account/account.h"
#include "store/test_database.h"

namespace rampart::lifecycle {
namespace {

using common::Instant;
using common::Seconds;
const Instant kT0 = common::ParseRfc3339("2026-11-26T00:00:00Z").value();

// The bug: a delivery in flight while its webhook was deleted had its `cancelled` status
// overwritten by the attempt's outcome, and deleted webhooks' deliveries were still due.
// A tenant with one webhook and one delivery queued for it at kT0.
class Webhooks : public ::testing::Test {
 protected:
  void SetUp() override {
    tenant = in([](store::Connection& c) { return account::CreateTenant(c, "acme", kT0); })->id;
    auto created = in([&](store::Connection& c) {
      return CreateWebhook(c, tenant, "http://hooks.example.com/x", "", kT0, false);
    });
    ASSERT_TRUE(created) << created.error().message;
    hook = *created;
    ASSERT_TRUE(in([&](store::Connection& c) {
      return EnqueueDeliveries(c, tenant, "ntf_1", "order_paid", "{}", kT0);
    }));
  }
  template <typename F>
  auto in(F work) -> std::invoke_result_t<F, store::Connection&> {
    return db->Transact(work);
  }
  std::unique_ptr<store::Database> db = store::MigratedMemoryDatabase();
  std::string tenant;
  Webhook hook;
};

TEST_F(Webhooks, ADeletedWebhookIsNeverRetried) {
  auto due = in([&](store::Connection& c) { return DueDeliveries(c, kT0, 10); });
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);  // claimed: being sent
  ASSERT_TRUE(in([&](store::Connection& c) { return DeleteWebhook(c, tenant, hook.id, kT0); }));
  ASSERT_TRUE(in([&](store::Connection& c) {
    return RecordAttempt(c, due->at(0).seq, false, 500, "the receiver answered 500", kT0);
  }));
  auto log =
      db->Use([&](store::Connection& c) { return ListDeliveries(c, tenant, hook.id, 0, 10); });
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
TEST_F(Webhooks, DeliveriesOfADeletedWebhookAreNotDue) {
  ASSERT_TRUE(db->Use([&](store::Connection& c) {
    return c.Query("UPDATE webhooks SET deleted_at = $1", {int64_t{1}});
  }));
  auto due = in([&](store::Connection& c) { return DueDeliveries(c, kT0, 10); });
  ASSERT_TRUE(due);
  EXPECT_TRUE(due->empty());
}

}  // namespace
}  // namespace rampart::lifecycle
