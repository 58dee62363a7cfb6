// What the collector watches, from JSON: the server's data-plane configuration document
// (GET /v1/dataplane/config: {"version", "resources": [...]}) or the resources file of
// `rampart rate` (an array). Each resource: "resource" (or "id"), "product", "ips", and
// optionally "policy": {"detection": {...}} (README, "The data-plane configuration"); a
// missing threshold takes the default. An hdp whose detection `applies_to` "total" is one
// unit of all its IPs; every other IP is a unit of its own. Errors: `invalid_config`.
#pragma once

#include <boost/json/value.hpp>
#include <vector>

#include "collect/traffic_meter.h"
#include "common/error.h"

namespace rampart::collect {

common::Result<std::vector<MeterUnit>> UnitsFromJson(const boost::json::value& doc);

}  // namespace rampart::collect
