// The API's OpenAPI 3.1 document (docs/openapi.json, compiled in), served at
// GET /v1/openapi.json without a key. Tests hold it to the route table
// (api/openapi_test.cc) and every sample response to its schemas (tests/api/).
#pragma once

#include <string_view>

namespace rampart::api {

std::string_view OpenApiDocument();

}  // namespace rampart::api
