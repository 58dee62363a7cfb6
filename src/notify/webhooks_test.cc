#include "notify/webhooks.h"

#include <gtest/gtest.h>

#include <type_traits>

#include "account/account.h"
#include "common/crypto.h"
#include "store/test_database.h"

namespace rampart::notify {
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
      return CreateWebhook(c, tenant, "http://hooks.example.com/x", "", std::string(32, 'k'), kT0,
                           false);
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

// A failed attempt is retried after 10 s, then 20, 40, ... (never earlier), and the 8th
// failure gives up.
TEST_F(Webhooks, FailuresBackOffFromTenSecondsDoublingAndGiveUpAfterEight) {
  Instant now = kT0;
  int64_t expected_wait = 10;
  for (int attempt = 1; attempt <= 8; ++attempt) {
    auto due = in([&](store::Connection& c) { return DueDeliveries(c, now, 10); });
    ASSERT_TRUE(due);
    ASSERT_EQ(due->size(), 1u) << "attempt " << attempt;
    ASSERT_TRUE(in([&](store::Connection& c) {
      return RecordAttempt(c, due->at(0).seq, false, 503, "the receiver answered 503", now);
    }));
    auto log =
        db->Use([&](store::Connection& c) { return ListDeliveries(c, tenant, hook.id, 0, 10); });
    ASSERT_TRUE(log);
    EXPECT_EQ(log->at(0).attempts, attempt);
    if (attempt == 8) {
      EXPECT_EQ(log->at(0).status, "failed");
      break;
    }
    EXPECT_EQ(log->at(0).status, "pending");
    EXPECT_EQ(log->at(0).next_attempt_at, now + Seconds(expected_wait)) << "attempt " << attempt;
    auto early = in([&](store::Connection& c) {
      return DueDeliveries(c, now + Seconds(expected_wait - 1), 10);
    });
    ASSERT_TRUE(early);
    EXPECT_TRUE(early->empty()) << "retried before its backoff, attempt " << attempt;
    now += Seconds(expected_wait);
    expected_wait *= 2;
  }
  for (int64_t later : {3600, 86400}) {
    auto again =
        in([&](store::Connection& c) { return DueDeliveries(c, now + Seconds(later), 10); });
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->empty());
  }
}

// The secret leaves the database only sealed; a key that did not seal it is refused at
// start, and secrets an older version stored in clear are sealed.
TEST_F(Webhooks, SecretsAreSealedAtRest) {
  const std::string key(32, 'k');
  EXPECT_EQ(hook.secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(StandardWebhookKey(hook.secret).size(), 24u);
  auto stored = db->Use([&](store::Connection& c) {
    return c.Query("SELECT secret FROM webhooks WHERE id = $1", {hook.id});
  });
  ASSERT_TRUE(stored);
  const std::string sealed = store::Text((*stored)[0][0]);
  EXPECT_EQ(sealed.find(hook.secret), std::string::npos);
  EXPECT_EQ(common::Open(key, sealed), hook.secret);
  auto due = in([&](store::Connection& c) { return DueDeliveries(c, kT0, 10); });
  ASSERT_TRUE(due);
  EXPECT_EQ(common::Open(key, due->at(0).secret), hook.secret);

  ASSERT_TRUE(db->Use([&](store::Connection& c) {
    return c.Query("UPDATE webhooks SET secret = 'old-clear-secret-1234'");
  }));
  auto sealed_now = in([&](store::Connection& c) { return SealSecretsAtRest(c, key); });
  ASSERT_TRUE(sealed_now) << sealed_now.error().message;
  EXPECT_EQ(*sealed_now, 1);
  stored = db->Use([&](store::Connection& c) { return c.Query("SELECT secret FROM webhooks"); });
  EXPECT_EQ(common::Open(key, store::Text((*stored)[0][0])), "old-clear-secret-1234");
  EXPECT_EQ(*in([&](store::Connection& c) { return SealSecretsAtRest(c, key); }), 0);
  auto other = in([&](store::Connection& c) { return SealSecretsAtRest(c, std::string(32, 'o')); });
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, common::Code::kSecretsKeyMismatch);
  EXPECT_EQ(StandardWebhookKey("my-own-secret-0123"), "my-own-secret-0123");
}

}  // namespace
}  // namespace rampart::notify
