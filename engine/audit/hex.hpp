// Digest bytes as lowercase hex, for every digest the audit trail and the CRD answers print
// (case digests, HMAC tokens, assertion and questionnaire ids, bundle and API key hashes): a table, not a format call
// per byte, since an order-sign answer prints four of them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace covcheck::engine {

inline void append_hex(std::string& out, const unsigned char* bytes, std::size_t n) {
  constexpr char digits[] = "0123456789abcdef";
  out.reserve(out.size() + 2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0x0F];
  }
}

// Lowercase hex SHA-256 of `bytes` (bundle files and digests, API key hashes): hex.cpp.
std::string sha256_hex(std::string_view bytes);

}  // namespace covcheck::engine
