#include "catalog/pricebook_loader.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <toml.hpp>

#include "common/calendar.h"

namespace rampart::catalog {
namespace {

using common::Fail;
using common::Result;

// Collects problems while walking one document. Each check reports and returns nullopt/false
// instead of stopping, so one run of `pricebook check` lists everything that is wrong.
class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  void Problem(const toml::value& where, const std::string& what) {
    problems_.push_back(file_ + ":" + std::to_string(where.location().line()) + ": " + what);
  }
  bool ok() const { return problems_.empty(); }
  std::string Report() const {
    std::string out;
    for (const auto& p : problems_) out += (out.empty() ? "" : "\n") + p;
    return out;
  }

  // Reports keys of `table` that are not in `allowed`.
  void OnlyKeys(const toml::value& table, const std::string& context,
                std::initializer_list<std::string_view> allowed) {
    // Sorted, so the report is stable whatever the hash order.
    std::map<std::string, const toml::value*> keys;
    for (const auto& [k, v] : table.as_table()) keys.emplace(k, &v);
    for (const auto& [k, v] : keys) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        Problem(*v, "unknown key \"" + k + "\" in " + context + " (allowed: " + list + ")");
      }
    }
  }

  const toml::value* Find(const toml::value& table, const std::string& key,
                          const std::string& context, bool required = true) {
    const auto& t = table.as_table();
    auto it = t.find(key);
    if (it == t.end()) {
      if (required) Problem(table, context + " is missing \"" + key + "\"");
      return nullptr;
    }
    return &it->second;
  }

  const toml::value* Table(const toml::value& table, const std::string& key,
                           const std::string& context, bool required = true) {
    const toml::value* v = Find(table, key, context, required);
    if (v && !v->is_table()) {
      Problem(*v, context + "." + key + " must be a table");
      return nullptr;
    }
    return v;
  }

  const toml::value* Array(const toml::value& table, const std::string& key,
                           const std::string& context, bool required = true) {
    const toml::value* v = Find(table, key, context, required);
    if (v && !v->is_array()) {
      Problem(*v, context + "." + key + " must be an array");
      return nullptr;
    }
    return v;
  }

  std::optional<std::string> String(const toml::value& table, const std::string& key,
                                    const std::string& context, bool required = true) {
    const toml::value* v = Find(table, key, context, required);
    if (!v) return std::nullopt;
    if (!v->is_string() || v->as_string().str.empty()) {
      Problem(*v, context + "." + key + " must be a non-empty string");
      return std::nullopt;
    }
    return v->as_string().str;
  }

  // An integer in [min, max].
  std::optional<int64_t> Int(const toml::value& table, const std::string& key,
                             const std::string& context, int64_t min, int64_t max,
                             bool required = true) {
    const toml::value* v = Find(table, key, context, required);
    if (!v) return std::nullopt;
    if (!v->is_integer()) {
      Problem(*v, context + "." + key + " must be an integer");
      return std::nullopt;
    }
    const int64_t n = v->as_integer();
    if (n < min || n > max) {
      Problem(*v, context + "." + key + " is " + std::to_string(n) + ", must be " +
                      (n < 0 && min >= 0
                           ? "non-negative"
                           : "between " + std::to_string(min) + " and " + std::to_string(max)));
      return std::nullopt;
    }
    return n;
  }

  // A non-negative price: an integer or float number of yuan with at most two decimals, or a
  // string such as "0.80".
  std::optional<common::Money> Price(const toml::value& table, const std::string& key,
                                     const std::string& context) {
    const toml::value* v = Find(table, key, context);
    if (!v) return std::nullopt;
    auto text = DecimalText(*v);
    if (!text) {
      Problem(*v, context + "." + key + " must be a number of yuan");
      return std::nullopt;
    }
    auto money = common::Money::Parse(*text);
    if (!money) {
      Problem(*v,
              context + "." + key + " = " + *text + " is not an amount with at most two decimals");
      return std::nullopt;
    }
    if (*money < common::Money()) {
      Problem(*v, context + "." + key + " = " + *text + " is a negative price");
      return std::nullopt;
    }
    return *money;
  }

  // A non-negative exact decimal with at most six decimals.
  std::optional<common::Decimal> Dec(const toml::value& table, const std::string& key,
                                     const std::string& context) {
    const toml::value* v = Find(table, key, context);
    if (!v) return std::nullopt;
    auto text = DecimalText(*v);
    if (!text) {
      Problem(*v, context + "." + key + " must be a number");
      return std::nullopt;
    }
    if (!text->empty() && text->front() == '-') {
      Problem(*v, context + "." + key + " = " + *text + " must not be negative");
      return std::nullopt;
    }
    auto d = common::Decimal::Parse(*text);
    if (!d) {
      Problem(*v, context + "." + key + " = " + *text + " has more than six decimals");
      return std::nullopt;
    }
    return *d;
  }

 private:
  // The decimal text of a number value. A float is printed in its shortest round-trip form,
  // which recovers exactly what the operator wrote for up to 15 significant digits.
  static std::optional<std::string> DecimalText(const toml::value& v) {
    if (v.is_integer()) return std::to_string(v.as_integer());
    if (v.is_string()) return v.as_string().str;
    if (v.is_floating()) {
      const double d = v.as_floating();
      if (!std::isfinite(d)) return std::nullopt;
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
      if (ec != std::errc()) return std::nullopt;
      return std::string(buf, end);
    }
    return std::nullopt;
  }

  std::string file_;
  std::vector<std::string> problems_;
};

constexpr int64_t kMaxGbps = 100'000;  // 100 Tbps: the absurdity bound of product.md §7

std::optional<PriceClass> LoadClass(Checker& c, const std::string& name, const toml::value& t,
                                    const std::string& context) {
  c.OnlyKeys(t, context, {"max_ceiling_gbps", "base", "elastic"});
  PriceClass pc;
  pc.name = name;
  auto max_ceiling = c.Int(t, "max_ceiling_gbps", context, 1, kMaxGbps);

  if (const toml::value* base = c.Array(t, "base", context)) {
    if (base->as_array().empty()) c.Problem(*base, context + ".base has no tiers");
    for (const auto& tier : base->as_array()) {
      const std::string tctx = context + ".base[" + std::to_string(pc.base.size()) + "]";
      if (!tier.is_table()) {
        c.Problem(tier, tctx + " must be a table like { gbps = 10, monthly = 8600 }");
        continue;
      }
      c.OnlyKeys(tier, tctx, {"gbps", "monthly"});
      auto gbps = c.Int(tier, "gbps", tctx, 1, kMaxGbps);
      if (!tier.as_table().count("monthly")) {
        c.Problem(tier, tctx + " (" + (gbps ? std::to_string(*gbps) : "?") +
                            " Gbps) is a base tier without a monthly price");
      }
      auto monthly =
          tier.as_table().count("monthly") ? c.Price(tier, "monthly", tctx) : std::nullopt;
      if (gbps && !pc.base.empty() && *gbps <= pc.base.back().gbps) {
        c.Problem(tier, tctx + ": base tiers must be sorted by gbps without repeats (" +
                            std::to_string(*gbps) + " after " +
                            std::to_string(pc.base.back().gbps) + ")");
      }
      if (gbps && monthly) pc.base.push_back({*gbps, *monthly});
    }
  }

  if (const toml::value* elastic = c.Array(t, "elastic", context)) {
    if (elastic->as_array().empty()) c.Problem(*elastic, context + ".elastic has no ranges");
    int64_t expected_from = 0;
    size_t i = 0;
    for (const auto& r : elastic->as_array()) {
      const std::string rctx = context + ".elastic[" + std::to_string(i++) + "]";
      if (!r.is_table()) {
        c.Problem(r, rctx + " must be a table like { from = 0, to = 10, daily = 1000 }");
        continue;
      }
      c.OnlyKeys(r, rctx, {"from", "to", "daily"});
      auto from = c.Int(r, "from", rctx, 0, kMaxGbps);
      auto to = c.Int(r, "to", rctx, 1, kMaxGbps);
      auto daily = c.Price(r, "daily", rctx);
      if (!from || !to) continue;
      if (*to <= *from) {
        c.Problem(r, rctx + " is empty or reversed: (" + std::to_string(*from) + ", " +
                         std::to_string(*to) + "]");
      } else if (*from > expected_from) {
        c.Problem(r, rctx + " leaves a gap: no range covers (" + std::to_string(expected_from) +
                         ", " + std::to_string(*from) + "]");
      } else if (*from < expected_from) {
        c.Problem(r, rctx + " overlaps the range before it (starts at " + std::to_string(*from) +
                         ", previous ends at " + std::to_string(expected_from) +
                         "); ranges must be sorted and contiguous");
      }
      expected_from = std::max(expected_from, *to);
      if (daily && *to > *from) pc.elastic.push_back({*from, *to, *daily});
    }
  }

  if (max_ceiling) {
    pc.max_ceiling_gbps = *max_ceiling;
    const toml::value& where = t.as_table().at("max_ceiling_gbps");
    if (!pc.elastic.empty() && *max_ceiling > pc.elastic.back().hi_gbps) {
      c.Problem(where, context + ".max_ceiling_gbps = " + std::to_string(*max_ceiling) +
                           " is beyond the last elastic range, which ends at " +
                           std::to_string(pc.elastic.back().hi_gbps));
    }
    if (!pc.base.empty() && *max_ceiling <= pc.base.front().gbps) {
      c.Problem(where, context + ".max_ceiling_gbps = " + std::to_string(*max_ceiling) +
                           " leaves no room for elastic above the smallest base (" +
                           std::to_string(pc.base.front().gbps) + ")");
    }
  }
  return pc;
}

// Loads `[<product>.classes.*]` into `out`, returning name -> index.
std::map<std::string, size_t> LoadClasses(Checker& c, const toml::value& product,
                                          const std::string& product_name,
                                          std::vector<PriceClass>* out) {
  std::map<std::string, size_t> index;
  const toml::value* classes = c.Table(product, "classes", product_name);
  if (!classes) return index;
  std::map<std::string, const toml::value*> sorted;
  for (const auto& [name, v] : classes->as_table()) sorted.emplace(name, &v);
  for (const auto& [name, v] : sorted) {
    const std::string ctx = product_name + ".classes." + name;
    if (!v->is_table()) {
      c.Problem(*v, ctx + " must be a table");
      continue;
    }
    if (auto pc = LoadClass(c, name, *v, ctx)) {
      index[name] = out->size();
      out->push_back(std::move(*pc));
    }
  }
  if (sorted.empty()) c.Problem(*classes, product_name + ".classes defines no price class");
  return index;
}

std::optional<size_t> ClassRef(Checker& c, const toml::value& t, const std::string& ctx,
                               const std::map<std::string, size_t>& classes) {
  auto name = c.String(t, "class", ctx);
  if (!name) return std::nullopt;
  auto it = classes.find(*name);
  if (it == classes.end()) {
    std::string known;
    for (const auto& [k, _] : classes) known += (known.empty() ? "" : ", ") + k;
    c.Problem(
        t.as_table().at("class"),
        ctx + ".class \"" + *name + "\" is not a defined price class (defined: " + known + ")");
    return std::nullopt;
  }
  return it->second;
}

void LoadTerms(Checker& c, const toml::value& root, PriceBook* pb) {
  const toml::value* terms = c.Table(root, "terms", "the price book");
  if (!terms) return;
  c.OnlyKeys(*terms, "terms",
             {"months", "max_quantity", "hdp_first_purchase_min_months", "discounts"});
  if (const toml::value* months = c.Array(*terms, "months", "terms")) {
    pb->terms.months.clear();
    for (const auto& m : months->as_array()) {
      if (!m.is_integer() || m.as_integer() < 1 || m.as_integer() > 120) {
        c.Problem(m, "terms.months: each duration must be an integer number of months, 1 to 120");
        continue;
      }
      if (!pb->terms.months.empty() && m.as_integer() <= pb->terms.months.back()) {
        c.Problem(m, "terms.months must be sorted without repeats");
        continue;
      }
      pb->terms.months.push_back(m.as_integer());
    }
    if (pb->terms.months.empty()) c.Problem(*months, "terms.months allows no duration");
  }
  if (auto q = c.Int(*terms, "max_quantity", "terms", 1, 1000)) pb->terms.max_quantity = *q;
  if (auto m = c.Int(*terms, "hdp_first_purchase_min_months", "terms", 1, 120)) {
    pb->terms.hdp_first_purchase_min_months = *m;
  }
  if (const toml::value* discounts = c.Array(*terms, "discounts", "terms", false)) {
    size_t i = 0;
    for (const auto& d : discounts->as_array()) {
      const std::string ctx = "terms.discounts[" + std::to_string(i++) + "]";
      if (!d.is_table()) {
        c.Problem(d, ctx + " must be a table like { min_months = 6, off = 0.15 }");
        continue;
      }
      c.OnlyKeys(d, ctx, {"min_months", "off"});
      auto min_months = c.Int(d, "min_months", ctx, 1, 120);
      auto off = c.Dec(d, "off", ctx);
      if (off && off->micros() >= common::Decimal::kScale) {
        c.Problem(d, ctx + ".off must be below 1 (0.15 = 15 % off)");
        continue;
      }
      if (min_months && !pb->terms.discounts.empty() &&
          *min_months <= pb->terms.discounts.back().min_months) {
        c.Problem(d, ctx + ": discounts must be sorted by min_months without repeats");
        continue;
      }
      if (min_months && off) pb->terms.discounts.push_back({*min_months, *off});
    }
  }
}

void LoadHdip(Checker& c, const toml::value& root, PriceBook* pb) {
  const toml::value* hdip = c.Table(root, "hdip", "the price book");
  if (!hdip) return;
  c.OnlyKeys(*hdip, "hdip", {"included_forwarding_mbps", "classes", "networks"});
  if (auto mbps = c.Int(*hdip, "included_forwarding_mbps", "hdip", 0, 100'000'000)) {
    pb->included_forwarding_mbps = *mbps;
  }
  const auto classes = LoadClasses(c, *hdip, "hdip", &pb->hdip_classes);
  const toml::value* networks = c.Array(*hdip, "networks", "hdip");
  if (!networks) return;
  std::set<std::string> seen;
  size_t i = 0;
  for (const auto& n : networks->as_array()) {
    const std::string ctx = "hdip.networks[" + std::to_string(i++) + "]";
    if (!n.is_table()) {
      c.Problem(n, ctx + " must be a table");
      continue;
    }
    c.OnlyKeys(n, ctx, {"region", "line", "class", "forwarding"});
    HdipNetwork net;
    auto region = c.String(n, "region", ctx);
    auto line = c.String(n, "line", ctx);
    auto cls = ClassRef(c, n, ctx, classes);
    bool fwd_ok = false;
    if (const toml::value* fwd = c.Table(n, "forwarding", ctx)) {
      const std::string fctx = ctx + ".forwarding";
      c.OnlyKeys(*fwd, fctx, {"per_gb", "per_mbps_day", "measure"});
      auto per_gb = c.Price(*fwd, "per_gb", fctx);
      auto per_mbps = c.Price(*fwd, "per_mbps_day", fctx);
      auto measure = c.String(*fwd, "measure", fctx, false);
      bool measure_ok = true;
      if (measure && *measure == "p95") {
        net.forwarding.measure = BandwidthMeasure::kP95;
      } else if (measure && *measure != "peak") {
        c.Problem(fwd->as_table().at("measure"),
                  fctx + ".measure \"" + *measure + "\" must be \"peak\" or \"p95\"");
        measure_ok = false;
      }
      if (per_gb && per_mbps && measure_ok) {
        net.forwarding.per_gb = *per_gb;
        net.forwarding.per_mbps_day = *per_mbps;
        fwd_ok = true;
      }
    }
    if (region && line && !seen.insert(*region + "/" + *line).second) {
      c.Problem(n, ctx + ": network " + *region + "/" + *line + " is defined twice");
      continue;
    }
    if (region && line && cls && fwd_ok) {
      net.region = *region;
      net.line = *line;
      net.price_class = *cls;
      pb->hdip_networks.push_back(std::move(net));
    }
  }
  if (networks->as_array().empty()) c.Problem(*networks, "hdip.networks lists no network");
}

void LoadHdp(Checker& c, const toml::value& root, PriceBook* pb) {
  const toml::value* hdp = c.Table(root, "hdp", "the price book");
  if (!hdp) return;
  c.OnlyKeys(*hdp, "hdp", {"ip_count_factors", "classes", "regions"});
  if (const toml::value* factors = c.Array(*hdp, "ip_count_factors", "hdp")) {
    size_t i = 0;
    for (const auto& f : factors->as_array()) {
      const std::string ctx = "hdp.ip_count_factors[" + std::to_string(i++) + "]";
      if (!f.is_table()) {
        c.Problem(f, ctx + " must be a table like { ips = 5, factor = 3.875 }");
        continue;
      }
      c.OnlyKeys(f, ctx, {"ips", "factor"});
      auto ips = c.Int(f, "ips", ctx, 1, 100'000);
      auto factor = c.Dec(f, "factor", ctx);
      if (factor && factor->micros() == 0) {
        c.Problem(f, ctx + ".factor must be above 0");
        continue;
      }
      if (ips && !pb->hdp_ip_factors.empty() && *ips <= pb->hdp_ip_factors.back().ip_count) {
        c.Problem(f, ctx + ": ip_count_factors must be sorted by ips without repeats");
        continue;
      }
      if (ips && factor) pb->hdp_ip_factors.push_back({*ips, *factor});
    }
    if (!pb->FindIpFactor(1)) {
      c.Problem(*factors, "hdp.ip_count_factors needs { ips = 1, ... } for single-IP packets");
    }
  }
  const auto classes = LoadClasses(c, *hdp, "hdp", &pb->hdp_classes);
  const toml::value* regions = c.Array(*hdp, "regions", "hdp");
  if (!regions) return;
  std::set<std::string> seen;
  size_t i = 0;
  for (const auto& r : regions->as_array()) {
    const std::string ctx = "hdp.regions[" + std::to_string(i++) + "]";
    if (!r.is_table()) {
      c.Problem(r, ctx + " must be a table");
      continue;
    }
    c.OnlyKeys(r, ctx, {"region", "class"});
    auto region = c.String(r, "region", ctx);
    auto cls = ClassRef(c, r, ctx, classes);
    if (region && !seen.insert(*region).second) {
      c.Problem(r, ctx + ": region " + *region + " is defined twice");
      continue;
    }
    if (region && cls) pb->hdp_regions.push_back({*region, *cls});
  }
  if (regions->as_array().empty()) c.Problem(*regions, "hdp.regions lists no region");
}

// Where `text` first stops being UTF-8 (RFC 3629: no overlongs, surrogates or code points
// past U+10FFFF), or npos. TOML files are UTF-8; and toml11 3.7's own check reads past the
// end of a truncated sequence (found by fuzz_pricebook), so nothing else reaches it.
size_t FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t n = 0;
    uint32_t min = 0, cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return i;
    }
    if (i + n >= text.size()) return i;  // cut short
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return i;
      cp = cp << 6 | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

}  // namespace

Result<PriceBook> ParsePriceBook(std::string_view toml_text, std::string_view file_name) {
  const std::string file(file_name);
  toml::value root;
  if (const size_t bad = FirstInvalidUtf8(toml_text); bad != std::string_view::npos) {
    const auto line = std::count(toml_text.begin(), toml_text.begin() + bad, '\n') + 1;
    return Fail(common::Code::kBadPricebook, std::string(file) + ": not valid TOML: line " +
                                                 std::to_string(line) + " is not UTF-8 (byte " +
                                                 std::to_string(bad + 1) + ")");
  }
  try {
    std::istringstream in{std::string(toml_text)};
    root = toml::parse(in, file);
  } catch (const std::exception& e) {
    // toml11 formats syntax errors with the file, line and a caret.
    return Fail(common::Code::kBadPricebook, std::string(file) + ": not valid TOML:\n" + e.what());
  }
  Checker c(file);
  PriceBook pb;
  c.OnlyKeys(root, "the price book", {"time_zone", "currency", "terms", "hdip", "hdp"});
  if (auto tz = c.String(root, "time_zone", "the price book", false)) {
    if (auto cal = common::BillingCalendar::Create(*tz); !cal) {
      c.Problem(root.as_table().at("time_zone"), cal.error().message);
    } else {
      pb.time_zone = *tz;
    }
  }
  if (auto currency = c.String(root, "currency", "the price book", false)) {
    if (*currency != "CNY") {
      c.Problem(root.as_table().at("currency"),
                "currency \"" + *currency + "\" is not supported (only CNY)");
    }
  }
  LoadTerms(c, root, &pb);
  LoadHdip(c, root, &pb);
  LoadHdp(c, root, &pb);
  if (!c.ok()) return Fail(common::Code::kBadPricebook, c.Report());
  return pb;
}

Result<PriceBook> LoadPriceBookFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(common::Code::kBadPricebook, path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return ParsePriceBook(text.str(), path);
}

const PriceBook& DefaultPriceBook() {
  static const PriceBook book = [] {
    auto pb = ParsePriceBook(DefaultPriceBookText(), "pricebook/default.toml");
    assert(pb.has_value() && "the built-in price book must be valid");
    return *pb;
  }();
  return book;
}

}  // namespace rampart::catalog
