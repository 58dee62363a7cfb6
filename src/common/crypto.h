// Randomness and hashing for ids and API keys (OpenSSL's CSPRNG and SHA-256). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rampart::common {

// `bytes` random bytes from the OS-seeded CSPRNG, as lowercase hex (2 chars a byte).
std::string RandomHex(size_t bytes);
// A new object id: "<prefix>_" and 16 random hex digits ("ord_9f86d081884c7d65").
std::string NewId(std::string_view prefix);
// SHA-256 of `data` as lowercase hex.
std::string Sha256Hex(std::string_view data);
// HMAC-SHA256 of `data` under `key`, as lowercase hex.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace rampart::common
