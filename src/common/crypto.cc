#include "common/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cassert>
#include <cctype>
#include <vector>

namespace rampart::common {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

}  // namespace

std::string RandomBytes(size_t bytes) {
  std::string buf(bytes, '\0');
  const int ok = RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(bytes));
  assert(ok == 1 && "the CSPRNG must work");
  (void)ok;
  return buf;
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  const int ok = RAND_bytes(buf.data(), static_cast<int>(bytes));
  assert(ok == 1 && "the CSPRNG must work");
  (void)ok;
  return Hex(buf.data(), bytes);
}

std::string NewId(std::string_view prefix) { return std::string(prefix) + "_" + RandomHex(8); }

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return Hex(digest, len);
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return Hex(mac, len);
}

}  // namespace rampart::common

namespace rampart::common {

std::string HmacSha256Base64(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  // Padding only at the end, at most two.
  if (const size_t pad_at = text.find('=');
      pad_at != std::string_view::npos &&
      (text.size() - pad_at > 2 || text.find_first_not_of('=', pad_at) != std::string_view::npos)) {
    return std::nullopt;
  }
  for (char ch : text) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/' || ch == '=')) {
      return std::nullopt;
    }
  }
  std::string out(3 * (text.size() / 4) + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the bytes the padding stands for: drop them.
  size_t pad = 0;
  if (!text.empty() && text.back() == '=')
    pad = (text.size() > 1 && text[text.size() - 2] == '=') ? 2 : 1;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

namespace {

constexpr size_t kNonce = 12, kTag = 16;
constexpr std::string_view kSealedPrefix = "v1.";

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string Seal(std::string_view key, std::string_view plaintext) {
  assert(key.size() == 32);
  const std::string nonce = RandomBytes(kNonce);
  std::string out = nonce;
  out.resize(kNonce + plaintext.size() + kTag);
  auto* cipher = reinterpret_cast<unsigned char*>(out.data() + kNonce);
  CipherCtx c;
  int len = 0;
  EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(nonce));
  EVP_EncryptUpdate(c.ctx, cipher, &len, Bytes(plaintext), static_cast<int>(plaintext.size()));
  EVP_EncryptFinal_ex(c.ctx, cipher + len, &len);
  EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTag, cipher + plaintext.size());
  return std::string(kSealedPrefix) + Base64Encode(out);
}

std::optional<std::string> Open(std::string_view key, std::string_view sealed) {
  if (key.size() != 32 || sealed.substr(0, kSealedPrefix.size()) != kSealedPrefix) {
    return std::nullopt;
  }
  auto raw = Base64Decode(sealed.substr(kSealedPrefix.size()));
  if (!raw || raw->size() < kNonce + kTag) return std::nullopt;
  const size_t n = raw->size() - kNonce - kTag;
  std::string plain(n, '\0');
  CipherCtx c;
  int len = 0;
  auto* in = reinterpret_cast<unsigned char*>(raw->data());
  EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, Bytes(key), in);
  EVP_DecryptUpdate(c.ctx, reinterpret_cast<unsigned char*>(plain.data()), &len, in + kNonce,
                    static_cast<int>(n));
  EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTag, in + kNonce + n);
  if (EVP_DecryptFinal_ex(c.ctx, reinterpret_cast<unsigned char*>(plain.data()) + len, &len) != 1) {
    return std::nullopt;
  }
  return plain;
}

}  // namespace rampart::common
