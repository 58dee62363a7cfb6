// Indented JSON for people (the command line). Boost.JSON only serialises compactly.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace rampart::formats {

// Two-space indentation, one member per line; empty arrays and objects stay on one line.
std::string PrettyJson(const boost::json::value& v);

}  // namespace rampart::formats
