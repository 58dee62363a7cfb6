#include "common/file_io.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace rampart::common {
namespace {

namespace fs = std::filesystem;

TEST(FileIo, AnAtomicWriteReplacesTheFileWholeAndPrivately) {
  const fs::path dir =
      fs::temp_directory_path() / ("rampart_file_io_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path file = dir / "state";
  ASSERT_TRUE(WriteFileAtomically(file, "first, longer content\n"));
  ASSERT_TRUE(WriteFileAtomically(file, "second\n"));
  auto back = ReadFile(file);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "second\n");
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(dir / "state.tmp"));

  // A device is written in place, never replaced by a regular file.
  ASSERT_TRUE(WriteFileAtomically("/dev/null", "discarded"));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));

  auto missing = ReadFile(dir / "missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, common::Code::kIoError);
  EXPECT_NE(missing.error().message.find("missing"), std::string::npos);
  auto unwritable = WriteFileAtomically(dir / "no" / "such" / "dir", "x");
  ASSERT_FALSE(unwritable);
  EXPECT_EQ(unwritable.error().code, common::Code::kIoError);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rampart::common
