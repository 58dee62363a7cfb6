// Internal to src/api: what every group of routes uses — the request context, JSON
// answers, strict bodies, pagination, and Mutate(), the one way a route changes state
// (one transaction, Idempotency-Key honoured). Not a public header.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "account/account.h"
#include "api/errors.h"
#include "api/http.h"
#include "api/service.h"
#include "common/error.h"
#include "store/database.h"

namespace rampart::api {

struct ApiService::Context {
  const HttpRequest& req;
  account::Principal who;
  std::vector<std::string> params;  // the {id}s of the route, in order
  std::string route;                // "POST /v1/orders/{id}/pay"
};

using Context = ApiService::Context;
using EndpointMap = std::map<std::string, ApiService::Endpoint>;
using account::Role;
using boost::json::array;
using boost::json::object;
using boost::json::value;
using common::Result;

inline const std::vector<Role> kTenant = {Role::kTenant};
inline const std::vector<Role> kAdmin = {Role::kAdmin};
inline const std::vector<Role> kTenantOrAdmin = {Role::kTenant, Role::kAdmin};

HttpResponse Json(int status, const value& v);
// The body as JSON: `invalid_json`, `unsupported_media_type`; an empty body is {} unless
// `required`.
Result<value> ParseBody(const HttpRequest& req, bool required);

inline constexpr int64_t kDefaultLimit = 50;
inline constexpr int64_t kMaxLimit = 200;

struct Page {
  int64_t after = 0;  // the cursor: the last item's seq of the previous page
  int64_t limit = kDefaultLimit;
  bool newest_first = false;  // ?order=newest (lists that offer it)
};
// A body of exactly one required integer field in [min, max], read strictly
// (POST /renew {"months"}, POST /upgrade {"base_gbps"}).
Result<int64_t> OneIntField(const HttpRequest& req, std::string_view name, int64_t min,
                            int64_t max);

// A body that must carry no fields (empty, or {}): the error when it is anything else.
std::optional<common::Error> NoFields(const HttpRequest& req);

// ?limit= (1-200, default 50), ?cursor= (an item's seq, as the API gave it) and, for a list
// that is `orderable`, ?order= (oldest, the default, or newest); others refuse ?order=.
Result<Page> ParsePage(const HttpRequest& req, bool orderable = false);

template <typename T, typename ToJson>
value PageJson(const std::vector<T>& items, const Page& page, ToJson&& to_json) {
  array out;
  for (const auto& i : items) out.push_back(to_json(i));
  value next = nullptr;
  if (static_cast<int64_t>(items.size()) == page.limit && !items.empty()) {
    next = std::to_string(items.back().seq);
  }
  return object{{"items", out}, {"next_cursor", next}};
}

// An answer that shows `secret` once as `object[field]`: a replay of it (Idempotency-Key)
// answers the object without the secret and with "secret_withheld": true, and the secret is
// never stored in the idempotency record.
HttpResponse AnswerWithSecret(int status, object without_secret, std::string_view field,
                              const std::string& secret);

// Runs `work` in one transaction. On a POST with an Idempotency-Key, a repeat with the same
// key and body within 24 hours (store/idempotency.h) returns the first answer
// (Idempotent-Replayed: true), another body 409; only
// successful answers are kept, so a request refused for a fixable reason can be retried.
// A successful change is written to the audit log in the same transaction (the route, the
// caller's key, role and address), and so is every money movement it makes.
HttpResponse Mutate(ApiService& s, Context& c,
                    const std::function<Result<HttpResponse>(store::Connection&)>& work);

// A paginated list of the caller's tenant: `list(conn, tenant, cursor, limit[, newest_first])`;
// a list without the last parameter has one order (?order= is refused).
template <typename List, typename ToJson>
auto ListHandler(List list, ToJson to_json) {
  return [list, to_json](ApiService& s, Context& c) -> HttpResponse {
    constexpr bool kOrdered =
        std::is_invocable_v<List, store::Connection&, const std::string&, int64_t, int64_t, bool>;
    auto page = ParsePage(c.req, kOrdered);
    if (!page) return ErrorResponse(page.error());
    auto items = s.Database().Use([&](store::Connection& conn) {
      if constexpr (kOrdered) {
        return list(conn, c.who.tenant_id, page->after, page->limit, page->newest_first);
      } else {
        return list(conn, c.who.tenant_id, page->after, page->limit);
      }
    });
    if (!items) return ErrorResponse(items.error());
    return Json(200, PageJson(*items, *page, to_json));
  };
}

// One object of the caller's tenant by the route's id: `get(conn, tenant, id)`.
template <typename Get, typename ToJson>
auto GetHandler(Get get, ToJson to_json) {
  return [get, to_json](ApiService& s, Context& c) -> HttpResponse {
    auto item = s.Database().Use(
        [&](store::Connection& conn) { return get(conn, c.who.tenant_id, c.params[0]); });
    if (!item) return ErrorResponse(item.error());
    return Json(200, to_json(*item));
  };
}

// The groups of routes, each adding its endpoints ("METHOD /v1/pattern/{id}").
void AddPurchaseRoutes(EndpointMap& e);
void AddResourceRoutes(EndpointMap& e);
void AddAccountRoutes(EndpointMap& e);
void AddUsageRoutes(EndpointMap& e);
void AddAdminRoutes(EndpointMap& e);
// The operator's views of one tenant (its own routes, scoped to it) and revenue by day; after
// the tenant routes, whose handlers it reuses.
void AddOperatorViewRoutes(EndpointMap& e);
void AddDataplaneRoutes(EndpointMap& e);

}  // namespace rampart::api
