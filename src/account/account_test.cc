#include "account/account.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "store/test_database.h"

namespace rampart::account {
namespace {

const Instant kNow = common::ParseRfc3339("2026-11-26T00:00:00Z").value();

class Account : public ::testing::Test {
 protected:
  void SetUp() override { db_ = store::MigratedMemoryDatabase(); }
  template <typename F>
  auto Tx(F&& f) {
    return db_->Transact(std::forward<F>(f));
  }
  std::unique_ptr<store::Database> db_;
};

TEST_F(Account, KeysAuthenticateByTheirSecretOnly) {
  auto t = Tx([](store::Connection& c) { return CreateTenant(c, "acme", kNow); }).value();
  auto key =
      Tx([&](store::Connection& c) { return IssueKey(c, Role::kTenant, t.id, kNow); }).value();
  EXPECT_EQ(key.secret.substr(0, 3), "rk_");
  auto who = Tx([&](store::Connection& c) { return Authenticate(c, key.secret); });
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->tenant_id, t.id);
  EXPECT_EQ(who->role, Role::kTenant);
  // Only the hash is stored.
  auto stored =
      db_->Use([](store::Connection& c) { return c.Query("SELECT key_hash FROM api_keys"); });
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(store::Text((*stored)[0][0]).find(key.secret), std::string::npos);
  EXPECT_EQ(store::Text((*stored)[0][0]), common::Sha256Hex(key.secret));
  EXPECT_EQ(
      Tx([&](store::Connection& c) { return Authenticate(c, key.secret + "x"); }).error().code,
      common::Code::kUnauthenticated);
  ASSERT_TRUE(Tx([&](store::Connection& c) { return RevokeKey(c, t.id, key.id, kNow); }));
  EXPECT_EQ(Tx([&](store::Connection& c) { return Authenticate(c, key.secret); }).error().code,
            common::Code::kUnauthenticated);
}

TEST_F(Account, TenantNamesAreUnique) {
  ASSERT_TRUE(Tx([](store::Connection& c) { return CreateTenant(c, "acme", kNow); }));
  auto again = Tx([](store::Connection& c) { return CreateTenant(c, "acme", kNow); });
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, common::Code::kConflict);
  EXPECT_EQ(Tx([](store::Connection& c) { return CreateTenant(c, "", kNow); }).error().field,
            "name");
}

TEST_F(Account, LedgerIsAppendOnlyAndBalances) {
  auto t = Tx([](store::Connection& c) { return CreateTenant(c, "acme", kNow); }).value();
  auto post = [&](int64_t fen, bool allow_negative = false) {
    return Tx([&](store::Connection& c) {
      return Post(c, t.id, fen > 0 ? "topup" : "order_payment", Money::FromFen(fen), "ref", kNow,
                  allow_negative);
    });
  };
  EXPECT_EQ(post(100'00)->balance_after.ToString(), "100.00");
  EXPECT_EQ(post(-30'00)->balance_after.ToString(), "70.00");
  auto refused = post(-71'00);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, common::Code::kInsufficientBalance);
  EXPECT_EQ(post(-71'00, true)->balance_after.ToString(), "-1.00");
  auto entries = Tx([&](store::Connection& c) { return ListLedger(c, t.id, 0, 100); }).value();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].amount.ToString(), "-30.00");
  EXPECT_TRUE(Tx([&](store::Connection& c) { return VerifyLedger(c, t.id); }).has_value());
  // Tampering with the cached balance is caught.
  ASSERT_TRUE(db_->Use([&](store::Connection& c) {
    return c.Query("UPDATE tenants SET balance_fen = 5 WHERE id = $1", {t.id});
  }));
  EXPECT_EQ(Tx([&](store::Connection& c) { return VerifyLedger(c, t.id); }).error().code,
            common::Code::kLedgerMismatch);
}

}  // namespace
}  // namespace rampart::account
