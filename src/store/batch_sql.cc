#include "store/batch_sql.h"

#include <algorithm>

namespace rampart::store {

std::string Placeholders(size_t first, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i) out += ", ";
    out += "$" + std::to_string(first + i);
  }
  return out;
}

common::Result<void> InsertRows(Connection& c, const std::string& into,
                                const std::string& on_conflict,
                                const std::vector<std::vector<Value>>& rows) {
  const size_t chunk = c.dialect() == Dialect::kPostgres ? kMaxRowsPerStatement : 1;
  for (size_t at = 0; at < rows.size(); at += chunk) {
    const size_t n = std::min(chunk, rows.size() - at);
    std::string sql = into + " VALUES ";
    std::vector<Value> params;
    for (size_t i = 0; i < n; ++i) {
      const auto& row = rows[at + i];
      sql += (i ? ", (" : "(") + Placeholders(params.size() + 1, row.size()) + ")";
      params.insert(params.end(), row.begin(), row.end());
    }
    if (auto q = c.Query(sql + " " + on_conflict, params); !q) return std::unexpected(q.error());
  }
  return {};
}

}  // namespace rampart::store
