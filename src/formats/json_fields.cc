#include "formats/json_fields.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace rampart::formats {

FieldReader::FieldReader(const boost::json::value& value, std::string path)
    : path_(std::move(path)) {
  object_ = value.if_object();
  if (!object_) {
    Problem(common::Code::kInvalidType,
            (path_.empty() ? std::string("the body") : path_) + " must be a JSON object", path_);
  }
}

std::string FieldReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void FieldReader::Problem(common::Code code, std::string message, std::string field) {
  if (!error_) error_ = common::Error{code, std::move(message), std::move(field)};
}

const boost::json::value* FieldReader::Find(std::string_view key, bool required) {
  if (!object_) return nullptr;
  read_.push_back(key);
  const boost::json::value* v = object_->if_contains(key);
  if (v && v->is_null()) v = nullptr;  // null means absent
  if (!v && required) {
    Problem(common::Code::kMissingField, PathOf(key) + " is required", PathOf(key));
  }
  return v;
}

std::optional<std::string> FieldReader::String(std::string_view key, bool required) {
  const boost::json::value* v = Find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Problem(common::Code::kInvalidType, PathOf(key) + " must be a string", PathOf(key));
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<int64_t> FieldReader::Int(std::string_view key, bool required, int64_t min,
                                        int64_t max) {
  const boost::json::value* v = Find(key, required);
  if (!v) return std::nullopt;
  std::optional<int64_t> n;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    // Above INT64_MAX: always out of range.
    Problem(common::Code::kOutOfRange,
            PathOf(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max),
            PathOf(key));
    return std::nullopt;
  }
  if (!n) {
    Problem(common::Code::kInvalidType, PathOf(key) + " must be an integer", PathOf(key));
    return std::nullopt;
  }
  if (*n < min || *n > max) {
    Problem(common::Code::kOutOfRange,
            PathOf(key) + " is " + std::to_string(*n) + ", must be between " + std::to_string(min) +
                " and " + std::to_string(max),
            PathOf(key));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> FieldReader::Bool(std::string_view key, bool required) {
  const boost::json::value* v = Find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    Problem(common::Code::kInvalidType, PathOf(key) + " must be true or false", PathOf(key));
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::string> FieldReader::Choice(std::string_view key, bool required,
                                               std::initializer_list<std::string_view> allowed) {
  auto v = String(key, required);
  if (!v) return std::nullopt;
  std::string list;
  for (auto a : allowed) {
    if (a == *v) return v;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  Problem(common::Code::kInvalidOption,
          PathOf(key) + " \"" + *v + "\" is not offered; allowed: " + list, PathOf(key));
  return std::nullopt;
}

const boost::json::array* FieldReader::Array(std::string_view key, bool required) {
  const boost::json::value* v = Find(key, required);
  if (!v) return nullptr;
  if (!v->is_array()) {
    Problem(common::Code::kInvalidType, PathOf(key) + " must be an array", PathOf(key));
    return nullptr;
  }
  return &v->get_array();
}

void FieldReader::Ignore(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) read_.push_back(k);
}

std::optional<common::Error> FieldReader::Finish() {
  if (error_ || !object_) return error_;
  for (const auto& [key, _] : *object_) {
    if (std::find(read_.begin(), read_.end(), std::string_view(key)) == read_.end()) {
      return common::Error{common::Code::kUnknownField, PathOf(key) + " is not a known field",
                           PathOf(key)};
    }
  }
  return std::nullopt;
}

}  // namespace rampart::formats
