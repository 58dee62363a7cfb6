#include "billing/bill_document.h"

#include <boost/json.hpp>
#include <optional>

namespace rampart::billing {
namespace {

using boost::json::object;
using boost::json::value;

value TimeOrNull(const std::optional<common::Instant>& t) {
  return t ? value(common::EpochSeconds(*t)) : value(nullptr);
}

struct MeasureToDocument {
  value operator()(const ElasticMeasure& m) const {
    object o{{"attack_peak_bps", m.attack_peak_bps},
             {"attack_peak_at", TimeOrNull(m.attack_peak_at)},
             {"excess_bps", m.excess_bps},
             {"excess_at", TimeOrNull(m.excess_at)},
             {"base_bps", m.base_bps},
             {"ceiling_bps", m.ceiling_bps},
             {"range", nullptr}};
    if (m.range) {
      o["range"] = object{{"lo_gbps", m.range->lo_gbps}, {"hi_gbps", m.range->hi_gbps}};
      o["daily_price"] = m.range->daily.fen();
    }
    return o;
  }
  value operator()(const TrafficMeasure& m) const {
    return object{
        {"in_bytes", m.in_bytes}, {"out_bytes", m.out_bytes}, {"price_per_gb", m.per_gb.fen()}};
  }
  value operator()(const BandwidthMeasure& m) const {
    return object{{"measure", catalog::ToString(m.measure)},
                  {"buckets", m.buckets},
                  {"dropped_buckets", m.dropped},
                  {"bucket_at", TimeOrNull(m.bucket_at)},
                  {"bucket_bytes", m.bucket_bytes},
                  {"bandwidth_bps", m.measure_bps},
                  {"included_mbps", m.included_mbps},
                  {"billable_mbps", m.billable_mbps},
                  {"price_per_mbps_day", m.per_mbps_day.fen()}};
  }
  value operator()(const AdjustmentMeasure& m) const {
    return object{{"corrects_day", common::FormatDay(m.corrects_day)},
                  {"previous", m.previous.fen()},
                  {"corrected", m.corrected.fen()}};
  }
};

// Reads the fields of one object of a document. Money and times are read in the version's
// encoding (1: fen and epoch seconds; 0, the API's: decimal strings and RFC 3339). The first
// field that is missing or of the wrong type is remembered (`failed`); later reads return
// zero values, so a decoder reads everything and checks once.
class FieldReader {
 public:
  FieldReader(const value* v, bool legacy, std::string* failed)
      : o_(v ? v->if_object() : nullptr), legacy_(legacy), failed_(failed) {
    if (!o_) Fail("(object)");
  }
  const value* Raw(const char* name) {
    const value* v = o_ ? o_->if_contains(name) : nullptr;
    if (!v) Fail(name);
    return v;
  }
  int64_t Int(const char* name) {
    const value* v = Raw(name);
    if (v && v->is_int64()) return v->as_int64();
    if (v && v->is_uint64() && v->as_uint64() <= INT64_MAX) return int64_t(v->as_uint64());
    Fail(name);
    return 0;
  }
  std::string String(const char* name) {
    const value* v = Raw(name);
    if (v && v->is_string()) return std::string(v->as_string());
    Fail(name);
    return {};
  }
  common::Money Money(const char* name) {
    if (!legacy_) return common::Money::FromFen(Int(name));
    auto m = common::Money::Parse(String(name));
    if (!m) Fail(name);
    return m.value_or(common::Money());
  }
  std::optional<common::Instant> Time(const char* name) {
    const value* v = Raw(name);
    if (!v || v->is_null()) return std::nullopt;
    if (!legacy_) return common::FromEpochSeconds(Int(name));
    auto t = common::ParseRfc3339(String(name));
    if (!t) Fail(name);
    return t ? std::optional(*t) : std::nullopt;
  }
  common::Day Day(const char* name) {
    auto d = common::ParseDay(String(name));
    if (!d) Fail(name);
    return d.value_or(common::Day{});
  }
  bool legacy() const { return legacy_; }
  // Remembers `name` as the field that failed, unless one failed before it.
  void Fail(const char* name) {
    if (failed_->empty()) *failed_ = name;
  }

 private:
  const object* o_;
  bool legacy_;
  std::string* failed_;
};

std::optional<LineKind> ParseKind(std::string_view s) {
  for (auto k : {LineKind::kElastic, LineKind::kForwardingTraffic, LineKind::kForwardingBandwidth,
                 LineKind::kAdjustment}) {
    if (ToString(k) == s) return k;
  }
  return std::nullopt;
}

LineMeasure ReadMeasure(LineKind kind, FieldReader& f, std::string* failed) {
  switch (kind) {
    case LineKind::kElastic: {
      ElasticMeasure m;
      m.attack_peak_bps = f.Int("attack_peak_bps");
      m.attack_peak_at = f.Time("attack_peak_at");
      m.excess_bps = f.Int("excess_bps");
      m.excess_at = f.Time("excess_at");
      m.base_bps = f.Int("base_bps");
      m.ceiling_bps = f.Int("ceiling_bps");
      if (const value* range = f.Raw("range"); range && !range->is_null()) {
        FieldReader r(range, f.legacy(), failed);
        m.range = catalog::ElasticRange{r.Int("lo_gbps"), r.Int("hi_gbps"), f.Money("daily_price")};
      }
      return m;
    }
    case LineKind::kForwardingTraffic:
      return TrafficMeasure{f.Int("in_bytes"), f.Int("out_bytes"), f.Money("price_per_gb")};
    case LineKind::kForwardingBandwidth: {
      BandwidthMeasure m;
      const std::string measure = f.String("measure");
      if (measure == "p95") {
        m.measure = catalog::BandwidthMeasure::kP95;
      } else if (measure != "peak") {
        f.Fail("measure");
      }
      m.buckets = f.Int("buckets");
      m.dropped = f.Int("dropped_buckets");
      m.bucket_at = f.Time("bucket_at");
      m.bucket_bytes = f.Int("bucket_bytes");
      m.measure_bps = f.Int("bandwidth_bps");
      m.included_mbps = f.Int("included_mbps");
      m.billable_mbps = f.Int("billable_mbps");
      m.per_mbps_day = f.Money("price_per_mbps_day");
      return m;
    }
    case LineKind::kAdjustment:
      return AdjustmentMeasure{f.Day("corrects_day"), f.Money("previous"), f.Money("corrected")};
  }
  return {};
}

}  // namespace

std::string EncodeBill(const DailyBill& bill) {
  boost::json::array lines;
  for (const auto& l : bill.lines) {
    lines.push_back(object{{"resource", l.resource},
                           {"kind", ToString(l.kind)},
                           {"amount", l.amount.fen()},
                           {"measure", std::visit(MeasureToDocument{}, l.measure)}});
  }
  return boost::json::serialize(
      object{{"version", kBillDocumentVersion},
             {"day", common::FormatDay(bill.day)},
             {"tenant", bill.tenant.empty() ? value(nullptr) : value(bill.tenant)},
             {"status", bill.closed ? "closed" : "open"},
             {"total", bill.total.fen()},
             {"lines", std::move(lines)}});
}

common::Result<DailyBill> DecodeBill(std::string_view document) {
  auto broken = [](const std::string& why) {
    return common::Fail(common::Code::kStorageError,
                        "a stored bill is not a bill document: " + why);
  };
  boost::system::error_code ec;
  const value doc = boost::json::parse(document, ec);
  if (ec || !doc.is_object()) return broken("not a JSON object");
  const value* version = doc.as_object().if_contains("version");
  if (version && !(version->is_int64() && version->as_int64() == kBillDocumentVersion)) {
    return broken("unknown version " + boost::json::serialize(*version));
  }
  std::string failed;
  FieldReader f(&doc, /*legacy=*/version == nullptr, &failed);
  DailyBill bill;
  bill.day = f.Day("day");
  if (const value* tenant = f.Raw("tenant"); tenant && !tenant->is_null()) {
    bill.tenant = f.String("tenant");
  }
  const std::string status = f.String("status");
  bill.closed = status == "closed";
  if (!bill.closed && status != "open") f.Fail("status");
  const common::Money total = f.Money("total");
  const value* lines = f.Raw("lines");
  static const boost::json::array kNoLines;
  const boost::json::array* line_array = lines ? lines->if_array() : nullptr;
  if (lines && !line_array) f.Fail("lines");
  for (const value& line : line_array ? *line_array : kNoLines) {
    FieldReader l(&line, f.legacy(), &failed);
    BillLine out;
    out.resource = l.String("resource");
    const auto kind = ParseKind(l.String("kind"));
    if (!kind) l.Fail("kind");
    out.kind = kind.value_or(LineKind::kAdjustment);
    out.amount = l.Money("amount");
    FieldReader measure(l.Raw("measure"), f.legacy(), &failed);
    if (kind) out.measure = ReadMeasure(*kind, measure, &failed);
    bill.Add(std::move(out));
  }
  if (!failed.empty()) return broken("field \"" + failed + "\"");
  if (bill.total != total) return broken("its total is not the sum of its lines");
  return bill;
}

}  // namespace rampart::billing
