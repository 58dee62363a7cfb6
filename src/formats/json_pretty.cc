#include "formats/json_pretty.h"

#include <boost/json.hpp>

namespace rampart::formats {
namespace {

void Write(const boost::json::value& v, int indent, std::string* out) {
  const std::string pad(static_cast<size_t>(indent + 2), ' ');
  if (const auto* o = v.if_object(); o && !o->empty()) {
    *out += "{\n";
    bool first = true;
    for (const auto& [k, item] : *o) {
      if (!first) *out += ",\n";
      first = false;
      *out += pad + boost::json::serialize(boost::json::string(k)) + ": ";
      Write(item, indent + 2, out);
    }
    *out += "\n" + std::string(static_cast<size_t>(indent), ' ') + "}";
  } else if (const auto* a = v.if_array(); a && !a->empty()) {
    *out += "[\n";
    bool first = true;
    for (const auto& item : *a) {
      if (!first) *out += ",\n";
      first = false;
      *out += pad;
      Write(item, indent + 2, out);
    }
    *out += "\n" + std::string(static_cast<size_t>(indent), ' ') + "]";
  } else {
    *out += boost::json::serialize(v);
  }
}

}  // namespace

std::string PrettyJson(const boost::json::value& v) {
  std::string out;
  Write(v, 0, &out);
  out += "\n";
  return out;
}

}  // namespace rampart::formats
