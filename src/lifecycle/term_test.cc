#include "lifecycle/term.h"

#include <gtest/gtest.h>

#include "account/account.h"
#include "lifecycle/balance.h"
#include "lifecycle/test_resource.h"
#include "notify/notifications.h"
#include "store/test_database.h"

namespace rampart::lifecycle {
namespace {

using billing::ResourceState;
using common::Money;
constexpr int64_t G = billing::kBitsPerGbit;
const Instant kT0 = common::ParseRfc3339("2026-11-26T00:00:00Z").value();

class Term : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::MigratedMemoryDatabase();
    tenant_ = TestTenantWithRunningResource(*db_, kT0, /*elastic_gbps=*/50);
  }
  Result<void> Move(int64_t fen, Instant at) {
    return db_->Transact([&](store::Connection& c) -> Result<void> {
      auto p = account::Post(c, tenant_, fen < 0 ? "daily_bill" : "topup", Money::FromFen(fen), "x",
                             at, true);
      if (!p) return std::unexpected(p.error());
      return ApplyArrears(c, tenant_, at);
    });
  }
  std::unique_ptr<store::Database> db_;
  std::string tenant_;
};

TEST_F(Term, ArrearsSuspendAndResumeElasticAtTheExactTimes) {
  const Instant enter = kT0 + std::chrono::hours(5);
  const Instant leave = kT0 + std::chrono::hours(9) + std::chrono::seconds(17);
  ASSERT_TRUE(Move(-100, enter));
  ASSERT_TRUE(Move(-50, enter + std::chrono::hours(1)));  // still in arrears: no new row
  ASSERT_TRUE(Move(200, leave));
  auto history = db_->Transact([](store::Connection& c) { return History(c, "res"); }).value();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_FALSE(history[0].elastic_suspended);
  EXPECT_EQ(history[1].effective_at, enter);
  EXPECT_TRUE(history[1].elastic_suspended);
  EXPECT_EQ(history[2].effective_at, leave);
  EXPECT_FALSE(history[2].elastic_suspended);
  // Rating sees it per window: C = B while suspended.
  const auto segs = Timeline(history, kT0, kT0 + std::chrono::days(1));
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].ceiling_bps, 50 * G);
  EXPECT_EQ(segs[1].from, enter);
  EXPECT_EQ(segs[1].ceiling_bps, 20 * G);
  EXPECT_EQ(segs[2].from, leave);
  EXPECT_EQ(segs[2].ceiling_bps, 50 * G);
  auto notes = db_->Transact([&](store::Connection& c) {
                    return notify::ListNotifications(c, tenant_, 0, 10);
                  })
                   .value();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].kind, "arrears_entered");
  EXPECT_EQ(notes[1].kind, "arrears_left");
}

TEST(Timeline, TakesWhatIsInForceAtTheStartAndEveryChangeInside) {
  auto entry = [](const char* at, ResourceState st, int64_t base, int64_t elastic) {
    return HistoryEntry{common::ParseRfc3339(at).value(),    st,    base, elastic,
                        billing::ForwardingMode::kByTraffic, false, ""};
  };
  const std::vector<HistoryEntry> h = {
      entry("2026-11-20T00:00:00Z", ResourceState::kProvisioning, 20, 50),
      entry("2026-11-20T00:03:00Z", ResourceState::kRunning, 20, 50),
      entry("2026-11-26T02:00:00Z", ResourceState::kRunning, 30, 50),
      entry("2026-11-26T02:00:00Z", ResourceState::kRunning, 30, 0),  // same instant: last wins
      entry("2026-11-27T00:00:00Z", ResourceState::kExpired, 30, 0),  // after the day
  };
  const Instant from = common::ParseRfc3339("2026-11-25T16:00:00Z").value();
  const auto segs = Timeline(h, from, from + std::chrono::days(1));
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].from, from);
  EXPECT_EQ(segs[0].base_bps, 20 * G);
  EXPECT_EQ(segs[0].ceiling_bps, 50 * G);
  EXPECT_EQ(segs[1].base_bps, 30 * G);
  EXPECT_EQ(segs[1].ceiling_bps, 30 * G);  // elastic off
  // A resource created mid-day has nothing in force before its first row.
  const auto fresh = Timeline({entry("2026-11-26T03:00:00Z", ResourceState::kRunning, 20, 50)},
                              from, from + std::chrono::days(1));
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].from, common::ParseRfc3339("2026-11-26T03:00:00Z").value());
  EXPECT_TRUE(Timeline({}, from, from + std::chrono::days(1)).empty());
}

}  // namespace
}  // namespace rampart::lifecycle
