#include "forward/forward_config.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <tuple>

namespace rampart::forward {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

struct Problem {
  std::string path;
};

const value& Field(const object& o, const char* key, const std::string& path) {
  const value* v = o.if_contains(key);
  if (v == nullptr) throw Problem{path + "." + key};
  return *v;
}

int64_t Int(const object& o, const char* key, const std::string& path, int64_t lo, int64_t hi) {
  const value& v = Field(o, key, path);
  if (!v.is_int64() || v.as_int64() < lo || v.as_int64() > hi) throw Problem{path + "." + key};
  return v.as_int64();
}

std::string Str(const object& o, const char* key, const std::string& path) {
  const value& v = Field(o, key, path);
  if (!v.is_string()) throw Problem{path + "." + key};
  return std::string(v.as_string());
}

const object& Obj(const value& v, const std::string& path) {
  if (!v.is_object()) throw Problem{path};
  return v.as_object();
}

const array& Arr(const value& v, const std::string& path) {
  if (!v.is_array()) throw Problem{path};
  return v.as_array();
}

AddressSet ReadList(const object& policy, const char* key, const std::string& path) {
  AddressSet set;
  const value* v = policy.if_contains(key);
  if (v == nullptr) return set;
  const auto& list = Arr(*v, path + "." + key);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = path + "." + key + "[" + std::to_string(i) + "]";
    if (!list[i].is_string()) throw Problem{at};
    auto cidr = common::Cidr::Parse(std::string(list[i].as_string()));
    if (!cidr) throw Problem{at};
    set.Add(*cidr);
  }
  set.Seal();
  return set;
}

Policy ReadPolicy(const value& v, const std::string& path) {
  Policy p;
  if (v.is_null()) return p;
  const object& o = Obj(v, path);
  if (const value* ps = o.if_contains("per_source")) {
    const object& limits = Obj(*ps, path + ".per_source");
    const std::string lp = path + ".per_source";
    constexpr int64_t kMax = 100'000'000'000'000;
    if (limits.contains("max_connections"))
      p.max_connections = Int(limits, "max_connections", lp, 0, kMax);
    if (limits.contains("max_new_connections_per_s"))
      p.max_new_connections_per_s = Int(limits, "max_new_connections_per_s", lp, 0, kMax);
    if (limits.contains("max_pps")) p.max_pps = Int(limits, "max_pps", lp, 0, kMax);
    if (limits.contains("max_bps")) p.max_bps = Int(limits, "max_bps", lp, 0, kMax);
  }
  if (const value* rf = o.if_contains("reflection_filter")) {
    const object& filter = Obj(*rf, path + ".reflection_filter");
    if (const value* ports = filter.if_contains("udp_source_ports")) {
      const auto& list = Arr(*ports, path + ".reflection_filter.udp_source_ports");
      for (size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_int64() || list[i].as_int64() < 1 || list[i].as_int64() > 65535)
          throw Problem{path + ".reflection_filter.udp_source_ports[" + std::to_string(i) + "]"};
        p.reflection_ports.push_back(static_cast<uint16_t>(list[i].as_int64()));
      }
      std::sort(p.reflection_ports.begin(), p.reflection_ports.end());
      p.reflection_ports.erase(std::unique(p.reflection_ports.begin(), p.reflection_ports.end()),
                               p.reflection_ports.end());
    }
  }
  p.blacklist = ReadList(o, "blacklist", path);
  p.whitelist = ReadList(o, "whitelist", path);
  return p;
}

Rule ReadRule(const value& v, const std::string& resource, const std::string& path) {
  const object& o = Obj(v, path);
  Rule r;
  r.id = Str(o, "id", path);
  r.resource = resource;
  const std::string protocol = Str(o, "protocol", path);
  if (protocol != "tcp" && protocol != "udp") throw Problem{path + ".protocol"};
  r.udp = protocol == "udp";
  r.frontend_port = static_cast<uint16_t>(Int(o, "frontend_port", path, 1, 65535));
  const auto& origins = Arr(Field(o, "origins", path), path + ".origins");
  if (origins.empty() || origins.size() > 20) throw Problem{path + ".origins"};
  for (size_t i = 0; i < origins.size(); ++i) {
    const std::string op = path + ".origins[" + std::to_string(i) + "]";
    const object& origin = Obj(origins[i], op);
    Origin out;
    out.host = Str(origin, "address", op);
    if (out.host.empty() || out.host.size() > 253) throw Problem{op + ".address"};
    out.port = static_cast<uint16_t>(Int(origin, "port", op, 1, 65535));
    out.weight =
        static_cast<int>(origin.contains("weight") ? Int(origin, "weight", op, 0, 100) : 100);
    r.origins.push_back(std::move(out));
  }
  if (const value* lb = o.if_contains("lb")) {
    if (!lb->is_string() || (lb->as_string() != "wrr" && lb->as_string() != "source_hash"))
      throw Problem{path + ".lb"};
    r.source_hash = lb->as_string() == "source_hash";
  }
  if (o.contains("session_persistence_s"))
    r.session_persistence_s = static_cast<int>(Int(o, "session_persistence_s", path, 0, 3600));
  if (const value* hc = o.if_contains("health_check")) {
    const std::string hp = path + ".health_check";
    const object& h = Obj(*hc, hp);
    if (const value* e = h.if_contains("enabled")) {
      if (!e->is_bool()) throw Problem{hp + ".enabled"};
      r.health.enabled = e->as_bool();
    }
    if (h.contains("interval_s"))
      r.health.interval_s = static_cast<int>(Int(h, "interval_s", hp, 1, 300));
    if (h.contains("timeout_s"))
      r.health.timeout_s = static_cast<int>(Int(h, "timeout_s", hp, 1, 60));
    if (h.contains("unhealthy_after"))
      r.health.unhealthy_after = static_cast<int>(Int(h, "unhealthy_after", hp, 1, 10));
    if (h.contains("healthy_after"))
      r.health.healthy_after = static_cast<int>(Int(h, "healthy_after", hp, 1, 10));
  }
  if (const value* pp = o.if_contains("proxy_protocol")) {
    if (!pp->is_string() || (pp->as_string() != "off" && pp->as_string() != "v2"))
      throw Problem{path + ".proxy_protocol"};
    r.proxy_v2 = pp->as_string() == "v2";
  }
  return r;
}

}  // namespace

common::Result<ForwardConfig> ParseForwardConfig(const boost::json::value& doc) {
  ForwardConfig config;
  try {
    const object& o = Obj(doc, "document");
    config.version = Str(o, "version", "document");
    if (const value* p = o.if_contains("private_origins_allowed"); p && p->is_bool())
      config.private_origins_allowed = p->as_bool();
    const auto& resources = Arr(Field(o, "resources", "document"), "resources");
    std::map<std::tuple<common::IpAddress, bool, uint16_t>, Frontend> frontends;
    for (size_t i = 0; i < resources.size(); ++i) {
      const std::string path = "resources[" + std::to_string(i) + "]";
      const object& r = Obj(resources[i], path);
      if (Str(r, "product", path) != "hdip") continue;
      const std::string id = Str(r, "resource", path);
      auto policy = std::make_shared<const Policy>(
          ReadPolicy(r.contains("policy") ? r.at("policy") : value(), path + ".policy"));
      std::vector<common::IpAddress> ips;
      const auto& ip_list = Arr(Field(r, "ips", path), path + ".ips");
      for (size_t k = 0; k < ip_list.size(); ++k) {
        const std::string ip_path = path + ".ips[" + std::to_string(k) + "]";
        if (!ip_list[k].is_string()) throw Problem{ip_path};
        auto ip = common::IpAddress::Parse(std::string(ip_list[k].as_string()));
        if (!ip) throw Problem{ip_path};
        ips.push_back(*ip);
      }
      const value* rules = r.if_contains("rules");
      if (rules == nullptr) continue;
      const auto& list = Arr(*rules, path + ".rules");
      for (size_t k = 0; k < list.size(); ++k) {
        auto rule = std::make_shared<const Rule>(
            ReadRule(list[k], id, path + ".rules[" + std::to_string(k) + "]"));
        for (const auto& ip : ips) {
          const auto key = std::tuple{ip, rule->udp, rule->frontend_port};
          if (frontends.contains(key)) throw Problem{path + ".rules[" + std::to_string(k) + "]"};
          frontends[key] = Frontend{ip, rule, policy};
        }
      }
    }
    for (auto& [key, f] : frontends) config.frontends.push_back(std::move(f));
  } catch (const Problem& p) {
    return common::Fail(common::Code::kInvalidConfig,
                        "the configuration is malformed at " + p.path);
  }
  return config;
}

}  // namespace rampart::forward
