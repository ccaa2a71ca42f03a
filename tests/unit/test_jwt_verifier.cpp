// The CDS Hooks client JWT check: a valid RS384 and ES384 token passes, and each attack is
// refused by its own check (every forged token differs from a passing one in one thing only).
#include <catch2/catch.hpp>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <httplib.h>

#include "jwt_fixture.hpp"
#include "server/jwt_verifier.hpp"
#include "server/service.hpp"

namespace {

using namespace covcheck;
using namespace covcheck::test;

constexpr std::int64_t now = 1'800'000'000;
constexpr const char* base = "https://cds.example.org";
constexpr const char* path = "/cds-services/covcheck-order-sign";
constexpr const char* issuer = "https://ehr.example.org";
constexpr const char* jwks_url = "https://ehr.example.org/.well-known/jwks.json";

struct Ehr {
  Pkey rsa = make_rsa_key();
  Pkey ec = make_p384_key();
  std::string jwks() const { return "{\"keys\":[" + jwk(rsa, "rsa-1") + "," + jwk(ec, "ec-1") + "]}"; }
};

const Ehr& ehr() {
  static const Ehr e;  // key generation is the slow part: once per test binary
  return e;
}

struct Claims {
  std::string iss = issuer;
  std::string aud = std::string(base) + path;
  std::int64_t exp = now + 240, iat = now - 5;
  std::string jti = "jti-1";
  std::string extra;  // more members, with a leading comma
  std::string json() const {
    return "{\"iss\":\"" + iss + "\",\"aud\":\"" + aud + "\",\"exp\":" + std::to_string(exp) +
           ",\"iat\":" + std::to_string(iat) + ",\"jti\":\"" + jti + "\"" + extra + "}";
  }
};

std::string header(std::string_view alg, std::string_view kid, std::string_view extra = "") {
  return "{\"alg\":\"" + std::string(alg) + "\",\"typ\":\"JWT\",\"kid\":\"" + std::string(kid) + "\"" +
         std::string(extra) + "}";
}

std::string bearer(std::string token) { return "Bearer " + token; }

struct Fixture {
  std::atomic<int> fetches{0};
  std::string served_jwks = ehr().jwks();
  server::JwtVerifier verifier;
  explicit Fixture(std::vector<std::string> tenants = {})
      : verifier(
            [&] {
              server::CdsClient c;
              c.issuer = issuer;
              c.jwks_url = jwks_url;
              c.tenants = std::move(tenants);
              return std::vector<server::CdsClient>{c};
            }(),
            server::JwtSettings{},
            [this](const std::string& url) -> std::optional<std::string> {
              ++fetches;
              if (url != jwks_url) return std::nullopt;
              return served_jwks;
            },
            [] { return now; }) {}
  server::JwtVerdict check(const std::string& authorization) { return verifier.verify(authorization, path, base); }
};

std::string rs384(const Claims& c = {}) { return bearer(jwt(header("RS384", "rsa-1"), c.json(), ehr().rsa)); }
std::string es384(const Claims& c = {}) { return bearer(jwt(header("ES384", "ec-1"), c.json(), ehr().ec)); }

}  // namespace

TEST_CASE("valid RS384 and ES384 tokens pass, naming their issuer", "[jwt]") {
  Fixture f;
  server::JwtVerdict a = f.check(rs384());
  INFO(a.reason);
  CHECK(a.ok);
  CHECK(a.issuer == issuer);
  Claims c;
  c.jti = "jti-2";
  server::JwtVerdict b = f.check(es384(c));
  INFO(b.reason);
  CHECK(b.ok);
  CHECK(f.fetches == 1);  // the JWKS is fetched once, then cached
  // aud as an array holding the endpoint, and a jku equal to the registered URL, pass too.
  c.jti = "jti-3";
  std::string with_array = c.json();
  with_array.replace(with_array.find("\"aud\":\""), 7 + c.aud.size() + 1,
                     "\"aud\":[\"https://other\",\"" + c.aud + "\"]");
  server::JwtVerdict d =
      f.check(bearer(jwt(header("ES384", "ec-1", ",\"jku\":\"" + std::string(jwks_url) + "\""), with_array, ehr().ec)));
  INFO(with_array << " " << d.reason);
  CHECK(d.ok);
}

TEST_CASE("a missing or non-bearer Authorization header is refused", "[jwt]") {
  Fixture f;
  CHECK(f.check("").code == "auth.missing_token");
  CHECK(f.check("Basic dXNlcjpwYXNz").code == "auth.missing_token");
  CHECK(f.check("Bearer not-a-jwt").code == "auth.malformed_token");
  CHECK(f.check(rs384()).ok);
}

TEST_CASE("alg none and HS256 with the public key as secret are refused", "[jwt]") {
  Fixture f;
  Claims c;
  server::JwtVerdict none = f.check(bearer(jwt(header("none", "rsa-1"), c.json(), nullptr)));
  CHECK(!none.ok);
  CHECK(none.code == "auth.algorithm");
  // The classic confusion: a verifier that took `alg` from the token would HMAC with the
  // key's PEM and accept this.
  for (const Pkey& key : {ehr().rsa, ehr().ec}) {
    server::JwtVerdict hs = f.check(bearer(hs256_jwt(header("HS256", "rsa-1"), c.json(), public_pem(key))));
    CHECK(!hs.ok);
    CHECK(hs.code == "auth.algorithm");
  }
  // An RS384 header over the EC key's signature (alg/key mismatch) fails too.
  server::JwtVerdict mixed = f.check(bearer(jwt(header("RS384", "ec-1"), c.json(), ehr().ec)));
  CHECK(mixed.code == "auth.algorithm");
  CHECK(f.check(rs384(c)).ok);  // the same claims, properly signed, pass
}

TEST_CASE("expired, future-dated and too-long-lived tokens are refused", "[jwt]") {
  Fixture f;
  Claims expired;
  expired.exp = now - 120;  // past the 60 s skew
  expired.iat = now - 400;
  CHECK(f.check(rs384(expired)).code == "auth.expired");
  Claims future;
  future.iat = now + 120;
  CHECK(f.check(es384(future)).code == "auth.not_yet_valid");
  Claims forever;
  forever.exp = now + 86400;
  CHECK(f.check(rs384(forever)).code == "auth.lifetime");
  Claims skewed;  // within the skew both ways
  skewed.exp = now - 30;
  skewed.iat = now + 30;
  CHECK(f.check(rs384(skewed)).ok);
}

TEST_CASE("a wrong audience or an unknown issuer is refused", "[jwt]") {
  Fixture f;
  Claims other_service;
  other_service.aud = std::string(base) + "/cds-services/other";
  CHECK(f.check(rs384(other_service)).code == "auth.audience");
  Claims other_host;
  other_host.aud = std::string("https://evil.example.org") + path;
  CHECK(f.check(es384(other_host)).code == "auth.audience");
  Claims stranger;
  stranger.iss = "https://stranger.example.org";
  server::JwtVerdict v = f.check(rs384(stranger));
  CHECK(v.code == "auth.unknown_issuer");
  CHECK(v.reason.find("stranger.example.org") != std::string::npos);
  CHECK(f.check(rs384()).ok);
}

TEST_CASE("a replayed jti is refused within the token's lifetime", "[jwt]") {
  Fixture f;
  std::string token = es384();
  CHECK(f.check(token).ok);
  server::JwtVerdict again = f.check(token);
  CHECK(again.code == "auth.replayed");
  CHECK(again.reason.find(token) == std::string::npos);  // never the token
  Claims other;
  other.jti = "jti-other";
  CHECK(f.check(es384(other)).ok);
}

TEST_CASE("the replay cache is bounded and forgets expired tokens", "[jwt]") {
  std::int64_t clock = now;
  server::CdsClient c;
  c.issuer = issuer;
  std::string error;
  c.inline_keys = *server::parse_jwks(ehr().jwks(), error);
  server::JwtSettings settings;
  settings.replay_capacity = 2;
  server::JwtVerifier v({c}, settings, nullptr, [&] { return clock; });
  auto token = [&](std::string jti) {
    Claims cl;
    cl.jti = std::move(jti);
    cl.exp = clock + 60;
    cl.iat = clock;
    return rs384(cl);
  };
  CHECK(v.verify(token("a"), path, base).ok);
  CHECK(v.verify(token("b"), path, base).ok);
  CHECK(v.verify(token("c"), path, base).code == "auth.replay_cache_full");
  clock += 200;  // a and b have expired (plus skew): their room is reused
  CHECK(v.verify(token("c"), path, base).ok);
}

TEST_CASE("a tampered payload or signature is refused", "[jwt]") {
  Fixture f;
  for (const std::string& good : {rs384(), es384()}) {
    std::string token = good.substr(7);
    std::size_t dot1 = token.find('.'), dot2 = token.rfind('.');
    Claims evil;
    evil.iss = issuer;
    evil.jti = "jti-evil";
    std::string tampered = token.substr(0, dot1 + 1) + base64url(evil.json()) + token.substr(dot2);
    CHECK(f.check(bearer(tampered)).code == "auth.bad_signature");
    std::string flipped = token;
    flipped[dot2 + 5] = flipped[dot2 + 5] == 'A' ? 'B' : 'A';
    CHECK(f.check(bearer(flipped)).code == "auth.bad_signature");
  }
}

TEST_CASE("an unknown kid refetches the registered JWKS once, then is refused", "[jwt]") {
  Fixture f;
  CHECK(f.check(rs384()).ok);
  CHECK(f.fetches == 1);
  Claims c;
  c.jti = "jti-2";
  server::JwtVerdict v = f.check(bearer(jwt(header("RS384", "rotated"), c.json(), ehr().rsa)));
  CHECK(v.code == "auth.unknown_kid");
  CHECK(f.fetches == 1);  // fetched under a minute ago: not again (forged kids cannot flood the EHR)
  // Key rotation: the EHR publishes a new key; a token with its kid makes the verifier fetch.
  Fixture rotated;
  Pkey next = make_p384_key();
  rotated.served_jwks = "{\"keys\":[" + jwk(ehr().rsa, "rsa-1") + "]}";
  CHECK(rotated.check(rs384()).ok);
  rotated.served_jwks = "{\"keys\":[" + jwk(ehr().rsa, "rsa-1") + "," + jwk(next, "ec-2") + "]}";
  c.jti = "jti-3";
  std::string token = bearer(jwt(header("ES384", "ec-2"), c.json(), next));
  CHECK(rotated.check(token).code == "auth.unknown_kid");  // within the refetch interval
  server::CdsClient client;
  client.issuer = issuer;
  client.jwks_url = jwks_url;
  std::int64_t clock = now;
  int fetches = 0;
  std::string served = "{\"keys\":[" + jwk(ehr().rsa, "rsa-1") + "]}";
  server::JwtVerifier v2(
      {client}, {},
      [&](const std::string&) -> std::optional<std::string> {
        ++fetches;
        return served;
      },
      [&] { return clock; });
  CHECK(v2.verify(rs384(), path, base).ok);
  served = "{\"keys\":[" + jwk(next, "ec-2") + "]}";
  clock += 61;
  c.exp = clock + 60;
  c.iat = clock;
  CHECK(v2.verify(bearer(jwt(header("ES384", "ec-2"), c.json(), next)), path, base).ok);
  CHECK(fetches == 2);
}

TEST_CASE("a jku other than the registered JWKS URL is refused and never fetched", "[jwt]") {
  Fixture f;
  Claims c;
  std::string token =
      bearer(jwt(header("RS384", "rsa-1", ",\"jku\":\"https://attacker.example.org/jwks.json\""), c.json(), ehr().rsa));
  server::JwtVerdict v = f.check(token);
  CHECK(v.code == "auth.jku");
  CHECK(f.fetches == 0);
  CHECK(f.check(rs384(c)).ok);
}

TEST_CASE("a client's tenants restrict the tenant claim", "[jwt]") {
  Fixture f({"clinic-a"});
  Claims c;
  CHECK(f.check(rs384(c)).code == "auth.tenant");
  c.extra = ",\"tenant\":\"clinic-b\"";
  c.jti = "t2";
  CHECK(f.check(rs384(c)).code == "auth.tenant");
  c.extra = ",\"tenant\":\"clinic-a\"";
  c.jti = "t3";
  CHECK(f.check(rs384(c)).ok);
}

TEST_CASE("JWK Sets and client files are read strictly", "[jwt]") {
  std::string error;
  CHECK(!server::parse_jwks("[]", error));
  CHECK(error.find("JWK Set") != std::string::npos);
  auto keys = server::parse_jwks(ehr().jwks(), error);
  REQUIRE(keys);
  CHECK(keys->size() == 2);
  // A short RSA key and a P-256 key are skipped.
  auto skipped = server::parse_jwks(R"({"keys":[{"kty":"RSA","kid":"k","n":"AQAB","e":"AQAB"},)"
                                    R"({"kty":"EC","crv":"P-256","kid":"p","x":"AA","y":"AA"}]})",
                                    error);
  REQUIRE(skipped);
  CHECK(skipped->empty());

  auto dir = std::filesystem::temp_directory_path() / ("covcheck-jwt-clients-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& text) {
    std::ofstream(dir / "clients.yaml") << text;
    return (dir / "clients.yaml").string();
  };
  auto good = server::load_cds_clients(
      write("clients:\n  - issuer: " + std::string(issuer) + "\n    jwks_url: " + jwks_url +
            "\n    tenants: [clinic-a]\n  - issuer: local\n    jwks: |\n      " + ehr().jwks() + "\n"),
      error);
  INFO(error);
  REQUIRE(good);
  CHECK(good->size() == 2);
  CHECK((*good)[1].inline_keys.size() == 2);
  CHECK(
      !server::load_cds_clients(write("clients:\n  - issuer: x\n    jwks_url: http://ehr.example.org/jwks\n"), error));
  CHECK(error.find("https") != std::string::npos);
  CHECK(!server::load_cds_clients(write("clients:\n  - issuer: x\n"), error));
  CHECK(error.find("exactly one of") != std::string::npos);
  CHECK(!server::load_cds_clients(write("clients:\n  - issuer: x\n    jwks_url: https://a/j\n    secret: y\n"), error));
  CHECK(error.find("unknown client field `secret`") != std::string::npos);
  CHECK(server::load_cds_clients(write("clients:\n  - issuer: x\n    jwks_url: http://127.0.0.1:9/jwks\n"), error));
  std::filesystem::remove_all(dir);
}

TEST_CASE("serve --cds-clients: a hook without a valid JWT is 401 before it is read", "[jwt][server]") {
  server::CdsClient client;
  client.issuer = issuer;
  std::string error;
  client.inline_keys = *server::parse_jwks(ehr().jwks(), error);
  std::ostringstream log_text;
  server::AccessLog log(&log_text);
  server::ServiceOptions options;
  options.rules = {std::string(COVCHECK_SOURCE_DIR) + "/rules/acme"};
  options.port = 0;
  options.public_url = std::string(base) + "/";
  options.cds_clients = std::make_shared<server::JwtVerifier>(std::vector<server::CdsClient>{client},
                                                              server::JwtSettings{}, nullptr, nullptr);
  server::Service service(options, log);
  REQUIRE(service.load().ok);
  int port = service.bind();
  std::thread thread([&] { service.listen(); });
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(10, 0);

  auto refused = http.Post(path, "{}", "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(refused->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
  CHECK_THAT(refused->body, Catch::Contains("\"OperationOutcome\"") && Catch::Contains("auth.missing_token"));

  Claims c;
  c.exp = std::time(nullptr) + 120;
  c.iat = std::time(nullptr);
  std::string token = rs384(c);
  auto admitted = http.Post(path, httplib::Headers{{"Authorization", token}}, "{}", "application/json");
  REQUIRE(admitted);
  CHECK(admitted->status == 400);  // past authentication: `{}` is no hook request
  CHECK_THAT(admitted->body, !Catch::Contains("auth."));
  auto replayed = http.Post(path, httplib::Headers{{"Authorization", token}}, "{}", "application/json");
  REQUIRE(replayed);
  CHECK(replayed->status == 401);
  CHECK_THAT(replayed->body, Catch::Contains("auth.replayed"));
  CHECK(http.Get("/cds-services")->status == 200);  // discovery stays open

  service.stop();
  thread.join();
  CHECK_THAT(log_text.str(), Catch::Contains(std::string("\"client\":\"") + issuer + "\""));
  CHECK_THAT(log_text.str(), !Catch::Contains(token.substr(7)));
}
