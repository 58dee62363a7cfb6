// FieldReader: strict reading of one JSON object at the API boundary.
//
// Field names are taken as string views and kept: pass literals (or strings that outlive
// the reader). Each getter returns the field's value (or a default) and remembers the first
// problem:
// a missing required field, a wrong type, a number out of range. Finish() then also refuses
// fields that were never read, so unknown fields (typos) are errors, not silently ignored.
// Every error names its field with a dotted path ("origins[2].port"). Not thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace rampart::formats {

class FieldReader {
 public:
  // `path` prefixes field names in errors ("" at the top level, "resources[3]" inside).
  explicit FieldReader(const boost::json::value& value, std::string path = "");

  std::optional<std::string> String(std::string_view key, bool required);
  // An integer in [min, max]; JSON numbers with a fraction or exponent are refused.
  std::optional<int64_t> Int(std::string_view key, bool required, int64_t min, int64_t max);
  std::optional<bool> Bool(std::string_view key, bool required);
  // A string that must be one of `allowed` (`invalid_option` listing them otherwise).
  std::optional<std::string> Choice(std::string_view key, bool required,
                                    std::initializer_list<std::string_view> allowed);
  // The raw value of an array field, or nullptr.
  const boost::json::array* Array(std::string_view key, bool required);
  // Marks fields as known without reading them (accepted and ignored).
  void Ignore(std::initializer_list<std::string_view> keys);

  // The full path of a field, for callers that report their own errors.
  std::string PathOf(std::string_view key) const;
  // Records an error unless one is already recorded.
  void Problem(common::Code code, std::string message, std::string field);
  bool ok() const { return !error_.has_value(); }
  // The first problem, or `unknown_field` for a field never read; nullopt when all is well.
  std::optional<common::Error> Finish();

 private:
  const boost::json::value* Find(std::string_view key, bool required);

  const boost::json::object* object_ = nullptr;
  std::string path_;
  // The keys asked for; views of the callers' literals (a handful per object, so a flat
  // vector beats a set and allocates nothing per key).
  std::vector<std::string_view> read_;
  std::optional<common::Error> error_;
};

}  // namespace rampart::formats
