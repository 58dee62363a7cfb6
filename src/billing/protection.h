// What a resource protects and how it is configured: the options a customer chooses at
// purchase (product.md §1) that prices and rating depend on. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/pricebook.h"

namespace rampart::billing {

using catalog::Product;

// How an hdip's forwarded business traffic is billed (product.md §5).
enum class ForwardingMode { kByTraffic, kByBandwidth };
std::string_view ToString(ForwardingMode m);
std::optional<ForwardingMode> ParseForwardingMode(std::string_view text);

// hdp protection scope: one IP, or a packet of several sharing one protection peak.
enum class Scope { kSingle, kMulti };
std::string_view ToString(Scope s);
std::optional<Scope> ParseScope(std::string_view text);

struct ProtectionSpec {
  Product product = Product::kHdip;
  std::string region;
  std::string line;              // hdip only ("bgp", "three-carrier")
  Scope scope = Scope::kSingle;  // hdp only
  int64_t ip_count = 1;          // hdp only; 1 for single scope
  int64_t base_gbps = 0;
  int64_t elastic_gbps = 0;  // the elastic protection peak C; 0 = elastic off
  ForwardingMode forwarding_mode = ForwardingMode::kByTraffic;  // hdip only
};

}  // namespace rampart::billing

namespace rampart::billing {

// A resource's lifecycle state (product.md §6).
enum class ResourceState { kProvisioning, kRunning, kExpired, kReleased, kFailed };
std::string_view ToString(ResourceState s);
std::optional<ResourceState> ParseResourceState(std::string_view text);

}  // namespace rampart::billing
