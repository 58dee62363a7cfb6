#include "api/usage_json.h"

#include <boost/json.hpp>

#include "api/json_fields.h"

namespace rampart::api {
namespace {

postpaid::IncomingSample ReadSample(const boost::json::value& v, size_t index) {
  postpaid::IncomingSample in;
  in.index = index;
  FieldReader r(v, "[" + std::to_string(index) + "]");
  metering::UsageSample s;
  auto ip = r.String("ip", true);
  auto start = r.String("window_start", true);
  // Wide ranges here: the billing rules (negative, absurd) are checked with their own codes.
  constexpr int64_t kWide = INT64_MAX / 16;
  auto window = r.Int("window_s", false, -kWide, kWide);
  auto attack = r.Int("attack_bps", false, -kWide, kWide);
  auto in_bytes = r.Int("in_bytes", false, -kWide, kWide);
  auto out_bytes = r.Int("out_bytes", false, -kWide, kWide);
  if (ip) {
    if (auto parsed = common::IpAddress::Parse(*ip)) {
      s.ip = *parsed;
    } else {
      r.Problem("invalid_ip", parsed.error().message, r.PathOf("ip"));
    }
  }
  if (start) {
    if (auto t = common::ParseRfc3339(*start)) {
      s.window_start = *t;
    } else {
      r.Problem("invalid_time", t.error().message, r.PathOf("window_start"));
    }
  }
  if (auto e = r.Finish()) {
    in.parse_error = *e;
    return in;
  }
  s.window_s = window.value_or(60);
  s.attack_bps = attack.value_or(0);
  s.in_bytes = in_bytes.value_or(0);
  s.out_bytes = out_bytes.value_or(0);
  in.sample = s;
  return in;
}

}  // namespace

common::Result<std::vector<postpaid::IncomingSample>> ParseUsageBody(std::string_view body,
                                                                     bool ndjson) {
  std::vector<postpaid::IncomingSample> out;
  boost::json::parse_options opts;
  opts.max_depth = 8;
  if (!ndjson) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(body, ec, {}, opts);
    if (ec) return common::Fail("invalid_json", "the body is not valid JSON: " + ec.message());
    const auto* items = v.if_array();
    if (!items) {
      return common::Fail("invalid_type",
                          "the body must be a JSON array of samples (or NDJSON with "
                          "Content-Type application/x-ndjson)");
    }
    if (items->size() > kMaxSamplesPerBatch) {
      return common::Fail("payload_too_large", "at most 100,000 samples per request");
    }
    for (size_t i = 0; i < items->size(); ++i) out.push_back(ReadSample((*items)[i], i));
    return out;
  }
  size_t index = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (out.size() >= kMaxSamplesPerBatch) {
      return common::Fail("payload_too_large", "at most 100,000 samples per request");
    }
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec, {}, opts);
    if (ec) {
      postpaid::IncomingSample bad;
      bad.index = index;
      bad.parse_error = {
          "invalid_json",
          "line " + std::to_string(index + 1) + " is not a JSON object: " + ec.message(), ""};
      out.push_back(std::move(bad));
    } else {
      out.push_back(ReadSample(v, index));
    }
    ++index;
  }
  return out;
}

}  // namespace rampart::api
