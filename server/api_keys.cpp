// Reading the API key file and checking a request's key: the key is hashed with OpenSSL's
// SHA-256 and compared in constant time with every registered hash, so the file holds no
// key and a timing difference tells nothing about how much of a key matched.
#include "server/api_keys.hpp"
#include "server/yaml_config.hpp"

#include "engine/audit/hex.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <openssl/crypto.h>

namespace covcheck::server {

namespace {

bool is_hex64(const std::string& s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool allows(const ApiKey& key, std::string_view route) {
  for (const std::string& r : key.routes)
    if (r == route || r == "/v1/*") return true;
  return false;
}

}  // namespace

std::optional<ApiKeys> load_api_keys(const std::string& path, std::string& error) {
  std::optional<YAML::Node> loaded = load_yaml_config(path, error);
  if (!loaded) return std::nullopt;
  const YAML::Node& root = *loaded;
  YAML::Node list = root.IsMap() ? root["keys"] : YAML::Node();
  if (!list || !list.IsSequence()) {
    error = fmt::format("{}: expected `keys:`, a list of {{name, sha256, routes}}", yaml_at(path, root));
    return std::nullopt;
  }
  ApiKeys keys;
  for (const YAML::Node& n : list) {
    if (!n.IsMap()) {
      error = fmt::format("{}: a key is a mapping with name, sha256 and routes", yaml_at(path, n));
      return std::nullopt;
    }
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      if (k != "name" && k != "sha256" && k != "routes") {
        error = fmt::format("{}: unknown key field `{}` (name, sha256, routes)", yaml_at(path, kv.first), k);
        return std::nullopt;
      }
    }
    ApiKey key;
    if (!n["name"] || !n["name"].IsScalar() || n["name"].as<std::string>().empty()) {
      error = fmt::format("{}: a key needs a `name`", yaml_at(path, n));
      return std::nullopt;
    }
    key.name = n["name"].as<std::string>();
    if (!n["sha256"] || !n["sha256"].IsScalar() || !is_hex64(n["sha256"].as<std::string>())) {
      error = fmt::format("{}: key `{}`: `sha256` must be the 64 lowercase hex digits of SHA-256(key) (sha256sum)",
                          yaml_at(path, n["sha256"] ? n["sha256"] : n), key.name);
      return std::nullopt;
    }
    key.sha256 = n["sha256"].as<std::string>();
    YAML::Node routes = n["routes"];
    if (!routes || !routes.IsSequence() || routes.size() == 0) {
      error = fmt::format("{}: key `{}`: `routes` must list the routes it may call (`/v1/*` for all)",
                          yaml_at(path, routes ? routes : n), key.name);
      return std::nullopt;
    }
    for (const YAML::Node& r : routes) {
      std::string route = r.IsScalar() ? r.as<std::string>() : "";
      if (route.rfind("/v1/", 0) != 0 || route.rfind("/v1/admin", 0) == 0) {
        error = fmt::format(
            "{}: key `{}`: `{}` is not an API route (`/v1/check`, `/v1/batch`, `/v1/compare`, "
            "`/v1/policies`, `/v1/schema`, `/v1/*`)",
            yaml_at(path, r), key.name, route);
        return std::nullopt;
      }
      key.routes.push_back(route);
    }
    for (const ApiKey& other : keys.keys)
      if (other.name == key.name || other.sha256 == key.sha256) {
        error = fmt::format("{}: key `{}` repeats the name or the hash of key `{}`", yaml_at(path, n), key.name,
                            other.name);
        return std::nullopt;
      }
    keys.keys.push_back(std::move(key));
  }
  return keys;
}

Authentication authenticate(const ApiKeys& keys, const httplib::Request& req, std::string_view route) {
  Authentication a;
  std::string given;
  if (req.has_header("Authorization")) {
    std::string header = req.get_header_value("Authorization");
    constexpr std::string_view scheme = "Bearer ";
    if (header.size() <= scheme.size() || header.compare(0, scheme.size(), scheme) != 0) {
      a.status = 401;
      a.code = "unauthorized";
      a.reason = "the Authorization header is not `Bearer <API key>`";
      return a;
    }
    given = header.substr(scheme.size());
  } else if (req.has_header("X-API-Key")) {
    given = req.get_header_value("X-API-Key");
  }
  if (given.empty()) {
    a.status = 401;
    a.code = "unauthorized";
    a.reason = fmt::format("{} needs an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`", route);
    return a;
  }
  std::string hash = engine::sha256_hex(given);
  const ApiKey* found = nullptr;
  for (const ApiKey& key : keys.keys)  // every hash compared, whichever matches
    if (CRYPTO_memcmp(key.sha256.data(), hash.data(), hash.size()) == 0) found = &key;
  if (!found) {
    a.status = 401;
    a.code = "unauthorized";
    a.reason = "the API key is not known (revoked, mistyped or for another server)";
    return a;
  }
  a.client = found->name;
  if (!allows(*found, route)) {
    a.status = 403;
    a.code = "forbidden";
    a.reason = fmt::format("API key `{}` may not call {}", found->name, route);
  }
  return a;
}

bool is_loopback_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost" || host == "::1") return true;
  if (host.rfind("127.", 0) != 0) return false;
  // Only a dotted IPv4 address under 127/8: `127.example.com` is a name, not loopback.
  return std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace covcheck::server
