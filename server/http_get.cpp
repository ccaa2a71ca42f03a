// The bounded outgoing GET of server/http_get.hpp.
#include "server/http_get.hpp"

#include <regex>

namespace covcheck::server {

std::optional<std::string> http_get(const std::string& url, const HttpGet& get) {
  static const std::regex url_re(R"(^(https?://[^/]+)(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, url_re)) return std::nullopt;
  httplib::Client client(m[1].str());
  auto seconds = get.timeout.count() / 1000, micros = (get.timeout.count() % 1000) * 1000;
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  if (!get.bearer_token.empty()) client.set_bearer_token_auth(get.bearer_token);
  std::string body;
  bool too_large = false;
  auto result = client.Get(m[2].matched ? m[2].str() : "/", get.headers, [&](const char* data, std::size_t size) {
    if (body.size() + size > get.max_body) {
      too_large = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  if (!result || too_large || result->status != 200) return std::nullopt;
  return body;
}

}  // namespace covcheck::server
