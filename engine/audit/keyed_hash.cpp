// HMAC-SHA256 and random keys from OpenSSL (libcrypto); nothing here is hand-made crypto.
#include "engine/audit/keyed_hash.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>

#include "engine/audit/hex.hpp"

namespace covcheck::engine {

std::string KeyedHash::operator()(std::string_view id) const {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(id.data()),
       id.size(), out, &len);
  std::string token = "hmac:";
  append_hex(token, out, std::min(len, 16u));
  return token;
}

std::optional<std::string> random_log_key() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) return std::nullopt;
  return key;
}

}  // namespace covcheck::engine
