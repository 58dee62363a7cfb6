#include "api/usage_json.h"

#include <boost/json.hpp>
#include <charconv>
#include <optional>

#include "formats/json_fields.h"

namespace rampart::api {

using formats::FieldReader;
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
  auto source = r.String("source", false);
  auto revision = r.Int("revision", false, -kWide, kWide);
  if (ip) {
    if (auto parsed = common::IpAddress::Parse(*ip)) {
      s.ip = *parsed;
    } else {
      r.Problem(common::Code::kInvalidIp, parsed.error().message, r.PathOf("ip"));
    }
  }
  if (start) {
    if (auto t = common::ParseRfc3339(*start)) {
      s.window_start = *t;
    } else {
      r.Problem(common::Code::kInvalidTime, t.error().message, r.PathOf("window_start"));
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
  // An empty source is refused (ValidateSample), not taken for "not given".
  if (source) s.source = source->empty() ? std::string(" ") : *source;
  s.revision = revision.value_or(0);
  in.sample = std::move(s);
  return in;
}

// The fast path for the common line: one flat object whose keys are among the eight sample
// fields, each at most once, with plain strings (no escapes) for ip and window_start and
// plain integers for the rest (source too: a plain string). It reads such a line exactly as the
// strict path would; any other line (whitespace in odd places is fine; anything unusual is not)
// returns nullopt and goes through the strict reader, which gives the precise reason.
std::optional<postpaid::IncomingSample> ReadPlainSample(std::string_view line, size_t index) {
  size_t i = 0;
  auto skip = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  };
  auto string = [&](std::string_view* out) {
    if (i >= line.size() || line[i] != '"') return false;
    const size_t end = line.find('"', i + 1);
    if (end == std::string_view::npos) return false;
    *out = line.substr(i + 1, end - i - 1);
    if (out->find('\\') != std::string_view::npos) return false;
    i = end + 1;
    return true;
  };
  skip();
  if (i >= line.size() || line[i++] != '{') return std::nullopt;
  metering::UsageSample s;
  std::string_view ip, start, source;
  int64_t* ints[] = {&s.window_s, &s.attack_bps, &s.in_bytes, &s.out_bytes, &s.revision};
  constexpr std::string_view kInts[] = {"window_s", "attack_bps", "in_bytes", "out_bytes",
                                        "revision"};
  constexpr size_t kIntCount = std::size(kInts);
  unsigned seen = 0;
  skip();
  while (i < line.size() && line[i] != '}') {
    std::string_view key;
    if (!string(&key)) return std::nullopt;
    skip();
    if (i >= line.size() || line[i++] != ':') return std::nullopt;
    skip();
    unsigned bit = 0;
    if (key == "ip" || key == "window_start" || key == "source") {
      bit = key == "ip" ? 1u : key == "window_start" ? 2u : 256u;
      if (!string(key == "ip" ? &ip : key == "window_start" ? &start : &source)) {
        return std::nullopt;
      }
    } else {
      size_t k = 0;
      while (k < kIntCount && kInts[k] != key) ++k;
      if (k == kIntCount) return std::nullopt;
      bit = 4u << k;
      const char* first = line.data() + i;
      auto [end, ec] = std::from_chars(first, line.data() + line.size(), *ints[k]);
      if (ec != std::errc() || end == first || (*first == '0' && end - first > 1) ||
          (*first == '-' && (end - first == 1 || first[1] == '0'))) {
        return std::nullopt;
      }
      i += static_cast<size_t>(end - first);
      if (i < line.size() && (line[i] == '.' || line[i] == 'e' || line[i] == 'E'))
        return std::nullopt;
    }
    if (seen & bit) return std::nullopt;  // a repeated key: let the strict path decide
    seen |= bit;
    skip();
    if (i < line.size() && line[i] == ',') {
      ++i;
      skip();
      if (i >= line.size() || line[i] != '"') return std::nullopt;  // no trailing comma
    } else if (i >= line.size() || line[i] != '}') {
      return std::nullopt;  // pairs must be separated by commas
    }
  }
  if (i >= line.size() || line[i++] != '}') return std::nullopt;
  skip();
  if (i != line.size() || !(seen & 1u) || !(seen & 2u)) return std::nullopt;
  auto addr = common::IpAddress::Parse(ip);
  auto t = common::ParseRfc3339(start);
  if (!addr || !t || ((seen & 256u) && source.empty())) return std::nullopt;
  if (!(seen & 4u)) s.window_s = 60;
  s.source = source;
  s.ip = *addr;
  s.window_start = *t;
  postpaid::IncomingSample in;
  in.index = index;
  in.sample = std::move(s);
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
    if (ec)
      return common::Fail(common::Code::kInvalidJson,
                          "the body is not valid JSON: " + ec.message());
    const auto* items = v.if_array();
    if (!items) {
      return common::Fail(common::Code::kInvalidType,
                          "the body must be a JSON array of samples (or NDJSON with "
                          "Content-Type application/x-ndjson)");
    }
    if (items->size() > kMaxSamplesPerBatch) {
      return common::Fail(common::Code::kPayloadTooLarge, "at most 100,000 samples per request");
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
      return common::Fail(common::Code::kPayloadTooLarge, "at most 100,000 samples per request");
    }
    if (auto fast = ReadPlainSample(line, index)) {
      out.push_back(std::move(*fast));
      ++index;
      continue;
    }
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec, {}, opts);
    if (ec) {
      postpaid::IncomingSample bad;
      bad.index = index;
      bad.parse_error = {
          common::Code::kInvalidJson,
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
