// Gunzip: inflates a gzip (or zlib) body with a cap on the inflated size, so a small
// "zip bomb" cannot take the server's memory. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace rampart::common {

// `invalid_gzip` for a corrupt or truncated stream, `payload_too_large` past `max_size`.
Result<std::string> Gunzip(std::string_view compressed, size_t max_size);

}  // namespace rampart::common
