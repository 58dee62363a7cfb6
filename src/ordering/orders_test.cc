#include "ordering/orders.h"

#include <gtest/gtest.h>

#include <set>

#include "account/account.h"
#include "catalog/pricebook_loader.h"
#include "lifecycle/ip_pools.h"
#include "lifecycle/resources.h"
#include "store/test_database.h"

namespace rampart::ordering {
namespace {

const Instant kT0 = common::ParseRfc3339("2026-11-26T00:00:00Z").value();

class Orders : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::MigratedMemoryDatabase();
    tenant_ =
        db_->Transact([](store::Connection& c) { return account::CreateTenant(c, "acme", kT0); })
            ->id;
    ASSERT_TRUE(db_->Transact([&](store::Connection& c) {
      return account::Post(c, tenant_, "topup", common::Money::FromYuan(100000), "t", kT0);
    }));
  }
  template <typename F>
  auto Tx(F&& f) {
    return db_->Transact(std::forward<F>(f));
  }
  billing::PurchaseOptions Hdip(int64_t quantity) {
    billing::PurchaseOptions o;
    o.spec.region = "cn-south";
    o.spec.line = "bgp";
    o.spec.base_gbps = 20;
    o.spec.elastic_gbps = 50;
    o.quantity = quantity;
    o.months = 1;
    return o;
  }

  std::unique_ptr<store::Database> db_;
  std::string tenant_;
  const common::BillingCalendar calendar_ =
      common::BillingCalendar::Create("Asia/Shanghai").value();
};

TEST_F(Orders, DeliveryDelaysAreSeededAndWithinRange) {
  DeliveryPolicy p{std::chrono::seconds(60), std::chrono::seconds(300), 7};
  std::set<int64_t> seen;
  for (int i = 0; i < 500; ++i) {
    const auto d = p.DelayFor("res_" + std::to_string(i));
    ASSERT_GE(d.count(), 60);
    ASSERT_LE(d.count(), 300);
    seen.insert(d.count());
    EXPECT_EQ(d, p.DelayFor("res_" + std::to_string(i)));  // deterministic
  }
  EXPECT_GT(seen.size(), 150u);  // spread over the range
  DeliveryPolicy other = p;
  other.seed = 8;
  int same = 0;
  for (int i = 0; i < 100; ++i)
    same += other.DelayFor("res_" + std::to_string(i)) == p.DelayFor("res_" + std::to_string(i));
  EXPECT_LT(same, 10);
}

TEST_F(Orders, PaymentRecordsTheConfigurationHistoryAndDeliveryAddsToIt) {
  const DeliveryPolicy policy{std::chrono::seconds(120), std::chrono::seconds(120), 1};
  ASSERT_TRUE(Tx([](store::Connection& c) {
    return lifecycle::AddPool(c, "cn-south", "bgp", "203.0.113.0/30", kT0);
  }));
  auto order = Tx([&](store::Connection& c) {
    return CreateOrder(c, catalog::DefaultPriceBook(), tenant_, Hdip(1), kT0);
  });
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(order->amount.ToString(), "16600.00");
  const Instant paid_at = kT0 + std::chrono::seconds(10);
  auto paid =
      Tx([&](store::Connection& c) { return PayOrder(c, tenant_, order->id, policy, paid_at); });
  ASSERT_TRUE(paid.has_value()) << paid.error().message;
  const std::string res = paid->resources.at(0);
  const Instant due = paid_at + std::chrono::seconds(120);
  ASSERT_TRUE(Tx([&](store::Connection& c) { return DeliverResource(c, calendar_, res, due); }));
  auto history = Tx([&](store::Connection& c) { return lifecycle::History(c, res); }).value();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].effective_at, paid_at);
  EXPECT_EQ(history[0].state, billing::ResourceState::kProvisioning);
  EXPECT_EQ(history[1].effective_at, due);
  EXPECT_EQ(history[1].state, billing::ResourceState::kRunning);
  EXPECT_EQ(history[1].base_gbps, 20);
  EXPECT_EQ(history[1].elastic_gbps, 50);
  auto r =
      Tx([&](store::Connection& c) { return lifecycle::GetResource(c, tenant_, res); }).value();
  EXPECT_EQ(r.ips, std::vector<std::string>{"203.0.113.0"});
  EXPECT_EQ(*r.expires_at, calendar_.AddMonths(due, 1));
  // Delivering again (a job retried after a crash) changes nothing.
  ASSERT_TRUE(Tx([&](store::Connection& c) {
    return DeliverResource(c, calendar_, res, due + std::chrono::seconds(5));
  }));
  EXPECT_EQ(Tx([&](store::Connection& c) { return lifecycle::History(c, res); })->size(), 2u);
}

TEST_F(Orders, ResourceSharesAddUpToTheOrderAmount) {
  auto o = Hdip(3);
  o.spec.base_gbps = 10;
  o.months = 7;  // 8,600 x 7 x 3 x 0.85 = 153,510.00, not divisible by 3 in fen
  auto order = Tx([&](store::Connection& c) {
    return CreateOrder(c, catalog::DefaultPriceBook(), tenant_, o, kT0);
  });
  ASSERT_TRUE(order.has_value()) << order.error().message;
  EXPECT_EQ(order->amount, common::Money::FromYuan(153'510));
  ASSERT_TRUE(Tx([&](store::Connection& c) {
    return account::Post(c, tenant_, "topup", common::Money::FromYuan(100000), "t", kT0);
  }));
  auto paid = Tx([&](store::Connection& c) { return PayOrder(c, tenant_, order->id, {}, kT0); });
  ASSERT_TRUE(paid.has_value()) << paid.error().message;
  int64_t sum = 0;
  for (const auto& id : paid->resources) {
    sum += Tx([&](store::Connection& c) {
             return lifecycle::GetResource(c, tenant_, id);
           })->paid.fen();
  }
  EXPECT_EQ(sum, order->amount.fen());
}

TEST_F(Orders, PoolsHandOutInOrderAndReuseReleasedAddresses) {
  ASSERT_TRUE(Tx([](store::Connection& c) {
    return lifecycle::AddPool(c, "cn-south", "bgp", "203.0.113.0/31", kT0);
  }));
  auto take = [&] {
    return Tx([](store::Connection& c) { return lifecycle::AllocateIp(c, "cn-south", "bgp"); })
        .value();
  };
  auto a = take();
  auto b = take();
  EXPECT_EQ(a->ip, "203.0.113.0");
  EXPECT_EQ(b->ip, "203.0.113.1");
  EXPECT_FALSE(take().has_value());  // exhausted
  ASSERT_TRUE(Tx([&](store::Connection& c) { return lifecycle::ReleaseIp(c, a->ip, a->pool_id); }));
  EXPECT_EQ(take()->ip, "203.0.113.0");
  EXPECT_FALSE(Tx([](store::Connection& c) {
                 return lifecycle::AllocateIp(c, "cn-east", "bgp");
               })->has_value());
}

}  // namespace
}  // namespace rampart::ordering
