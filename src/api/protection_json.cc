#include "api/protection_json.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "common/address_policy.h"
#include "common/ip_address.h"
#include "formats/json_fields.h"

namespace rampart::api {

using formats::FieldReader;
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool IsDomain(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.find('.') == std::string_view::npos) return false;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t dot = std::min(s.find('.', start), s.size());
    const std::string_view label = s.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char ch : label) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
    }
    start = dot + 1;
    if (dot == s.size()) break;
  }
  return true;
}

std::optional<common::Error> First(FieldReader& r) { return r.Finish(); }

}  // namespace

common::Result<lifecycle::StoredRule> ParseRule(const boost::json::value& body,
                                                const OriginPolicy& policy) {
  FieldReader r(body);
  auto protocol = r.Choice("protocol", true, {"tcp", "udp"});
  auto port = r.Int("frontend_port", true, 1, 65535);
  auto lb = r.Choice("lb", false, {"wrr", "source_hash"});
  auto persistence = r.Int("session_persistence_s", false, 0, 3600);
  auto proxy_protocol = r.Choice("proxy_protocol", false, {"off", "v2"});
  array origins;
  if (const auto* list = r.Array("origins", true)) {
    if (list->empty() || list->size() > 20) {
      r.Problem(common::Code::kInvalidOption, "origins must list 1 to 20 origin servers",
                "origins");
    }
    int64_t total_weight = 0;
    for (size_t i = 0; i < list->size() && r.ok(); ++i) {
      FieldReader o((*list)[i], "origins[" + std::to_string(i) + "]");
      auto address = o.String("address", true);
      auto oport = o.Int("port", true, 1, 65535);
      auto weight = o.Int("weight", false, 0, 100);
      const auto ip = address ? common::IpAddress::Parse(*address)
                              : common::Result<common::IpAddress>(common::IpAddress());
      if (address && !ip && (!IsDomain(*address) || common::IsNumericHostName(*address))) {
        o.Problem(common::Code::kInvalidOption,
                  o.PathOf("address") + " \"" + *address +
                      "\" is neither an IP address nor a domain name",
                  o.PathOf("address"));
      } else if (address && ip) {
        const std::string text = ip->ToString();
        if (std::find(policy.own_ips.begin(), policy.own_ips.end(), text) != policy.own_ips.end()) {
          o.Problem(common::Code::kInvalidOrigin,
                    o.PathOf("address") + " " + text + " is this resource's own address",
                    o.PathOf("address"));
        } else if (auto why = common::WhyNotPublic(*ip); why && !policy.allow_private) {
          o.Problem(common::Code::kInvalidOrigin,
                    o.PathOf("address") + " " + text + " is " + *why +
                        ": origins must be public addresses",
                    o.PathOf("address"));
        }
      }
      if (auto e = First(o)) {
        r.Problem(e->code, e->message, e->field);
        break;
      }
      std::string canonical = *address;
      if (auto ip = common::IpAddress::Parse(*address)) canonical = ip->ToString();
      total_weight += weight.value_or(100);
      origins.push_back(
          object{{"address", canonical}, {"port", *oport}, {"weight", weight.value_or(100)}});
    }
    if (r.ok() && !list->empty() && total_weight == 0) {
      r.Problem(common::Code::kInvalidOption, "at least one origin needs a weight above 0",
                "origins");
    }
  }
  object health{{"enabled", true},
                {"interval_s", 5},
                {"timeout_s", 3},
                {"unhealthy_after", 3},
                {"healthy_after", 3}};
  if (const auto* hc = body.is_object() ? body.as_object().if_contains("health_check") : nullptr) {
    FieldReader h(*hc, "health_check");
    auto enabled = h.Bool("enabled", false);
    auto interval = h.Int("interval_s", false, 1, 300);
    auto timeout = h.Int("timeout_s", false, 1, 60);
    auto unhealthy = h.Int("unhealthy_after", false, 1, 10);
    auto healthy = h.Int("healthy_after", false, 1, 10);
    if (h.ok() && timeout.value_or(3) >= interval.value_or(5)) {
      h.Problem(common::Code::kInvalidOption, "health_check.timeout_s must be below interval_s",
                "health_check.timeout_s");
    }
    if (auto e = First(h)) {
      r.Problem(e->code, e->message, e->field);
    } else {
      health = object{{"enabled", enabled.value_or(true)},
                      {"interval_s", interval.value_or(5)},
                      {"timeout_s", timeout.value_or(3)},
                      {"unhealthy_after", unhealthy.value_or(3)},
                      {"healthy_after", healthy.value_or(3)}};
    }
  }
  r.Ignore({"health_check", "id"});
  if (auto e = r.Finish()) return std::unexpected(*e);
  lifecycle::StoredRule rule;
  rule.protocol = *protocol;
  rule.frontend_port = *port;
  rule.body = boost::json::serialize(object{{"protocol", *protocol},
                                            {"frontend_port", *port},
                                            {"origins", origins},
                                            {"lb", lb.value_or("wrr")},
                                            {"session_persistence_s", persistence.value_or(0)},
                                            {"health_check", health},
                                            {"proxy_protocol", proxy_protocol.value_or("off")}});
  return rule;
}

value RuleToJson(const lifecycle::StoredRule& rule) {
  value v = boost::json::parse(rule.body);
  object out{{"id", rule.id}};
  for (const auto& [k, item] : v.as_object()) out[k] = item;
  if (!out.contains("proxy_protocol")) out["proxy_protocol"] = "off";  // stored before it existed
  return out;
}

common::Result<std::string> ParsePolicy(const boost::json::value& body) {
  FieldReader r(body);
  object per_source{
      {"max_connections", 0}, {"max_new_connections_per_s", 0}, {"max_pps", 0}, {"max_bps", 0}};
  if (const auto* ps = body.is_object() ? body.as_object().if_contains("per_source") : nullptr) {
    FieldReader p(*ps, "per_source");
    for (const char* key : {"max_connections", "max_new_connections_per_s", "max_pps"}) {
      if (auto n = p.Int(key, false, 0, 100'000'000)) per_source[key] = *n;
    }
    if (auto n = p.Int("max_bps", false, 0, 100'000'000'000'000)) per_source["max_bps"] = *n;
    if (auto e = First(p)) r.Problem(e->code, e->message, e->field);
  }
  array ports;
  if (const auto* rf =
          body.is_object() ? body.as_object().if_contains("reflection_filter") : nullptr) {
    FieldReader f(*rf, "reflection_filter");
    if (const auto* list = f.Array("udp_source_ports", false)) {
      std::set<int64_t> seen;
      if (list->size() > 100) {
        f.Problem(common::Code::kInvalidOption, "at most 100 reflection ports",
                  "reflection_filter.udp_source_ports");
      }
      for (size_t i = 0; i < list->size() && f.ok(); ++i) {
        const auto* n = (*list)[i].if_int64();
        const std::string path = "reflection_filter.udp_source_ports[" + std::to_string(i) + "]";
        if (!n || *n < 1 || *n > 65535) {
          f.Problem(common::Code::kInvalidOption, path + " must be a port 1-65535", path);
        } else if (!seen.insert(*n).second) {
          f.Problem(common::Code::kInvalidOption,
                    path + ": port " + std::to_string(*n) + " is listed twice", path);
        }
      }
      for (int64_t p : seen) ports.push_back(p);
    }
    if (auto e = First(f)) r.Problem(e->code, e->message, e->field);
  }
  std::vector<common::Cidr> lists[2];
  array out_lists[2];
  const char* names[2] = {"blacklist", "whitelist"};
  for (int l = 0; l < 2; ++l) {
    if (const auto* list = r.Array(names[l], false)) {
      if (list->size() > 1000)
        r.Problem(common::Code::kInvalidOption,
                  std::string(names[l]) + " has more than 1,000 entries", names[l]);
      for (size_t i = 0; i < list->size() && r.ok(); ++i) {
        const std::string path = std::string(names[l]) + "[" + std::to_string(i) + "]";
        const auto* text = (*list)[i].if_string();
        auto cidr =
            text ? common::Cidr::Parse(std::string_view(*text))
                 : common::Result<common::Cidr>(common::Fail(common::Code::kInvalidCidr, "", ""));
        if (!cidr) {
          r.Problem(common::Code::kInvalidCidr,
                    path + " must be a CIDR block like 203.0.113.0/24" +
                        (text ? ": " + cidr.error().message : std::string()),
                    path);
          break;
        }
        lists[l].push_back(*cidr);
        out_lists[l].push_back(value(cidr->ToString()));
      }
    }
  }
  for (size_t b = 0; b < lists[0].size() && r.ok(); ++b) {
    for (const auto& w : lists[1]) {
      if (lists[0][b].Overlaps(w)) {
        r.Problem(common::Code::kInvalidOption,
                  "blacklist[" + std::to_string(b) + "] " + lists[0][b].ToString() +
                      " overlaps the whitelist entry " + w.ToString(),
                  "blacklist[" + std::to_string(b) + "]");
        break;
      }
    }
  }
  object detection = DefaultDetection();
  if (const auto* d = body.is_object() ? body.as_object().if_contains("detection") : nullptr) {
    FieldReader f(*d, "detection");
    if (auto n = f.Int("bps", false, 0, 100'000'000'000'000)) detection["bps"] = *n;
    for (const char* key : {"pps", "syn_pps", "udp_pps", "icmp_pps"}) {
      if (auto n = f.Int(key, false, 0, 10'000'000'000)) detection[key] = *n;
    }
    if (auto n = f.Int("sustain_s", false, 1, 60)) detection["sustain_s"] = *n;
    if (auto n = f.Int("cooldown_s", false, 1, 3600)) detection["cooldown_s"] = *n;
    if (auto m = f.Choice("applies_to", false, {"each_ip", "total"})) detection["applies_to"] = *m;
    if (auto e = First(f)) r.Problem(e->code, e->message, e->field);
  }
  r.Ignore({"per_source", "reflection_filter", "detection"});
  if (auto e = r.Finish()) return std::unexpected(*e);
  return boost::json::serialize(object{{"per_source", per_source},
                                       {"reflection_filter", object{{"udp_source_ports", ports}}},
                                       {"blacklist", out_lists[0]},
                                       {"whitelist", out_lists[1]},
                                       {"detection", detection}});
}

value PolicyToJson(const std::string& body) {
  // No policy set yet: the defaults, which an empty body parses to.
  value v = boost::json::parse(body.empty() ? ParsePolicy(object{}).value() : body);
  // A policy stored before detection existed gets its defaults.
  if (!v.as_object().contains("detection")) v.as_object()["detection"] = DefaultDetection();
  return v;
}

object DefaultDetection() {
  return object{{"bps", kDefaultDetection.bps},
                {"pps", kDefaultDetection.pps},
                {"syn_pps", kDefaultDetection.syn_pps},
                {"udp_pps", kDefaultDetection.udp_pps},
                {"icmp_pps", kDefaultDetection.icmp_pps},
                {"sustain_s", kDefaultDetection.sustain_s},
                {"cooldown_s", kDefaultDetection.cooldown_s},
                {"applies_to", "each_ip"}};
}

}  // namespace rampart::api
