// Errors at the HTTP boundary (api.md "Errors"): a status from the error's stable code and
// the body {"error": {"code", "message", "details"}}. Storage failures are answered 500
// with a generic message; their detail goes to the log, never to the client.
#pragma once

#include "api/http.h"
#include "common/error.h"

namespace rampart::api {

int StatusFor(common::Code code);
HttpResponse ErrorResponse(const common::Error& error);
HttpResponse ErrorResponse(common::Code code, std::string message, std::string field = {});

}  // namespace rampart::api
