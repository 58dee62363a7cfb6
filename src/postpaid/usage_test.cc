// Usage storage in parts: a batch appends its new windows as the next part of a block, and
// the 16th part folds them back into part 0 (postpaid/usage.cc).
#include "postpaid/usage.h"

#include <gtest/gtest.h>

#include "account/account.h"
#include "catalog/pricebook_loader.h"
#include "lifecycle/resources.h"
#include "lifecycle/test_resource.h"
#include "postpaid/day_close.h"
#include "store/test_database.h"

namespace rampart::postpaid {
namespace {

const common::Instant kT0 = common::ParseRfc3339("2026-11-26T00:00:00Z").value();

class UsageParts : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::MigratedMemoryDatabase();
    tenant_ = lifecycle::TestTenantWithRunningResource(*db_, kT0, /*elastic_gbps=*/0);
    ASSERT_TRUE(db_->Transact([&](store::Connection& c) {
      return lifecycle::AssignIp(c, "res", "203.0.113.5", "", kT0);
    }));
  }
  // One batch of one window at 02:00Z + `minute`.
  IngestReport Post(int minute) {
    metering::UsageSample s;
    s.ip = common::IpAddress::Parse("203.0.113.5").value();
    s.window_start =
        common::ParseRfc3339("2026-11-26T02:00:00Z").value() + std::chrono::minutes(minute);
    s.window_s = 60;
    s.attack_bps = int64_t{1'000'000'000} * (minute + 1);
    std::vector<IncomingSample> batch{{0, s, {}}};
    return db_
        ->Transact([&](store::Connection& c) {
          return IngestSamples(c, *calendar_, "", batch, kT0 + std::chrono::hours(5));
        })
        .value();
  }
  int64_t Rows() {
    auto rows =
        db_->Use([](store::Connection& c) { return c.Query("SELECT count(*) FROM usage_blocks"); });
    return store::Int(rows.value()[0][0]);
  }
  std::unique_ptr<store::Database> db_;
  std::string tenant_;
  std::unique_ptr<common::BillingCalendar> calendar_ = std::make_unique<common::BillingCalendar>(
      common::BillingCalendar::Create("Asia/Shanghai").value());
};

TEST_F(UsageParts, BatchesAppendPartsAndEverySixteenthFoldsThem) {
  for (int m = 0; m < 15; ++m) {
    ASSERT_EQ(Post(m).accepted, 1);
    EXPECT_EQ(Rows(), m + 1);  // parts 0..m: each batch wrote only its new window
  }
  ASSERT_EQ(Post(15).accepted, 1);
  EXPECT_EQ(Rows(), 1);  // folded into part 0
  ASSERT_EQ(Post(16).accepted, 1);
  EXPECT_EQ(Rows(), 2);
  // Every window reads back, from part 0 and the part after it; repeats are duplicates.
  auto windows = db_->Use([&](store::Connection& c) {
    return WindowsOfDay(c, *calendar_, tenant_, "res", "2026-11-26");
  });
  ASSERT_TRUE(windows.has_value());
  ASSERT_EQ(windows->size(), 17u);
  for (int m = 0; m < 17; ++m) {
    EXPECT_EQ((*windows)[static_cast<size_t>(m)].attack_bps, int64_t{1'000'000'000} * (m + 1));
  }
  EXPECT_EQ(Post(3).duplicates, 1);
  EXPECT_EQ(Post(16).duplicates, 1);
}

// The day close drops assignment history that ended before the oldest usage day it keeps:
// no sample can be filed under it any more.
TEST_F(UsageParts, TheDayCloseForgetsAssignmentsOlderThanTheUsageKept) {
  auto history = [&] {
    auto rows = db_->Use([](store::Connection& c) {
      return c.Query("SELECT count(*) FROM ip_assignments WHERE to_at IS NOT NULL");
    });
    return store::Int(rows.value()[0][0]);
  };
  ASSERT_TRUE(db_->Transact([&](store::Connection& c) -> common::Result<void> {
    auto gone = lifecycle::UnassignIps(c, "res", "", kT0 + std::chrono::hours(1));
    if (!gone) return std::unexpected(gone.error());
    return {};
  }));
  ASSERT_EQ(history(), 1);
  auto close = [&](const char* day, int retention) {
    return db_->Transact([&](store::Connection& c) {
      return OnDayClose(c, catalog::DefaultPriceBook(), *calendar_, day,
                        kT0 + std::chrono::days(10), retention);
    });
  };
  ASSERT_TRUE(close("2026-11-30", 4).has_value());  // keeps from 2026-11-26: still needed
  EXPECT_EQ(history(), 1);
  ASSERT_TRUE(close("2026-12-01", 4).has_value());  // keeps from 2026-11-27: ended before it
  EXPECT_EQ(history(), 0);
}

}  // namespace
}  // namespace rampart::postpaid
