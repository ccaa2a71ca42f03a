// Case ids in logs: a clinic may fill a case's `id` with a medical record number, so logs
// carry HMAC-SHA256(key, id) instead. The same key gives the same token for the same id
// (lines of one case can be found together) and without the key the id cannot be guessed
// back from the token.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace covcheck::engine {

class KeyedHash {
 public:
  explicit KeyedHash(std::string key) : key_(std::move(key)) {}
  // "hmac:" and the first 32 hex digits (128 bits) of HMAC-SHA256(key, id).
  std::string operator()(std::string_view id) const;

 private:
  std::string key_;
};

// 32 random bytes from OpenSSL's generator, for a process that was given no key; nullopt
// when the generator fails.
std::optional<std::string> random_log_key();

}  // namespace covcheck::engine
