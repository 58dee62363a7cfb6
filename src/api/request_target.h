// The request target as the API sees it: the path percent-decoded, the query split into
// decoded names and values (a later repeat of a name wins). Pure; thread-safe.
#pragma once

#include <string_view>

#include "api/http.h"

namespace rampart::api {

// Sets `req->path` and `req->query` from a target like "/v1/bills?from=2026-11-01&to=...".
void ParseRequestTarget(std::string_view target, HttpRequest* req);

}  // namespace rampart::api
