// Error codes and their HTTP statuses: bad input is 400 by name; a broken invariant (a stored
// block that does not decode, a code nobody mapped) is 500 with an error id, never blamed on
// the client (before, any unmapped code answered 400, so a corrupt block said "bad request").
#include "api/errors.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace rampart::api {
namespace {

TEST(Errors, BadInputByNameAndEverythingElseIsOurs) {
  EXPECT_EQ(StatusFor("invalid_option"), 400);
  EXPECT_EQ(StatusFor("unknown_field"), 400);
  EXPECT_EQ(StatusFor("not_found"), 404);
  EXPECT_EQ(StatusFor("no_capacity"), 409);
  EXPECT_EQ(StatusFor("invalid_block"), 500);
  EXPECT_EQ(StatusFor("a_code_nobody_mapped"), 500);
  EXPECT_EQ(StatusFor("database_unavailable"), 503);
}

TEST(Errors, AnInternalErrorGivesAnIdAndNoDetail) {
  const auto r = ErrorResponse("invalid_block", "block of res_1 on 2026-11-26 is 3 bytes short");
  EXPECT_EQ(r.status, 500);
  const auto body = boost::json::parse(r.body).at("error").as_object();
  EXPECT_EQ(body.at("code").as_string(), "invalid_block");
  EXPECT_EQ(std::string(body.at("message").as_string()).find("res_1"), std::string::npos);
  EXPECT_TRUE(body.at("details").as_object().contains("error_id"));
  const auto bad = ErrorResponse("invalid_option", "months must be 1-12", "months");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("months must be 1-12"), std::string::npos);
}

}  // namespace
}  // namespace rampart::api
