// An EHR in a test: RSA 2048 and EC P-384 keys made with OpenSSL, their JWK Set, and
// compact JWS tokens signed RS384 / ES384 (or forged: alg none, HS256) for the JWT verifier's
// tests and its benchmark.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace covcheck::test {

inline std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

using Pkey = std::shared_ptr<EVP_PKEY>;

inline Pkey make_rsa_key() {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) != 1 ||
      EVP_PKEY_keygen(ctx, &key) != 1)
    throw std::runtime_error("RSA keygen failed");
  EVP_PKEY_CTX_free(ctx);
  return Pkey(key, EVP_PKEY_free);
}

inline Pkey make_p384_key() {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr);
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_secp384r1) != 1 ||
      EVP_PKEY_keygen(ctx, &key) != 1)
    throw std::runtime_error("EC keygen failed");
  EVP_PKEY_CTX_free(ctx);
  return Pkey(key, EVP_PKEY_free);
}

inline std::string bn_param(const Pkey& key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key.get(), name, &bn);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

// The public half as one JWK (a JSON object).
inline std::string jwk(const Pkey& key, std::string_view kid) {
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA)
    return std::string(R"({"kty":"RSA","use":"sig","alg":"RS384","kid":")") + std::string(kid) + R"(","n":")" +
           base64url(bn_param(key, OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
           base64url(bn_param(key, OSSL_PKEY_PARAM_RSA_E)) + R"("})";
  unsigned char point[97];
  std::size_t len = 0;
  EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
  std::string_view p(reinterpret_cast<const char*>(point), len);
  return std::string(R"({"kty":"EC","crv":"P-384","use":"sig","alg":"ES384","kid":")") + std::string(kid) +
         R"(","x":")" + base64url(p.substr(1, 48)) + R"(","y":")" + base64url(p.substr(49, 48)) + R"("})";
}

inline std::string public_pem(const Pkey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

// RS384 or ES384 (by the key's type) over `signing_input`; ES384 as JWS's raw r || s.
inline std::string sign(const Pkey& key, std::string_view signing_input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha384(), nullptr, key.get());
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                 signing_input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA) return sig;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  std::string raw(96, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()), 48);
  BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data()) + 48, 48);
  ECDSA_SIG_free(ecdsa);
  return raw;
}

// header.payload.signature, signed with `key` (nullptr: no signature, as `alg: none` has).
inline std::string jwt(std::string_view header_json, std::string_view payload_json, const Pkey& key) {
  std::string input = base64url(header_json) + "." + base64url(payload_json);
  return input + "." + (key ? base64url(sign(key, input)) : "");
}

// The HS256 forgery: the verifier's public key (PEM) used as an HMAC secret.
inline std::string hs256_jwt(std::string_view header_json, std::string_view payload_json, std::string_view secret) {
  std::string input = base64url(header_json) + "." + base64url(payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
            reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof mac, &len);
  return input + "." + base64url(std::string_view(reinterpret_cast<const char*>(mac), len));
}

}  // namespace covcheck::test
