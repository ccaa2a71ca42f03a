// Who may call a CDS Hooks service: the trusted EHR clients of `serve --cds-clients FILE`
// and the check of each hook request's `Authorization: Bearer <JWT>` (CDS Hooks 2.0,
// "Trusting CDS Clients"): RS384 or ES384 signature against the client's JWKS, iss, aud,
// exp, iat, jti (replay cache), kid, jku, tenant. Signatures are OpenSSL's EVP.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace covcheck::server {

enum class JwsAlgorithm { rs384, es384 };

// One public key of a JWK Set (RSA, or EC on P-384).
struct Jwk {
  std::string kid;
  JwsAlgorithm algorithm = JwsAlgorithm::rs384;  // from `kty` (RSA / EC P-384)
  std::shared_ptr<EVP_PKEY> key;
};

// Parses a JWK Set (`{"keys": [...]}`); keys of other types or curves are skipped (a set may
// hold encryption keys too). nullopt and `error` when the text is not a JWK Set.
std::optional<std::vector<Jwk>> parse_jwks(std::string_view json, std::string& error);

struct CdsClient {
  std::string issuer;                  // the token's `iss`
  std::string jwks_url;                // where its JWK Set is fetched; "" with an inline set
  std::vector<Jwk> inline_keys;        // `jwks:` in the file
  std::vector<std::string> audiences;  // base URLs it may address; empty: --public-url
  std::vector<std::string> tenants;    // allowed `tenant` claims; empty: any (or none)
};

// Reads the YAML client file (`clients: [{issuer, jwks_url | jwks, audiences, tenants}]`);
// nullopt and `error` (`FILE:line:col: message`) when it is not one.
std::optional<std::vector<CdsClient>> load_cds_clients(const std::string& path, std::string& error);

struct JwtSettings {
  std::chrono::seconds skew{60};              // clock difference allowed for iat and exp
  std::chrono::seconds max_lifetime{300};     // exp at most this far ahead (the spec's 5 minutes)
  std::size_t replay_capacity = 100'000;      // jti remembered at once; past it, new tokens are refused
  std::chrono::seconds refetch_interval{60};  // an unknown kid refetches a JWKS URL at most this often
  std::chrono::milliseconds fetch_timeout{2000};
  std::size_t max_jwks_body = 256u << 10;
};

// Fetches a JWK Set URL; nullopt when it fails. Injected so tests need no network.
using JwksFetch = std::function<std::optional<std::string>(const std::string& url)>;
using Clock = std::function<std::int64_t()>;  // seconds since the epoch

// The real fetch: cpp-httplib's client, bounded connect/read time and body size.
JwksFetch http_jwks_fetch(std::chrono::milliseconds timeout, std::size_t max_body);

struct JwtVerdict {
  bool ok = false;
  std::string code;    // auth.missing_token, auth.bad_signature, …: the OperationOutcome's code
  std::string reason;  // why, never the token
  std::string issuer;  // the client, once known
};

// Verifies tokens; shared by every worker (the key and replay caches are guarded).
class JwtVerifier {
 public:
  JwtVerifier(std::vector<CdsClient> clients, JwtSettings settings, JwksFetch fetch, Clock clock);
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  // `authorization` is the header's value ("" when absent); `service_path` the hook's path
  // (`/cds-services/{id}`); `public_url` the service's base URL, the default audience.
  JwtVerdict verify(std::string_view authorization, std::string_view service_path, std::string_view public_url);

  std::size_t clients() const { return clients_.size(); }

 private:
  struct KeyCache {
    std::shared_ptr<const std::vector<Jwk>> keys;
    std::optional<std::int64_t> fetched_at;
  };
  std::optional<Jwk> find_key(std::size_t client, const std::string& kid);
  enum class Replay { fresh, replayed, full };
  Replay remember_jti(const std::string& issuer, const std::string& jti, std::int64_t exp, std::int64_t now);

  std::vector<CdsClient> clients_;
  JwtSettings settings_;
  JwksFetch fetch_;
  Clock clock_;
  std::mutex keys_mutex_;
  std::vector<KeyCache> keys_;  // per client, guarded by keys_mutex_
  std::mutex fetch_mutex_;      // one JWKS fetch at a time
  std::mutex replay_mutex_;
  std::unordered_map<std::string, std::int64_t> seen_;  // iss + '\n' + jti -> exp
};

}  // namespace covcheck::server
