#include "store/postgres/postgres_connection.h"

#include <libpq-fe.h>

#include <charconv>

#include "store/fault.h"

namespace rampart::store {
namespace {

// Type OIDs (pg_type.h) of the results we convert.
constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kNumeric = 1700;

common::Error ErrorOf(PGresult* res, PGconn* conn, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view sqlstate = state ? state : "";
  const bool integrity = sqlstate.substr(0, 2) == "23";
  // The connection is gone, or the server is shutting down or starting: class 08
  // (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now).
  const bool unavailable = PQstatus(conn) == CONNECTION_BAD || sqlstate.substr(0, 2) == "08" ||
                           sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
  return common::Error{integrity     ? common::Code::kConflict
                       : unavailable ? common::Code::kDatabaseUnavailable
                                     : common::Code::kStorageError,
                       std::string(what) + ": " + PQerrorMessage(conn), ""};
}

// Connects with a bounded wait: connect_timeout first, so a value in the URL wins.
PGconn* Connect(const std::string& url) {
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"5", url.c_str(), nullptr};
  return PQconnectdbParams(keys, values, /*expand_dbname=*/1);
}

std::string Unhex(std::string_view text) {  // bytea's text form: \x0a1b...
  std::string out;
  if (text.substr(0, 2) != "\\x") return out;
  out.reserve((text.size() - 2) / 2);
  for (size_t i = 2; i + 1 < text.size(); i += 2) {
    unsigned v = 0;
    std::from_chars(text.data() + i, text.data() + i + 2, v, 16);
    out += static_cast<char>(v);
  }
  return out;
}

}  // namespace

common::Result<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(
    const std::string& url) {
  PGconn* conn = Connect(url);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    // The URL may hold a password: name the failure, not the URL.
    return common::Fail(common::Code::kStorageError, "cannot connect to PostgreSQL: " + message);
  }
  std::unique_ptr<PostgresConnection> c(new PostgresConnection(conn));
  RAMPART_TRY(c->ExecScript("SET client_min_messages = warning"));
  return c;
}

PostgresConnection::~PostgresConnection() { PQfinish(conn_); }

common::Result<std::vector<Row>> PostgresConnection::Query(std::string_view sql,
                                                           std::span<const Value> params) {
  if (!in_transaction_) {
    if (auto r = Revive(); !r) return std::unexpected(r.error());
  }
  std::vector<std::string> texts(params.size());
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size()), formats(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const Value& v = params[i];
    if (IsNull(v)) {
      values[i] = nullptr;
      continue;
    }
    if (const auto* n = std::get_if<int64_t>(&v)) {
      texts[i] = std::to_string(*n);
    } else if (const auto* b = std::get_if<Blob>(&v)) {
      texts[i] = b->bytes;
      formats[i] = 1;  // binary
    } else {
      texts[i] = std::get<std::string>(v);
    }
    values[i] = texts[i].data();
    lengths[i] = static_cast<int>(texts[i].size());
  }
  PGresult* res = PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(params.size()),
                               nullptr, values.data(), lengths.data(), formats.data(), 0);
  const auto status = PQresultStatus(res);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    auto e = ErrorOf(res, conn_, "query");
    PQclear(res);
    return std::unexpected(e);
  }
  std::vector<Row> rows;
  const int n = PQntuples(res), cols = PQnfields(res);
  rows.reserve(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) {
    Row row(static_cast<size_t>(cols));
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(res, r, c)) continue;
      const std::string_view text(PQgetvalue(res, r, c),
                                  static_cast<size_t>(PQgetlength(res, r, c)));
      switch (PQftype(res, c)) {
        case kInt8:
        case kInt4:
        case kInt2:
        case kNumeric: {
          int64_t v = 0;
          std::from_chars(text.data(), text.data() + text.size(), v);
          row[static_cast<size_t>(c)] = v;
          break;
        }
        case kBool:
          row[static_cast<size_t>(c)] = int64_t{text == "t"};
          break;
        case kBytea:
          row[static_cast<size_t>(c)] = Blob{Unhex(text)};
          break;
        default:
          row[static_cast<size_t>(c)] = std::string(text);
      }
    }
    rows.push_back(std::move(row));
  }
  PQclear(res);
  return rows;
}

common::Result<void> PostgresConnection::ExecScript(std::string_view sql) {
  PGresult* res = PQexec(conn_, std::string(sql).c_str());
  const auto status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    auto e = ErrorOf(res, conn_, "script");
    PQclear(res);
    return std::unexpected(e);
  }
  PQclear(res);
  return {};
}

common::Result<void> PostgresConnection::Revive() {
  if (PQstatus(conn_) != CONNECTION_BAD) return {};
  PQreset(conn_);  // reconnects with the original parameters
  if (PQstatus(conn_) != CONNECTION_OK) {
    return common::Fail(common::Code::kDatabaseUnavailable,
                        std::string("cannot reconnect to PostgreSQL: ") + PQerrorMessage(conn_));
  }
  return ExecScript("SET client_min_messages = warning");
}

common::Result<void> PostgresConnection::Begin() {
  if (auto r = Revive(); !r) return r;
  auto r = ExecScript("BEGIN");
  in_transaction_ = r.has_value();
  return r;
}
common::Result<void> PostgresConnection::Commit() {
  in_transaction_ = false;
  FaultCommitDelay();
  return ExecScript("COMMIT");
}
void PostgresConnection::Rollback() {
  in_transaction_ = false;
  if (PQstatus(conn_) == CONNECTION_OK) (void)ExecScript("ROLLBACK");
}

}  // namespace rampart::store
