// Gunzip: inflates a gzip (or zlib) body with a cap on the inflated size, so a small
// "zip bomb" cannot take the server's memory. Gzip: the other way, for static files.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace rampart::common {

// `invalid_gzip` for a corrupt or truncated stream, `payload_too_large` past `max_size`.
// Inflates in 64 KiB steps and never holds more than `max_size` inflated bytes (plus the
// string's growth slack), so the cap bounds the memory a request can make it use.
Result<std::string> Gunzip(std::string_view compressed, size_t max_size);

// A gzip stream of `data` at the best compression (done once per file, at start).
std::string Gzip(std::string_view data);

}  // namespace rampart::common
