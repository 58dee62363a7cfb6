#include "collect/state_journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace rampart::collect {
namespace {

namespace fs = std::filesystem;

class StateJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("journal-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> Load() {
    StateJournal j(dir_);
    auto parts = j.Load();
    EXPECT_TRUE(parts.has_value());
    return parts.value_or(std::vector<std::string>{});
  }
  fs::path dir_;
};

TEST_F(StateJournalTest, ASnapshotAndItsRecordsComeBackInOrder) {
  EXPECT_TRUE(Load().empty());  // nothing yet
  StateJournal j(dir_);
  ASSERT_TRUE(j.Load().has_value());
  ASSERT_TRUE(j.WriteSnapshot("snapshot 1\n").has_value());
  ASSERT_TRUE(j.Append("change a\n").has_value());
  ASSERT_TRUE(j.Append("change b\n== with a mark\n").has_value());
  EXPECT_EQ(Load(),
            (std::vector<std::string>{"snapshot 1\n", "change a\n", "change b\n== with a mark\n"}));
  // A new snapshot starts afresh: the old records are gone.
  ASSERT_TRUE(j.WriteSnapshot("snapshot 2\n").has_value());
  ASSERT_TRUE(j.Append("change c\n").has_value());
  EXPECT_EQ(Load(), (std::vector<std::string>{"snapshot 2\n", "change c\n"}));
}

TEST_F(StateJournalTest, ATornRecordIsCutAndWhatFollowsIsKept) {
  {
    StateJournal j(dir_);
    ASSERT_TRUE(j.WriteSnapshot("s\n").has_value());
    ASSERT_TRUE(j.Append("one\n").has_value());
    ASSERT_TRUE(j.Append("two\n").has_value());
  }
  // A crash mid-write: the last record lost its end.
  fs::resize_file(dir_ / "journal", fs::file_size(dir_ / "journal") - 2);
  StateJournal j(dir_);
  auto parts = j.Load();
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(*parts, (std::vector<std::string>{"s\n", "one\n"}));
  ASSERT_TRUE(j.Append("three\n").has_value());  // follows "one", not the torn bytes
  EXPECT_EQ(Load(), (std::vector<std::string>{"s\n", "one\n", "three\n"}));
  // A flipped byte fails the checksum: that record and what follows are not trusted.
  {
    std::fstream f(dir_ / "journal", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f.put('X');
  }
  EXPECT_EQ(Load(), (std::vector<std::string>{"s\n", "one\n"}));
}

TEST_F(StateJournalTest, RecordsOfAnOlderGenerationAreIgnored) {
  StateJournal j(dir_);
  ASSERT_TRUE(j.WriteSnapshot("s1\n").has_value());
  ASSERT_TRUE(j.Append("old change\n").has_value());
  const std::string old_journal = [&] {
    std::ifstream in(dir_ / "journal", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  ASSERT_TRUE(j.WriteSnapshot("s2\n").has_value());
  // A crash between the snapshot's rename and the journal's emptying: the old records remain.
  std::ofstream(dir_ / "journal", std::ios::binary) << old_journal;
  EXPECT_EQ(Load(), (std::vector<std::string>{"s2\n"}));
  // A snapshot from before the journal (no generation line) is read whole.
  fs::remove(dir_ / "journal");
  std::ofstream(dir_ / "state") << "== templates\nflow-templates 1\n";
  EXPECT_EQ(Load(), (std::vector<std::string>{"== templates\nflow-templates 1\n"}));
}

}  // namespace
}  // namespace rampart::collect
