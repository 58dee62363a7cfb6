// Error values for expected failures (bad input, conflicts, I/O).
//
// Contract: an `Error` carries a stable snake_case `code` (the API maps it to an HTTP status),
// a human `message`, and optionally the input `field` it concerns. Functions that can fail in
// an expected way return `Result<T>`; broken invariants assert instead.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace rampart::common {

struct Error {
  std::string code;     // stable, snake_case: "invalid_option", "bad_pricebook", ...
  std::string message;  // for people; names the option/field and what is allowed
  std::string field;    // the input field concerned, or empty
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> Fail(std::string code, std::string message, std::string field = {}) {
  return std::unexpected<Error>(Error{std::move(code), std::move(message), std::move(field)});
}

}  // namespace rampart::common
