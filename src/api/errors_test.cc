// Error codes and their HTTP statuses: bad input is 400 by name; a broken invariant (a stored
// block that does not decode, a code nobody mapped) is 500 with an error id, never blamed on
// the client (before, any unmapped code answered 400, so a corrupt block said "bad request").
#include "api/errors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <set>
#include <string_view>

namespace rampart::api {
namespace {

TEST(Errors, BadInputByNameAndEverythingElseIsOurs) {
  EXPECT_EQ(StatusFor(common::Code::kInvalidOption), 400);
  EXPECT_EQ(StatusFor(common::Code::kUnknownField), 400);
  EXPECT_EQ(StatusFor(common::Code::kNotFound), 404);
  EXPECT_EQ(StatusFor(common::Code::kNoCapacity), 409);
  EXPECT_EQ(StatusFor(common::Code::kInvalidBlock), 500);
  EXPECT_EQ(StatusFor(common::Code::kDatabaseUnavailable), 503);
}

// The codes are a closed set: each has its own snake_case wire name and an HTTP status.
TEST(Errors, EveryCodeHasItsOwnWireNameAndAStatus) {
  std::set<std::string_view> names;
#define RAMPART_ERROR_CHECK(e, name)                                   \
  EXPECT_EQ(common::WireName(common::Code::e), name);                  \
  EXPECT_TRUE(names.insert(name).second) << name << " is named twice"; \
  EXPECT_GE(StatusFor(common::Code::e), 400) << name;                  \
  EXPECT_TRUE(std::ranges::all_of(std::string_view(name), [](char c) { \
    return c == '_' || (c >= 'a' && c <= 'z');                         \
  })) << name;
  RAMPART_ERROR_CODES(RAMPART_ERROR_CHECK)
#undef RAMPART_ERROR_CHECK
  EXPECT_GE(names.size(), 60u);
}

// docs/api.md's table of codes names every code (and so stays the list a client can rely on).
TEST(Errors, TheApiDocumentListsEveryCode) {
  std::ifstream in(std::string(RAMPART_SOURCE_DIR) + "/docs/api.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(doc.empty());
#define RAMPART_ERROR_DOCUMENTED(e, name) \
  EXPECT_NE(doc.find("`" name "`"), std::string::npos) << name << " is not in docs/api.md";
  RAMPART_ERROR_CODES(RAMPART_ERROR_DOCUMENTED)
#undef RAMPART_ERROR_DOCUMENTED
}

TEST(Errors, AnInternalErrorGivesAnIdAndNoDetail) {
  const auto r =
      ErrorResponse(common::Code::kInvalidBlock, "block of res_1 on 2026-11-26 is 3 bytes short");
  EXPECT_EQ(r.status, 500);
  const auto body = boost::json::parse(r.body).at("error").as_object();
  EXPECT_EQ(body.at("code").as_string(), "invalid_block");
  EXPECT_EQ(std::string(body.at("message").as_string()).find("res_1"), std::string::npos);
  EXPECT_TRUE(body.at("details").as_object().contains("error_id"));
  const auto bad = ErrorResponse(common::Code::kInvalidOption, "months must be 1-12", "months");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("months must be 1-12"), std::string::npos);
}

}  // namespace
}  // namespace rampart::api
