// ApiService: the HTTP contract of api.md over the modules — authentication, tenant scoping,
// input validation at the boundary, idempotency keys, pagination, structured errors and
// metrics. Each request runs in one database transaction, so it applies whole or not at all.
//
// Thread-safe: Handle() may be called from every server thread at once.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "account/account.h"
#include "api/console_assets.h"
#include "api/http.h"
#include "api/metrics.h"
#include "catalog/pricebook.h"
#include "common/calendar.h"
#include "common/clock.h"
#include "jobs/jobs.h"
#include "ordering/orders.h"
#include "store/database.h"

namespace rampart::api {

struct ServiceDeps {
  store::Database* db = nullptr;
  const catalog::PriceBook* book = nullptr;
  const common::BillingCalendar* calendar = nullptr;
  common::Clock* clock = nullptr;
  common::SimulatedClock* simulated = nullptr;  // set only with --simulated-clock
  jobs::JobRunner* jobs = nullptr;
  ordering::DeliveryPolicy delivery;
  Metrics* metrics = nullptr;
  const ConsoleAssets* console = nullptr;  // the browser console at `/`; none without it
  bool allow_private_origins = false;      // --allow-private-origins
  bool webhook_allow_private = false;      // --webhook-allow-private
  std::string secrets_key;                 // 32 bytes: seals webhook secrets at rest
  // --rate-limit: requests per second per key (burst twice that), and per client address
  // for requests without a valid key; 0 = no limit.
  int rate_limit = 0;
};

class RateLimiter;

class ApiService {
 public:
  explicit ApiService(ServiceDeps deps);
  ~ApiService();
  HttpResponse Handle(const HttpRequest& request);
  // Every operation it answers, "METHOD /path/{id}" (ids as {id}), the built-in ones
  // (/healthz, /metrics, /v1/openapi.json) included.
  std::vector<std::string> Operations() const;

  // For the routes (api/routes.h).
  struct Context;  // one request being handled
  struct Endpoint {
    std::vector<account::Role> roles;  // who may call it
    std::function<HttpResponse(ApiService&, Context&)> handler;
  };
  const ServiceDeps& deps() const { return d_; }
  store::Database& Database() { return *d_.db; }
  std::mutex& clock_mutex() { return clock_mutex_; }  // one clock move at a time

 private:
  HttpResponse Route(const HttpRequest& request, std::string* route);

  ServiceDeps d_;
  // "METHOD /v1/pattern/{id}" -> endpoint; built once.
  const std::map<std::string, Endpoint> endpoints_;
  std::mutex clock_mutex_;
  std::unique_ptr<RateLimiter> limiter_;  // with a rate limit only
  // 429 when `bucket` is over the rate limit; nullopt to go on.
  std::optional<HttpResponse> Limit(const std::string& bucket, const char* kind);
};

}  // namespace rampart::api
