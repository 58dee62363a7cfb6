// The tenant's event log (api.md "Notification"): order paid, delivered, expiry reminders,
// expired, renewed, released, arrears entered/left, ... Appended inside the transaction of
// the change it reports, so an event is logged exactly when its change commits.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "store/sql.h"

namespace rampart::notify {

struct Notification {
  int64_t seq = 0;
  std::string id;
  std::string kind;
  std::string resource;  // empty when not about one resource
  std::string message;
  common::Instant at;
};

common::Result<void> Notify(store::Connection& c, std::string_view tenant_id, std::string_view kind,
                            std::string_view resource_id, std::string_view message,
                            common::Instant at);
// Oldest first from after `cursor` (a seq; 0: the start), or with `newest_first` newest
// first from before it (0: the latest).
common::Result<std::vector<Notification>> ListNotifications(store::Connection& c,
                                                            std::string_view tenant_id,
                                                            int64_t cursor, int64_t limit,
                                                            bool newest_first = false);

}  // namespace rampart::notify
