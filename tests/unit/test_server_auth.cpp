// Who may call the server and what it writes down: API keys on /v1/* (missing, unknown,
// not allowed, by either header; the page and health stay open), the audit record of each
// decision served, and case ids in the access log as a keyed hash unless asked for.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <catch2/catch.hpp>

#include "engine/audit/audit_record.hpp"
#include "engine/audit/keyed_hash.hpp"
#include "test_server_fixture.hpp"

using covcheck::testing::case_text;
using covcheck::testing::TestServer;
using namespace covcheck;

namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

std::filesystem::path temp_file(const std::string& tag, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("covcheck-" + tag + "-" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// The first hash is replaced by the test key's; the second matches no key anyone sends.
constexpr const char* key_file =
    "keys:\n"
    "  - name: clinic-portal\n"
    "    sha256: 1111111111111111111111111111111111111111111111111111111111111111\n"
    "    routes: [/v1/check, /v1/schema]\n"
    "  - name: nightly-batch\n"
    "    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n"
    "    routes: [\"/v1/*\"]\n";

}  // namespace

TEST_CASE("API key files are read with their mistakes located", "[server][auth]") {
  std::string error;
  auto path = temp_file("keys", key_file);
  auto keys = server::load_api_keys(path.string(), error);
  REQUIRE(keys);
  REQUIRE(keys->keys.size() == 2);
  CHECK(keys->keys[0].name == "clinic-portal");
  CHECK(keys->keys[0].routes == std::vector<std::string>{"/v1/check", "/v1/schema"});

  auto bad = temp_file("keys-bad", "keys:\n  - name: x\n    sha256: ABC\n    routes: [/v1/check]\n");
  CHECK_FALSE(server::load_api_keys(bad.string(), error));
  CHECK(contains(error, ":3:13: key `x`: `sha256` must be the 64 lowercase hex digits"));
  auto admin = temp_file(
      "keys-admin", std::string(key_file).replace(std::string(key_file).find("/v1/schema"), 10, "/v1/admin/reload"));
  CHECK_FALSE(server::load_api_keys(admin.string(), error));
  CHECK(contains(error, "`/v1/admin/reload` is not an API route"));
  CHECK_FALSE(server::load_api_keys("/nonexistent/keys.yaml", error));
  CHECK(contains(error, "cannot be read"));
  for (auto& p : {path, bad, admin}) std::filesystem::remove(p);
}

TEST_CASE("loopback addresses are told from the others", "[server][auth]") {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"})
    CHECK(server::is_loopback_host(host));
  for (const char* host : {"0.0.0.0", "10.0.0.5", "::", "127.example.com", "example.com", ""})
    CHECK_FALSE(server::is_loopback_host(host));
}

TEST_CASE("/v1/* needs a known API key allowed on the route; the page and health do not", "[server][auth]") {
  std::string error;
  auto path = temp_file("keys-serve", key_file);
  auto keys = server::load_api_keys(path.string(), error);
  REQUIRE(keys);
  // The test key's hash in place of the file's placeholder.
  keys->keys[0].sha256 = "";
  {
    unsigned char out[32];
    unsigned int len = 0;
    std::string key = "portal-key-0123456789";
    EVP_Digest(key.data(), key.size(), out, &len, EVP_sha256(), nullptr);
    for (unsigned i = 0; i < len; ++i) keys->keys[0].sha256 += fmt::format("{:02x}", out[i]);
  }
  server::ServiceOptions options;
  options.api_keys = std::make_shared<const server::ApiKeys>(*keys);
  auto audit_path = std::filesystem::temp_directory_path() / ("covcheck-audit-serve-" + std::to_string(::getpid()));
  std::filesystem::remove(audit_path);
  engine::AuditLog audit(audit_path.string());
  options.audit = &audit;
  options.version = "test";
  TestServer ts(options, "auth");
  auto client = ts.client();
  std::string body = case_text("esk-covered");

  auto none = client.Post("/v1/check", body, "application/yaml");
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(contains(none->body, R"("error":"unauthorized")"));
  CHECK(contains(none->body, "needs an API key"));
  CHECK(none->get_header_value("WWW-Authenticate") == R"(Bearer realm="covcheck")");

  auto wrong = client.Post("/v1/check", {{"Authorization", "Bearer not-a-known-key-42"}}, body, "application/yaml");
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  CHECK(contains(wrong->body, "is not known"));
  CHECK_FALSE(contains(wrong->body, "not-a-known-key-42"));  // never echoed
  auto basic = client.Get("/v1/schema", {{"Authorization", "Basic cG9ydGFsOmtleQ=="}});
  REQUIRE(basic);
  CHECK(basic->status == 401);
  CHECK(contains(basic->body, "not `Bearer <API key>`"));

  auto bearer = client.Post("/v1/check", {{"Authorization", "Bearer portal-key-0123456789"}}, body, "application/yaml");
  REQUIRE(bearer);
  CHECK(bearer->status == 200);
  CHECK(contains(bearer->body, R"("decision":"covered")"));
  auto header = client.Get("/v1/schema", {{"X-API-Key", "portal-key-0123456789"}});
  REQUIRE(header);
  CHECK(header->status == 200);
  auto not_allowed = client.Get("/v1/policies", {{"X-API-Key", "portal-key-0123456789"}});
  REQUIRE(not_allowed);
  CHECK(not_allowed->status == 403);
  CHECK(contains(not_allowed->body, "API key `clinic-portal` may not call /v1/policies"));

  // A refused request's body is read and dropped: the same connection carries the next one.
  {
    int fd = covcheck::testing::connect_loopback(ts.port(), 10);
    std::string refused = fmt::format(
        "POST /v1/check HTTP/1.1\r\nHost: t\r\nContent-Type: application/yaml\r\nContent-Length: {}\r\n\r\n{}",
        body.size(), body);
    std::string allowed = fmt::format(
        "POST /v1/check HTTP/1.1\r\nHost: t\r\nX-API-Key: portal-key-0123456789\r\nContent-Type: "
        "application/yaml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.size(), body);
    std::string both = refused + allowed;
    REQUIRE(::send(fd, both.data(), both.size(), 0) == static_cast<ssize_t>(both.size()));
    std::string answers;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
      answers.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    std::size_t first = answers.find("HTTP/1.1 401");
    CHECK(first == 0);
    CHECK(answers.find("HTTP/1.1 200", first) != std::string::npos);
  }

  for (const char* open : {"/", "/healthz", "/readyz", "/metrics"}) {
    auto res = client.Get(open);
    REQUIRE(res);
    CHECK(res->status == 200);
  }

  std::string log = ts.stop_and_read_log();
  CHECK(contains(log, R"("endpoint":"/v1/check","status":401)"));
  CHECK(contains(log, R"("client":"clinic-portal")"));
  CHECK_FALSE(contains(log, "portal-key-0123456789"));

  // One audit record per decision served (the Bearer one, then the raw socket's); the first:
  std::ifstream in(audit_path);
  std::string line, first;
  int lines = 0;
  while (std::getline(in, line))
    if (lines++ == 0) first = line;
  CHECK(lines == 2);
  std::string parse_error;
  auto record = engine::parse_audit_line(first, parse_error);
  REQUIRE(record);
  CHECK(record->client == "clinic-portal");
  CHECK(record->route == "/v1/check");
  CHECK(record->answer_id == bearer->get_header_value("X-Request-Id"));
  CHECK(record->decision == "covered");
  CHECK(record->version == "test");
  CHECK_FALSE(contains(first, "esk-covered"));
  std::filesystem::remove(path);
  std::filesystem::remove(audit_path);
}

TEST_CASE("the access log names cases by a keyed hash unless --log-case-ids", "[server][auth]") {
  const std::string key = "a-fixed-log-key-for-the-test";
  for (bool plain : {false, true}) {
    server::ServiceOptions options;
    options.log_key = key;
    options.log_case_ids = plain;
    TestServer ts(options, "logkey");
    {
      auto client = ts.client();
      auto res = client.Post("/v1/check", case_text("esk-covered"), "application/yaml");
      REQUIRE(res);
      CHECK(res->status == 200);
    }
    std::string log = ts.stop_and_read_log();
    std::string hashed = engine::KeyedHash(key)("esk-covered");
    CHECK(contains(log, fmt::format(R"("case":"{}")", plain ? "esk-covered" : hashed)));
    CHECK(contains(log, "esk-covered") == plain);
  }
}
