#include "api/routes.h"

#include "account/audit.h"
#include "common/crypto.h"
#include "formats/json_fields.h"
#include "store/idempotency.h"

namespace rampart::api {

using formats::FieldReader;
HttpResponse Json(int status, const value& v) {
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(v);
  return r;
}

Result<value> ParseBody(const HttpRequest& req, bool required) {
  if (!req.content_encoding.empty() && req.content_encoding != "identity") {
    return common::Fail(common::Code::kUnsupportedMediaType,
                        "Content-Encoding " + req.content_encoding + " is not accepted here");
  }
  if (!req.content_type.empty() && req.content_type.rfind("application/json", 0) != 0) {
    return common::Fail(common::Code::kUnsupportedMediaType, "send the body as application/json");
  }
  if (req.body.empty()) {
    if (required) return common::Fail(common::Code::kInvalidJson, "the body must be a JSON object");
    return value(object{});
  }
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 32;
  value v = boost::json::parse(req.body, ec, {}, opts);
  if (ec)
    return common::Fail(common::Code::kInvalidJson, "the body is not valid JSON: " + ec.message());
  return v;
}

Result<Page> ParsePage(const HttpRequest& req, bool orderable) {
  Page p;
  auto number = [](const std::string& s, int64_t min, int64_t max) -> std::optional<int64_t> {
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    const int64_t v = std::stoll(s);
    if (v < min || v > max) return std::nullopt;
    return v;
  };
  if (auto it = req.query.find("limit"); it != req.query.end()) {
    auto v = number(it->second, 1, kMaxLimit);
    if (!v) return common::Fail(common::Code::kOutOfRange, "limit must be 1 to 200", "limit");
    p.limit = *v;
  }
  if (auto it = req.query.find("cursor"); it != req.query.end()) {
    auto v = number(it->second, 0, INT64_MAX / 2);
    if (!v)
      return common::Fail(common::Code::kInvalidCursor, "cursor is not one this API gave",
                          "cursor");
    p.after = *v;
  }
  if (auto it = req.query.find("order"); it != req.query.end()) {
    if (!orderable)
      return common::Fail(common::Code::kInvalidOption, "this list has one order", "order");
    if (it->second != "oldest" && it->second != "newest") {
      return common::Fail(common::Code::kInvalidOption, "order must be oldest or newest", "order");
    }
    p.newest_first = it->second == "newest";
  }
  return p;
}

Result<int64_t> OneIntField(const HttpRequest& req, std::string_view name, int64_t min,
                            int64_t max) {
  auto body = RAMPART_TRY(ParseBody(req, true));
  FieldReader fields(body);
  auto n = fields.Int(name, true, min, max);
  if (auto e = fields.Finish()) return std::unexpected(*e);
  return *n;
}

std::optional<common::Error> NoFields(const HttpRequest& req) {
  auto body = ParseBody(req, false);
  if (!body) return body.error();
  FieldReader fields(*body);
  return fields.Finish();
}

HttpResponse AnswerWithSecret(int status, object without_secret, std::string_view field,
                              const std::string& secret) {
  object replay = without_secret;
  replay["secret_withheld"] = true;
  without_secret[field] = secret;
  HttpResponse r = Json(status, without_secret);
  r.replay_body = boost::json::serialize(replay);
  return r;
}

HttpResponse Mutate(ApiService& s, Context& c,
                    const std::function<Result<HttpResponse>(store::Connection&)>& work) {
  // Runs `work` in a transaction, honouring Idempotency-Key on POSTs: a repeat with the
  // same key and body returns the first answer, with another body 409. Only successful
  // answers are kept, so a request refused for a fixable reason can be retried.
  const bool idempotent = c.req.method == "POST" && !c.req.idempotency_key.empty();
  if (idempotent && (c.req.idempotency_key.size() > 200)) {
    return ErrorResponse(common::Code::kInvalidOption,
                         "Idempotency-Key is longer than 200 characters");
  }
  const std::string scope = c.who.key_id + " " + c.req.method + " " + c.req.path;
  const std::string hash = common::Sha256Hex(c.req.body);
  const common::Instant now = s.deps().clock->Now();
  // The actor of every audit row this request writes (its money movements included).
  account::ScopedActor actor(
      {c.who.key_id, std::string(account::ToString(c.who.role)), c.req.remote_address});
  auto attempt = [&] {
    return s.deps().db->Transact([&](store::Connection& conn) -> Result<HttpResponse> {
      if (idempotent) {
        auto seen = RAMPART_TRY(store::FindAnswer(conn, scope, c.req.idempotency_key, now));
        if (seen) {
          if (seen->request_hash != hash) {
            return common::Fail(common::Code::kIdempotencyMismatch,
                                "this Idempotency-Key was used with a different body");
          }
          HttpResponse r;
          r.status = seen->status;
          r.body = std::move(seen->body);
          r.headers.emplace_back("Idempotent-Replayed", "true");
          return r;
        }
      }
      Result<HttpResponse> r = work(conn);
      if (r && r->status < 300) {
        // The tenant concerned: the caller's, or the one an operator route names.
        std::string tenant = c.who.tenant_id;
        if (tenant.empty() && c.route.find("/v1/admin/tenants/{id}") != std::string::npos &&
            !c.params.empty()) {
          tenant = c.params[0];
        }
        const std::string detail =
            boost::json::serialize(object{{"path", c.req.path}, {"status", r->status}});
        RAMPART_TRY(
            account::RecordAudit(conn, "action", c.route, tenant, detail, s.deps().clock->Now()));
      }
      if (r && idempotent && r->status < 300) {
        // An expired record of the same key is replaced; a live one was answered above.
        RAMPART_TRY(store::SaveAnswer(conn, scope, c.req.idempotency_key,
                                      {hash, r->status, r->replay_body.value_or(r->body)}, now));
      }
      return r;
    });
  };
  auto result = attempt();
  // Two nodes handling the same key at once: the second waits on the first's rows, then
  // fails (the order is paid, or the key is taken) and rolls back whole. Run once more, it
  // finds the first node's answer and replays it, as a later retry would.
  if (!result && idempotent) result = attempt();
  if (!result) return ErrorResponse(result.error());
  return *result;
}

}  // namespace rampart::api
