// Resources as `rampart rate` reads them (api.md "Command line"): a JSON array of
// {"id", "product", "region", "line", "scope", "ips", "base_gbps", "elastic_gbps",
// "forwarding_mode", "state"}, optionally "tenant" (bills are grouped by it) and
// "ip_count"; the other fields of an API resource ("order_id", "auto_renew", "expires_at",
// "created_at", "delivered_at", "pending_forwarding_mode") are accepted and ignored, so
// `GET /v1/resources` items can be fed back in.
#pragma once

#include <boost/json/value.hpp>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "metering/day_ingest.h"

namespace rampart::formats {

// Each resource's configuration is taken as in force for the whole day from `day_start`.
// Errors name the element: "resources[2].ips[0]".
common::Result<std::vector<metering::RatedResource>> ParseRateResources(
    const boost::json::value& array, common::Instant day_start);

}  // namespace rampart::formats
