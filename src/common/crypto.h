// Randomness, hashing, MACs and sealing (OpenSSL: CSPRNG, SHA-256, HMAC, AES-256-GCM).
// Thread-safe; nothing here keeps state.
#pragma once

#include <optional>
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
// HMAC-SHA256 of `data` under `key`, as standard base64 (with padding).
std::string HmacSha256Base64(std::string_view key, std::string_view data);

// `bytes` random bytes from the CSPRNG, raw.
std::string RandomBytes(size_t bytes);
// Standard base64 (RFC 4648 §4) with padding.
std::string Base64Encode(std::string_view data);
// The bytes of standard base64 text; nullopt when it is not (whitespace is not accepted).
std::optional<std::string> Base64Decode(std::string_view text);

// AES-256-GCM under a 32-byte `key`: "v1." + base64(12-byte nonce | ciphertext | 16-byte tag).
// A fresh random nonce per call. Open answers nullopt when the text was not sealed under
// this key or was altered.
std::string Seal(std::string_view key, std::string_view plaintext);
std::optional<std::string> Open(std::string_view key, std::string_view sealed);

}  // namespace rampart::common
