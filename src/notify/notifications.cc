#include "notify/notifications.h"

#include <boost/json.hpp>

#include "common/crypto.h"
#include "notify/webhooks.h"

namespace rampart::notify {

common::Result<void> Notify(store::Connection& c, std::string_view tenant_id, std::string_view kind,
                            std::string_view resource_id, std::string_view message,
                            common::Instant at) {
  const std::string id = common::NewId("ntf");
  RAMPART_TRY(
      c.Query("INSERT INTO notifications (id, tenant_id, kind, resource_id, message, at) "
              "VALUES ($1, $2, $3, $4, $5, $6)",
              {id, std::string(tenant_id), std::string(kind),
               resource_id.empty() ? store::Value{} : store::Value{std::string(resource_id)},
               std::string(message), at.time_since_epoch().count()}));
  // The webhook payload: the notification as the API shows it.
  boost::json::object body{{"id", id},
                           {"kind", kind},
                           {"at", common::FormatRfc3339(at)},
                           {"resource", resource_id.empty() ? boost::json::value(nullptr)
                                                            : boost::json::value(resource_id)},
                           {"message", message}};
  return EnqueueDeliveries(c, tenant_id, id, kind, boost::json::serialize(body), at);
}

common::Result<std::vector<Notification>> ListNotifications(store::Connection& c,
                                                            std::string_view tenant_id,
                                                            int64_t cursor, int64_t limit,
                                                            bool newest_first) {
  auto rows = RAMPART_TRY(c.Query(
      newest_first ? "SELECT seq, id, kind, resource_id, message, at FROM notifications "
                     "WHERE tenant_id = $1 AND ($2 = 0 OR seq < $2) ORDER BY seq DESC LIMIT $3"
                   : "SELECT seq, id, kind, resource_id, message, at FROM notifications "
                     "WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
      {std::string(tenant_id), cursor, limit}));
  std::vector<Notification> out;
  for (const auto& r : rows) {
    out.push_back({store::Int(r[0]), store::Text(r[1]), store::Text(r[2]), store::Text(r[3]),
                   store::Text(r[4]), common::Instant(common::Seconds(store::Int(r[5])))});
  }
  return out;
}

}  // namespace rampart::notify
