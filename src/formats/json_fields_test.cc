#include "formats/json_fields.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace rampart::formats {
namespace {

boost::json::value Parse(const char* text) { return boost::json::parse(text); }

TEST(FieldReader, ReadsTypedFields) {
  const auto v = Parse(R"({"s": "x", "n": 5, "b": true, "a": [1], "z": null})");
  FieldReader r(v);
  EXPECT_EQ(r.String("s", true), "x");
  EXPECT_EQ(r.Int("n", true, 0, 10), 5);
  EXPECT_EQ(r.Bool("b", true), true);
  EXPECT_NE(r.Array("a", true), nullptr);
  EXPECT_EQ(r.String("z", false), std::nullopt);  // null = absent
  EXPECT_EQ(r.Int("missing", false, 0, 1), std::nullopt);
  EXPECT_FALSE(r.Finish().has_value());
}

struct Bad {
  const char* body;
  const char* code;
  const char* field;
};

TEST(FieldReader, NamesTheFieldOfTheFirstProblem) {
  const Bad cases[] = {
      {R"([1])", "invalid_type", ""},
      {R"({"n": "5"})", "invalid_type", "n"},
      {R"({"n": 5.5})", "invalid_type", "n"},
      {R"({"n": 1e3})", "invalid_type", "n"},
      {R"({"n": 11})", "out_of_range", "n"},
      {R"({"n": -1})", "out_of_range", "n"},
      {R"({"n": 18446744073709551615})", "out_of_range", "n"},
      {R"({})", "missing_field", "n"},
      {R"({"n": null})", "missing_field", "n"},
      {R"({"n": 1, "typo": 2})", "unknown_field", "typo"},
  };
  for (const auto& c : cases) {
    const auto v = Parse(c.body);
    FieldReader r(v);
    r.Int("n", true, 0, 10);
    auto e = r.Finish();
    ASSERT_TRUE(e.has_value()) << c.body;
    EXPECT_EQ(common::WireName(e->code), c.code) << c.body;
    EXPECT_EQ(e->field, c.field) << c.body;
  }
}

TEST(FieldReader, NestedPathsAndIgnoredFields) {
  const auto v = Parse(R"({"port": true, "note": 1})");
  FieldReader r(v, "rules[2]");
  r.Ignore({"note"});
  r.Int("port", true, 1, 65535);
  auto e = r.Finish();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "rules[2].port");
  EXPECT_EQ(e->message, "rules[2].port must be an integer");
}

}  // namespace
}  // namespace rampart::formats
