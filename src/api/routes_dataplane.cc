// Routes: the data-plane configuration document for agents (dataplane.md §4; README "The
// data-plane configuration").
//
// GET /v1/dataplane/config answers the whole document with an opaque "version" (its content
// hash, also the ETag): the same state gives the same version on every node, and any change —
// a resource delivered, expired or released, an IP bound, a rule or policy edited, an upgrade
// of the ceiling — gives another. With If-None-Match naming the current version it answers
// 304 with no body; with ?wait=N (1-60 s) as well, it is a long poll: the answer waits until
// the document changes (200, at most a second after the change) or N seconds pass 304. The
// wait holds no server thread: the document is rebuilt once a second from a timer (a few
// queries, as a poll would cost).
#include <charconv>
#include <chrono>
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

// The whole document (without its version) and its version, the hash of the rest.
Result<std::pair<std::string, object>> Document(ApiService& s) {
  auto resources =
      s.Database().Use([](store::Connection& conn) { return lifecycle::ReadDataplane(conn); });
  if (!resources) return std::unexpected(resources.error());
  array items;
  for (const auto& r : *resources)
    items.push_back(ResourceDocument(r, PolicyToJson(r.policy_body)));
  // The operator's --allow-private-origins travels with the rules: the forwarders check the
  // addresses that origins named by a domain resolve to.
  object doc{{"private_origins_allowed", s.deps().allow_private_origins},
             {"resources", std::move(items)}};
  std::string version = common::Sha256Hex(boost::json::serialize(doc)).substr(0, 32);
  return std::pair{std::move(version), std::move(doc)};
}

HttpResponse Answer(std::string version, object doc) {
  const std::string etag = "\"" + version + "\"";
  doc["version"] = std::move(version);
  auto out = Json(200, std::move(doc));
  out.headers.emplace_back("ETag", etag);
  out.headers.emplace_back("Cache-Control", "no-cache");
  return out;
}

// GET /v1/dataplane/config
HttpResponse GetDataplaneConfig(ApiService& s, Context& c) {
  int64_t wait_s = 0;
  if (auto w = c.req.query.find("wait"); w != c.req.query.end()) {
    const std::string& text = w->second;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), wait_s);
    if (ec != std::errc() || end != text.data() + text.size() || wait_s < 1 || wait_s > 60) {
      return ErrorResponse(common::Code::kInvalidOption, "wait is 1-60 seconds", "wait");
    }
  }
  auto doc = Document(s);
  if (!doc) return ErrorResponse(doc.error());
  const std::string etag = "\"" + doc->first + "\"";
  if (c.req.if_none_match != etag) return Answer(std::move(doc->first), std::move(doc->second));
  HttpResponse not_modified;
  not_modified.status = 304;
  not_modified.headers.emplace_back("ETag", etag);
  if (wait_s > 0) {
    not_modified.wait_until = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    not_modified.poll = [&s, etag]() -> std::optional<HttpResponse> {
      auto now = Document(s);
      if (!now || "\"" + now->first + "\"" == etag) return std::nullopt;  // keep waiting
      return Answer(std::move(now->first), std::move(now->second));
    };
  }
  return not_modified;
}

}  // namespace

void AddDataplaneRoutes(EndpointMap& e) {
  e.insert({
      {"GET /v1/dataplane/config", {{Role::kAgent, Role::kAdmin}, GetDataplaneConfig}},
  });
}

}  // namespace rampart::api
