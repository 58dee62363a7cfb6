#include "api/service.h"

#include <map>
#include <set>

#include "api/openapi.h"
#include "api/rate_limiter.h"
#include "api/routes.h"
#include "jobs/jobs.h"
#include "lifecycle/ip_pools.h"
#include "store/meta.h"

using rampart::common::Result;

namespace rampart::api {
namespace {

std::string Pattern(const std::string& path, std::vector<std::string>* params) {
  // "/v1/orders/ord_1/pay" -> "/v1/orders/{id}/pay"; ids are the segments after a
  // collection name.
  static const std::set<std::string> kCollections = {
      "orders",   "resources", "tenants", "keys", "ip-pools", "rules",
      "bindings", "webhooks",  "bills",   "jobs", "prefixes"};
  std::string pattern;
  std::string prev;
  size_t pos = 1;
  while (pos <= path.size()) {
    const size_t next = path.find('/', pos);
    const std::string seg =
        path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    if (kCollections.count(prev) && !seg.empty() && prev != "v1") {
      params->push_back(seg);
      pattern += "/{id}";
    } else {
      pattern += "/" + seg;
    }
    prev = seg;
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return pattern;
}

EndpointMap AllEndpoints() {
  EndpointMap e;
  AddPurchaseRoutes(e);
  AddResourceRoutes(e);
  AddAccountRoutes(e);
  AddUsageRoutes(e);
  AddAdminRoutes(e);
  AddOperatorViewRoutes(e);
  AddDataplaneRoutes(e);
  return e;
}

}  // namespace

ApiService::ApiService(ServiceDeps deps) : d_(deps), endpoints_(AllEndpoints()) {
  if (d_.rate_limit > 0) limiter_ = std::make_unique<RateLimiter>(d_.rate_limit);
}

ApiService::~ApiService() = default;

std::vector<std::string> ApiService::Operations() const {
  std::vector<std::string> out = {"GET /healthz", "GET /metrics", "GET /v1/openapi.json"};
  for (const auto& [key, endpoint] : endpoints_) out.push_back(key);
  return out;
}

std::optional<HttpResponse> ApiService::Limit(const std::string& bucket, const char* kind) {
  if (!limiter_) return std::nullopt;
  const auto wait = limiter_->Take(bucket);
  if (!wait) return std::nullopt;
  if (d_.metrics) d_.metrics->Count("rampart_rate_limited_total", "by", kind);
  HttpResponse r = ErrorResponse(common::Code::kRateLimited,
                                 "too many requests: at most " + std::to_string(d_.rate_limit) +
                                     " a second (bursts of twice that); retry later");
  r.headers.emplace_back("Retry-After", std::to_string(*wait));
  return r;
}

HttpResponse ApiService::Handle(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  if (d_.simulated) {
    // Several nodes share one simulated clock through the database: catch up with it.
    auto now = d_.db->Use([](store::Connection& c) { return store::ReadSimulatedNow(c); });
    if (now && *now) d_.simulated->AdvanceTo(**now);
  }
  // Labels come from closed sets (a route template, a known method), never from the
  // request's own text: a stranger can neither inject metric lines nor grow /metrics.
  std::string route = "unmatched";
  HttpResponse response;
  try {
    response = Route(request, &route);
  } catch (const std::exception& e) {
    // A broken invariant in a handler (a stored value of the wrong shape, say) fails this
    // request with 500 and an error id; the server goes on serving everyone else. Any
    // transaction it had open was rolled back (store::Database::Transact).
    response = ErrorResponse(common::Code::kInternalError,
                             std::string("unexpected exception: ") + e.what());
  }
  if (d_.metrics) {
    static const std::set<std::string, std::less<>> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                                "PATCH", "DELETE", "OPTIONS"};
    d_.metrics->ObserveRequest(
        route, kMethods.count(request.method) ? request.method : "other", response.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return response;
}

HttpResponse ApiService::Route(const HttpRequest& req, std::string* route) {
  std::vector<std::string> params;
  const std::string pattern = Pattern(req.path, &params);
  const std::string key = req.method + " " + pattern;

  if (key == "GET /healthz") {
    *route = pattern;
    return Json(200, object{{"status", "ok"}});
  }
  if (key == "GET /v1/openapi.json") {  // the API's description: public, like /healthz
    *route = pattern;
    HttpResponse r;
    r.content_type = "application/json";
    r.body = std::string(OpenApiDocument());
    return r;
  }
  if (key == "GET /metrics") {
    *route = pattern;
    std::string extra;
    auto stats = d_.jobs ? d_.db->Use([&](store::Connection& c) { return d_.jobs->Statistics(c); })
                         : Result<jobs::QueueStats>(jobs::QueueStats{});
    if (stats) {
      const int64_t lag = stats->oldest_due && *stats->oldest_due < d_.clock->Now()
                              ? (d_.clock->Now() - *stats->oldest_due).count()
                              : 0;
      extra =
          "# HELP rampart_job_queue_depth Jobs pending or waiting to be retried.\n"
          "# TYPE rampart_job_queue_depth gauge\nrampart_job_queue_depth " +
          std::to_string(stats->pending + stats->retrying) +
          "\n# HELP rampart_job_queue_lag_seconds How long the oldest due job has waited.\n"
          "# TYPE rampart_job_queue_lag_seconds gauge\nrampart_job_queue_lag_seconds " +
          std::to_string(lag) +
          "\n# HELP rampart_jobs Jobs not done, by state (unknown: a kind this node cannot "
          "run).\n# TYPE rampart_jobs gauge\n";
      for (const auto& [state, n] : {std::pair{"pending", stats->pending},
                                     {"retrying", stats->retrying},
                                     {"dead", stats->dead},
                                     {"unknown", stats->unknown_kind}}) {
        extra += "rampart_jobs{state=\"" + std::string(state) + "\"} " + std::to_string(n) + "\n";
      }
    }
    // Free addresses per hdip network (enabled pools): alert on it running low, before
    // orders there are refused with no_capacity.
    if (auto pools = d_.db->Use([](store::Connection& c) { return lifecycle::ListPools(c); })) {
      std::map<std::pair<std::string, std::string>, int64_t> free;
      for (const auto& p : *pools) {
        free[{p.region, p.line}] += lifecycle::FreeAddresses(std::vector{p}, p.region, p.line);
      }
      extra +=
          "# HELP rampart_ip_pool_free_addresses Addresses free in the enabled pools of each hdip "
          "network.\n# TYPE rampart_ip_pool_free_addresses gauge\n";
      for (const auto& [network, n] : free) {
        extra += "rampart_ip_pool_free_addresses{region=\"" + network.first + "\",line=\"" +
                 network.second + "\"} " + std::to_string(n) + "\n";
      }
    }
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = d_.metrics ? d_.metrics->Render(extra) : extra;
    return r;
  }

  // Without a valid key, requests are limited per client address; with one, per key below.
  const auto by_address = [&] { return Limit("addr:" + req.remote_address, "address"); };
  const bool api = req.path.rfind("/v1/", 0) == 0;
  if (!api) {
    if (auto limited = by_address()) return *limited;
  }
  if (d_.console && req.method == "GET" && !api) {
    if (auto page = d_.console->Serve(req)) {
      *route = "console";
      return *page;
    }
  }

  auto it = endpoints_.find(key);
  if (it != endpoints_.end()) *route = pattern;

  // Everything under /v1 is authenticated.
  if (!api) return ErrorResponse(common::Code::kNotFound, "no such endpoint");
  // The scheme is case-insensitive (RFC 9110 §11.1).
  constexpr std::string_view kBearer = "bearer ";
  if (req.authorization.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), req.authorization.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    if (auto limited = by_address()) return *limited;
    return ErrorResponse(common::Code::kUnauthenticated, "send Authorization: Bearer <api key>");
  }
  const std::string secret = req.authorization.substr(kBearer.size());
  auto who = d_.db->Use([&](store::Connection& c) { return account::Authenticate(c, secret); });
  if (!who) {
    if (auto limited = by_address()) return *limited;
    return ErrorResponse(who.error());
  }
  if (auto limited = Limit("key:" + who->key_id, "key")) return *limited;
  Context ctx{req, *who, params, key};

  if (it == endpoints_.end()) {
    for (const auto& [k, _] : endpoints_) {
      if (k.substr(k.find(' ') + 1) == pattern) {
        return ErrorResponse(common::Code::kMethodNotAllowed,
                             req.method + " is not allowed on " + req.path);
      }
    }
    return ErrorResponse(common::Code::kNotFound, "no such endpoint");
  }
  const auto& roles = it->second.roles;
  if (std::find(roles.begin(), roles.end(), ctx.who.role) == roles.end()) {
    return ErrorResponse(
        common::Code::kForbidden,
        "a " + std::string(account::ToString(ctx.who.role)) + " key may not use " + pattern);
  }
  return it->second.handler(*this, ctx);
}

}  // namespace rampart::api
