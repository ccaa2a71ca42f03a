// Who may call the `/v1/*` API: the keys of `serve --api-keys FILE` (each a name, the
// SHA-256 of the key and the routes it may call), checked against a request's
// `Authorization: Bearer <key>` or `X-API-Key: <key>`; and whether an address is loopback,
// the only place the server listens without authentication.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>

namespace covcheck::server {

struct ApiKey {
  std::string name;                 // logged and audited as the client
  std::string sha256;               // 64 lowercase hex digits of SHA-256(key)
  std::vector<std::string> routes;  // "/v1/check", …, or "/v1/*" for every API route
};

struct ApiKeys {
  std::vector<ApiKey> keys;
};

// Reads the YAML key file (`keys: [{name, sha256, routes}]`); nullopt and `error`
// (`FILE:line:col: message`) when it is not one.
std::optional<ApiKeys> load_api_keys(const std::string& path, std::string& error);

struct Authentication {
  int status = 0;                     // 0: allowed; 401: no or unknown key; 403: a known key not allowed this route
  std::string code;                   // the JSON error's `error`
  std::string reason;                 // its `message`; never the key
  std::optional<std::string> client;  // the key's name, once it was recognized
};

// Checks the request's key against `keys` for `route` (an endpoint name, `/v1/check`).
Authentication authenticate(const ApiKeys& keys, const httplib::Request& req, std::string_view route);

// `127.0.0.0/8`, `::1`, `localhost`: reachable from this machine only.
bool is_loopback_host(std::string_view host);

}  // namespace covcheck::server
