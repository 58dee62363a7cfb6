// Routes: the data-plane configuration document for agents (dataplane.md §4; README "The
// data-plane configuration").
//
// GET /v1/dataplane/config answers the whole document with an opaque "version" (its content
// hash, also the ETag): the same state gives the same version on every node, and any change —
// a resource delivered, expired or released, an IP bound, a rule or policy edited, an upgrade
// of the ceiling — gives another. With If-None-Match naming the current version it answers
// 304 with no body, so agents poll every few seconds for the price of a few queries.
// (No long poll: the server's handler threads are a fixed pool, and a held request would
// take one from every other tenant.)
#include <utility>

#include "api/protection_json.h"
#include "api/routes.h"
#include "common/crypto.h"
#include "lifecycle/dataplane.h"

namespace rampart::api {
namespace {

object ResourceDocument(const lifecycle::DataplaneResource& r, value policy) {
  array ips;
  for (const auto& ip : r.ips) ips.push_back(value(ip));
  object o{{"resource", r.id},
           {"tenant", r.tenant_id},
           {"product", r.product},
           {"state", r.state},
           {"ips", ips},
           {"base_bps", r.base_gbps * 1'000'000'000},
           {"ceiling_bps", r.elastic_gbps * 1'000'000'000},
           {"policy", std::move(policy)}};
  if (r.product == "hdip") {
    array rules;
    for (const auto& rule : r.rules) rules.push_back(RuleToJson(rule));
    o["rules"] = std::move(rules);
  }
  return o;
}

}  // namespace

void AddDataplaneRoutes(EndpointMap& e) {
  e.insert({
      {"GET /v1/dataplane/config",
       {{Role::kAgent, Role::kAdmin},
        [](ApiService& s, Context& c) {
          auto resources = s.Database().Use(
              [](store::Connection& conn) { return lifecycle::ReadDataplane(conn); });
          if (!resources) return ErrorResponse(resources.error());
          array items;
          for (const auto& r : *resources) {
            items.push_back(ResourceDocument(r, PolicyToJson(r.policy_body)));
          }
          const std::string content = boost::json::serialize(items);
          const std::string version = common::Sha256Hex(content).substr(0, 32);
          const std::string etag = "\"" + version + "\"";
          if (c.req.if_none_match == etag) {
            HttpResponse not_modified;
            not_modified.status = 304;
            not_modified.headers.emplace_back("ETag", etag);
            return not_modified;
          }
          auto out = Json(200, object{{"version", version}, {"resources", std::move(items)}});
          out.headers.emplace_back("ETag", etag);
          out.headers.emplace_back("Cache-Control", "no-cache");
          return out;
        }}},
  });
}

}  // namespace rampart::api
