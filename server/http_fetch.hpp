// One bounded GET with cpp-httplib's client: an EHR's JWKS (jwt_verifier.hpp) and FHIR
// prefetch queries (cds_hooks_routes.cpp), a rule bundle for `serve --bundle URL`. Time and
// size are capped; anything but 200 is a failure.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace covcheck::server {

struct Fetched {
  std::optional<std::string> body;  // the 200 answer's body
  std::string error;                // else why not, naming the URL
};

// `bearer`: sent as `Authorization: Bearer …` when not empty.
Fetched http_get(const std::string& url, const std::string& accept, std::chrono::milliseconds timeout,
                 std::size_t max_body, const std::string& bearer = "");

// A rule bundle's tar from an http:// URL (bundles are public artifacts: no credentials sent).
std::optional<std::string> fetch_bundle(const std::string& url, std::size_t max_body, std::string& error);

}  // namespace covcheck::server
