// Bounded HTTP GETs through cpp-httplib's client (http_fetch.hpp).
#include "server/http_fetch.hpp"

#include <regex>

#include <fmt/format.h>
#include <httplib.h>

namespace covcheck::server {

Fetched http_get(const std::string& url, const std::string& accept, std::chrono::milliseconds timeout,
                 std::size_t max_body, const std::string& bearer) {
  Fetched out;
  static const std::regex url_re(R"(^(https?://[^/]+)(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, url_re)) {
    out.error = fmt::format("`{}` is not an http:// or https:// URL", url);
    return out;
  }
  httplib::Client client(m[1].str());
  auto seconds = timeout.count() / 1000, micros = (timeout.count() % 1000) * 1000;
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  if (!bearer.empty()) client.set_bearer_token_auth(bearer);
  std::string body;
  bool too_large = false;
  auto result = client.Get(m[2].matched ? m[2].str() : "/", httplib::Headers{{"Accept", accept}},
                           [&](const char* data, std::size_t size) {
                             if (body.size() + size > max_body) {
                               too_large = true;
                               return false;
                             }
                             body.append(data, size);
                             return true;
                           });
  if (too_large) out.error = fmt::format("`{}` answered more than {} bytes", url, max_body);
  else if (!result) out.error = fmt::format("`{}` could not be fetched: {}", url, httplib::to_string(result.error()));
  else if (result->status != 200) out.error = fmt::format("`{}` answered HTTP {}", url, result->status);
  else out.body = std::move(body);
  return out;
}

std::optional<std::string> fetch_bundle(const std::string& url, std::size_t max_body, std::string& error) {
  Fetched f = http_get(url, "application/x-tar", std::chrono::seconds(30), max_body);
  error = std::move(f.error);
  return std::move(f.body);
}

}  // namespace covcheck::server
