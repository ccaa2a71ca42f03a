// The server's outgoing GET (a CDS Hooks prefetch from the EHR's FHIR server, a client's JWK
// Set): bounded in time and size, so a slow or huge answer elsewhere cannot hold a worker.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include <httplib.h>

namespace covcheck::server {

struct HttpGet {
  httplib::Headers headers;
  std::string bearer_token;                 // sent as `Authorization: Bearer …` when not empty
  std::chrono::milliseconds timeout{5000};  // connect, read and write, each
  std::size_t max_body = 0;                 // a longer answer is abandoned
};

// The body of a 200 answer to GET `url` (http://host[:port][/path] or https://…); nullopt when
// the URL has another form, the exchange fails or times out, the body is over max_body, or the
// status is not 200.
std::optional<std::string> http_get(const std::string& url, const HttpGet& get);

}  // namespace covcheck::server
