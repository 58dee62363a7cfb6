#include "store/meta.h"

#include <charconv>
#include <string>

namespace rampart::store {
namespace {

const char* Name(MetaKey key) {
  switch (key) {
    case MetaKey::kSchemaVersion:
      return "schema_version";
    case MetaKey::kSimulatedNow:
      return "simulated_now";
    case MetaKey::kSecretsKeyCheck:
      return "secrets_key_check";
  }
  return "";
}

}  // namespace

common::Result<void> CreateMetaTable(Connection& c) {
  return c.ExecScript(
      "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
}

common::Result<std::optional<std::string>> ReadMetaText(Connection& c, MetaKey key) {
  auto rows =
      RAMPART_TRY(c.Query("SELECT value FROM meta WHERE key = $1", {std::string(Name(key))}));
  if (rows.empty()) return std::nullopt;
  return Text(rows[0][0]);
}

common::Result<void> WriteMetaText(Connection& c, MetaKey key, std::string_view value) {
  RAMPART_TRY(
      c.Query("INSERT INTO meta (key, value) VALUES ($1, $2) "
              "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
              {std::string(Name(key)), std::string(value)}));
  return {};
}

common::Result<std::optional<int64_t>> ReadMeta(Connection& c, MetaKey key) {
  auto stored = RAMPART_TRY(ReadMetaText(c, key));
  if (!stored) return std::nullopt;
  const std::string& text = *stored;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return common::Fail(common::Code::kStorageError,
                        std::string("meta '") + Name(key) + "' is not an integer: '" + text + "'");
  }
  return value;
}

common::Result<void> WriteMeta(Connection& c, MetaKey key, int64_t value) {
  return WriteMetaText(c, key, std::to_string(value));
}

common::Result<std::optional<common::Instant>> ReadSimulatedNow(Connection& c) {
  auto seconds = RAMPART_TRY(ReadMeta(c, MetaKey::kSimulatedNow));
  if (!seconds) return std::nullopt;
  return common::Instant(common::Seconds(*seconds));
}

common::Result<void> WriteSimulatedNow(Connection& c, common::Instant now) {
  return WriteMeta(c, MetaKey::kSimulatedNow, now.time_since_epoch().count());
}

}  // namespace rampart::store
