// The OpenAPI document and the route table list the same operations: a route added without
// its description, or a description of a route that does not exist, fails here. (That every
// response matches its schema is tests/api/openapi.test.mjs, against the running server.)
#include "api/openapi.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "api/service.h"

namespace rampart::api {
namespace {

std::set<std::string> DocumentedOperations(const boost::json::object& doc) {
  static const std::regex param(R"(\{[a-z_]+\})");
  std::set<std::string> out;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    const std::string pattern = std::regex_replace(std::string(path), param, "{id}");
    for (const auto& [method, op] : item.as_object()) {
      std::string upper(method);
      for (char& ch : upper) ch = static_cast<char>(std::toupper(ch));
      out.insert(upper + " " + pattern);
    }
  }
  return out;
}

TEST(OpenApi, TheDocumentAndTheRouteTableListTheSameOperations) {
  const auto doc = boost::json::parse(OpenApiDocument()).as_object();
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  ApiService service{ServiceDeps{}};
  const auto ops = service.Operations();
  const std::set<std::string> routed(ops.begin(), ops.end());
  const std::set<std::string> documented = DocumentedOperations(doc);
  for (const auto& op : routed) EXPECT_TRUE(documented.count(op)) << op << " is not documented";
  for (const auto& op : documented) EXPECT_TRUE(routed.count(op)) << op << " is not routed";
  EXPECT_EQ(routed.size(), 69u);  // a reminder to look at both when this changes
}

TEST(OpenApi, EveryOperationSaysWhoMayCallItAndAnswersErrorsInOneShape) {
  const auto doc = boost::json::parse(OpenApiDocument()).as_object();
  const std::set<std::string> public_paths = {"/healthz", "/metrics", "/v1/openapi.json"};
  std::set<std::string> ids;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, v] : item.as_object()) {
      const auto& op = v.as_object();
      const std::string name = std::string(method) + " " + std::string(path);
      EXPECT_TRUE(ids.insert(std::string(op.at("operationId").as_string())).second) << name;
      const bool open = public_paths.count(std::string(path)) > 0;
      // Public operations say so (security: []); the others inherit the bearer key and name
      // the roles that may call them.
      EXPECT_EQ(op.contains("security") && op.at("security").as_array().empty(), open) << name;
      if (!open) {
        EXPECT_TRUE(op.contains("description")) << name;
      }
      if (path != "/metrics") {
        EXPECT_TRUE(op.at("responses").as_object().contains("default")) << name;
      }
    }
  }
}

TEST(OpenApi, IsServedWithoutAKey) {
  ApiService service{ServiceDeps{}};
  HttpRequest req;
  req.method = "GET";
  req.path = "/v1/openapi.json";
  const auto r = service.Handle(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, OpenApiDocument());
}

}  // namespace
}  // namespace rampart::api
