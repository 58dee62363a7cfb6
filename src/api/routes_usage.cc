// Routes: Usage ingestion (meters, the operator and its agents).
#include <utility>

#include "api/routes.h"
#include "api/usage_json.h"
#include "common/gzip.h"
#include "postpaid/usage.h"

namespace rampart::api {

namespace {

// POST /v1/usage
HttpResponse PostUsage(ApiService& s, Context& c) {
  std::string inflated;
  const std::string* raw = &c.req.body;
  if (c.req.content_encoding == "gzip") {
    auto body = common::Gunzip(c.req.body, kUsageBodyLimit);
    if (!body) return ErrorResponse(body.error());
    inflated = std::move(*body);
    raw = &inflated;
  } else if (!c.req.content_encoding.empty() && c.req.content_encoding != "identity") {
    return ErrorResponse(
        common::Code::kUnsupportedMediaType,
        "Content-Encoding " + c.req.content_encoding + " is not accepted (gzip or none)");
  }
  const bool ndjson = c.req.content_type.rfind("application/x-ndjson", 0) == 0;
  if (!ndjson && !c.req.content_type.empty() &&
      c.req.content_type.rfind("application/json", 0) != 0) {
    return ErrorResponse(common::Code::kUnsupportedMediaType,
                         "send samples as application/json or application/x-ndjson");
  }
  auto samples = ParseUsageBody(*raw, ndjson);
  if (!samples) return ErrorResponse(samples.error());
  // A sample without a source is the posting key's (dataplane.md §1): one meter's
  // repeats stay duplicates, two meters' samples add up.
  for (auto& in : *samples) {
    if (in.sample && in.sample->source.empty()) in.sample->source = c.who.key_id;
  }
  // A meter posts its tenant's windows; the operator and its agents any IP's.
  const std::string scope = c.who.tenant_id;
  // Checking and grouping need no database: done here, on this request's thread, so
  // concurrent meters use every core and the writer holds the store only to store.
  const common::Instant now = s.deps().clock->Now();
  const auto batch = postpaid::PrepareSamples(*s.deps().calendar, *samples, now);
  auto report = s.Database().Transact(
      [&](store::Connection& conn) { return postpaid::StoreSamples(conn, scope, batch, now); });
  if (!report) return ErrorResponse(report.error());
  array rejected;
  for (const auto& r : report->rejected) {
    rejected.push_back(object{{"index", r.index},
                              {"code", common::WireName(r.reason.code)},
                              {"message", r.reason.message}});
  }
  return Json(200, object{{"accepted", report->accepted},
                          {"replaced", report->replaced},
                          {"duplicates", report->duplicates},
                          {"rejected", rejected}});
}

}  // namespace

void AddUsageRoutes(EndpointMap& e) {
  e.insert({
      {"POST /v1/usage", {{Role::kMeter, Role::kAdmin, Role::kAgent}, PostUsage}},
  });
}

}  // namespace rampart::api
