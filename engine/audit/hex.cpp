// SHA-256 as lowercase hex, with OpenSSL (hex.hpp).
#include "engine/audit/hex.hpp"

#include <openssl/evp.h>

namespace covcheck::engine {

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  append_hex(hex, digest, length);
  return hex;
}

}  // namespace covcheck::engine
