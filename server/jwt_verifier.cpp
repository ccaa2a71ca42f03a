// The CDS Hooks JWT check: compact JWS split and base64url-decoded, header and claims read
// with the project's JSON tree (simdjson), the signature verified by OpenSSL's EVP against
// a key built from the client's JWK; the claims checked in the order that tells an EHR's
// developer the most (who, which key, signature, then time, audience and replay).
#include "server/jwt_verifier.hpp"
#include "server/yaml_config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <regex>

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "engine/cases/fhir/json_tree.hpp"
#include "server/api_keys.hpp"
#include "server/http_fetch.hpp"

namespace covcheck::server {

namespace {

using engine::YamlNode;
using engine::YamlTree;
namespace fhir = engine::fhir;

// base64url without padding (RFC 7515 §2) through OpenSSL's decoder; nullopt on any
// character outside the alphabet.
std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string b64(in);
  for (char& c : b64) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/' || c == '=') return std::nullopt;
  }
  std::size_t pad = (4 - b64.size() % 4) % 4;
  b64.append(pad, '=');
  std::string out(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

struct Json {
  YamlTree tree;
  const YamlNode* root() const { return tree.root == engine::yaml_none ? nullptr : &tree.nodes[tree.root]; }
  const YamlNode* get(std::string_view key) const {
    const YamlNode* r = root();
    return r && r->kind == YamlNode::Kind::mapping ? fhir::member(tree, *r, key) : nullptr;
  }
  std::optional<std::string> string(std::string_view key) const {
    auto s = fhir::string_of(tree, get(key));
    return s ? std::optional<std::string>(std::string(*s)) : std::nullopt;
  }
  // A NumericDate (seconds; fractions allowed by RFC 7519, truncated).
  std::optional<std::int64_t> number(std::string_view key) const {
    const YamlNode* n = get(key);
    if (!n || n->kind != YamlNode::Kind::scalar || n->quoted) return std::nullopt;
    std::string_view text = tree.scalar(*n);
    double d = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(d) || std::abs(d) > 1e15)
      return std::nullopt;
    return static_cast<std::int64_t>(std::floor(d));
  }
};

std::optional<Json> parse_object(std::string_view text) {
  Json j;
  if (fhir::parse_json_tree(text, j.tree) || !j.root() || j.root()->kind != YamlNode::Kind::mapping)
    return std::nullopt;
  return j;
}

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

std::shared_ptr<EVP_PKEY> key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return key ? own(key) : nullptr;
}

std::shared_ptr<EVP_PKEY> rsa_key(const std::string& n, const std::string& e) {
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::shared_ptr<EVP_PKEY> key;
  if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1)
    key = key_from_params("RSA", bld);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return key;
}

std::shared_ptr<EVP_PKEY> p384_key(const std::string& x, const std::string& y) {
  std::string point = "\x04" + x + y;  // an uncompressed SEC1 point
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::shared_ptr<EVP_PKEY> key;
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1)
    key = key_from_params("EC", bld);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

// JWS ES384 signatures are r || s, 48 bytes each; EVP_DigestVerify wants an ECDSA-Sig-Value
// in DER.
std::optional<std::string> es384_der(const std::string& raw) {
  if (raw.size() != 96) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 48, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 48, 48, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool verify_signature(const Jwk& key, std::string_view signed_part, const std::string& signature) {
  std::string der;
  if (key.algorithm == JwsAlgorithm::es384) {
    auto d = es384_der(signature);
    if (!d) return false;
    der = std::move(*d);
  }
  const std::string& sig = key.algorithm == JwsAlgorithm::es384 ? der : signature;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha384(), nullptr, key.key.get()) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// A JWKS URL is https, or http on this machine (a test or a sidecar): keys fetched in the
// clear from elsewhere could be swapped on the way.
bool acceptable_jwks_url(const std::string& url) {
  static const std::regex url_re(R"(^(https?)://(\[[^\]]+\]|[^/:]+)(:[0-9]+)?(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, url_re)) return false;
  if (m[1] == "https") return true;
  std::string host = m[2].str();
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return is_loopback_host(host);
}

std::int64_t system_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

JwtVerdict refuse(std::string code, std::string reason, std::string issuer = "") {
  return JwtVerdict{false, std::move(code), std::move(reason), std::move(issuer)};
}

}  // namespace

std::optional<std::vector<Jwk>> parse_jwks(std::string_view json, std::string& error) {
  std::optional<Json> set = parse_object(json);
  const YamlNode* keys = set ? set->get("keys") : nullptr;
  if (!keys || keys->kind != YamlNode::Kind::sequence) {
    error = "not a JWK Set: expected a JSON object with a `keys` array";
    return std::nullopt;
  }
  std::vector<Jwk> out;
  for (std::uint32_t i = 0; i < keys->count; ++i) {
    const YamlNode& k = fhir::element(set->tree, *keys, i);
    if (k.kind != YamlNode::Kind::mapping) continue;
    auto field = [&](std::string_view name) -> std::optional<std::string> {
      auto s = fhir::string_of(set->tree, fhir::member(set->tree, k, name));
      return s ? std::optional<std::string>(std::string(*s)) : std::nullopt;
    };
    auto kty = field("kty"), use = field("use"), alg = field("alg");
    Jwk jwk;
    jwk.kid = field("kid").value_or("");
    if (use && *use != "sig") continue;
    if (kty == "RSA" && (!alg || *alg == "RS384")) {
      auto n = field("n"), e = field("e");
      auto nb = n ? base64url_decode(*n) : std::nullopt, eb = e ? base64url_decode(*e) : std::nullopt;
      if (!nb || !eb) continue;
      jwk.algorithm = JwsAlgorithm::rs384;
      jwk.key = rsa_key(*nb, *eb);
      // Shorter RSA keys are breakable; an EHR publishing one is refused key by key.
      if (jwk.key && EVP_PKEY_get_bits(jwk.key.get()) < 2048) continue;
    } else if (kty == "EC" && field("crv") == "P-384" && (!alg || *alg == "ES384")) {
      auto x = field("x"), y = field("y");
      auto xb = x ? base64url_decode(*x) : std::nullopt, yb = y ? base64url_decode(*y) : std::nullopt;
      if (!xb || !yb || xb->size() != 48 || yb->size() != 48) continue;
      jwk.algorithm = JwsAlgorithm::es384;
      jwk.key = p384_key(*xb, *yb);
    } else {
      continue;
    }
    if (jwk.key) out.push_back(std::move(jwk));
  }
  return out;
}

std::optional<std::vector<CdsClient>> load_cds_clients(const std::string& path, std::string& error) {
  std::optional<YAML::Node> loaded = load_yaml_config(path, error);
  if (!loaded) return std::nullopt;
  const YAML::Node& root = *loaded;
  YAML::Node list = root.IsMap() ? root["clients"] : YAML::Node();
  if (!list || !list.IsSequence() || list.size() == 0) {
    error = fmt::format("{}: expected `clients:`, a list of {{issuer, jwks_url or jwks, audiences, tenants}}",
                        yaml_at(path, root));
    return std::nullopt;
  }
  auto strings = [&](const YAML::Node& n, const char* name, std::vector<std::string>& out) {
    if (!n) return true;
    if (!n.IsSequence()) {
      error = fmt::format("{}: `{}` is a list of strings", yaml_at(path, n), name);
      return false;
    }
    for (const YAML::Node& s : n) {
      if (!s.IsScalar() || s.as<std::string>().empty()) {
        error = fmt::format("{}: `{}` is a list of strings", yaml_at(path, s), name);
        return false;
      }
      out.push_back(s.as<std::string>());
    }
    return true;
  };
  std::vector<CdsClient> clients;
  for (const YAML::Node& n : list) {
    if (!n.IsMap()) {
      error = fmt::format("{}: a client is a mapping with issuer and jwks_url or jwks", yaml_at(path, n));
      return std::nullopt;
    }
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      if (k != "issuer" && k != "jwks_url" && k != "jwks" && k != "audiences" && k != "tenants") {
        error = fmt::format("{}: unknown client field `{}` (issuer, jwks_url, jwks, audiences, tenants)",
                            yaml_at(path, kv.first), k);
        return std::nullopt;
      }
    }
    CdsClient c;
    if (!n["issuer"] || !n["issuer"].IsScalar() || n["issuer"].as<std::string>().empty()) {
      error = fmt::format("{}: a client needs an `issuer` (the `iss` of its tokens)", yaml_at(path, n));
      return std::nullopt;
    }
    c.issuer = n["issuer"].as<std::string>();
    for (const CdsClient& other : clients)
      if (other.issuer == c.issuer) {
        error = fmt::format("{}: issuer `{}` is listed twice", yaml_at(path, n["issuer"]), c.issuer);
        return std::nullopt;
      }
    bool has_url = static_cast<bool>(n["jwks_url"]), has_inline = static_cast<bool>(n["jwks"]);
    if (has_url == has_inline) {
      error = fmt::format("{}: client `{}` needs exactly one of `jwks_url` and `jwks`", yaml_at(path, n), c.issuer);
      return std::nullopt;
    }
    if (has_url) {
      c.jwks_url = n["jwks_url"].IsScalar() ? n["jwks_url"].as<std::string>() : "";
      if (!acceptable_jwks_url(c.jwks_url)) {
        error = fmt::format("{}: client `{}`: `jwks_url` must be an https URL (http only on a loopback host)",
                            yaml_at(path, n["jwks_url"]), c.issuer);
        return std::nullopt;
      }
    } else {
      if (!n["jwks"].IsScalar()) {
        error = fmt::format("{}: client `{}`: `jwks` is the JWK Set's JSON text (a `|` block)",
                            yaml_at(path, n["jwks"]), c.issuer);
        return std::nullopt;
      }
      std::string why;
      auto keys = parse_jwks(n["jwks"].as<std::string>(), why);
      if (!keys || keys->empty()) {
        error = fmt::format("{}: client `{}`: {}", yaml_at(path, n["jwks"]), c.issuer,
                            keys ? "the JWK Set holds no RS384 (RSA 2048+) or ES384 (EC P-384) signing key" : why);
        return std::nullopt;
      }
      c.inline_keys = std::move(*keys);
    }
    if (!strings(n["audiences"], "audiences", c.audiences) || !strings(n["tenants"], "tenants", c.tenants))
      return std::nullopt;
    for (std::string& a : c.audiences)
      while (!a.empty() && a.back() == '/') a.pop_back();
    clients.push_back(std::move(c));
  }
  return clients;
}

JwksFetch http_jwks_fetch(std::chrono::milliseconds timeout, std::size_t max_body) {
  return [timeout, max_body](const std::string& url) -> std::optional<std::string> {
    return http_get(url, "application/json", timeout, max_body).body;
  };
}

JwtVerifier::JwtVerifier(std::vector<CdsClient> clients, JwtSettings settings, JwksFetch fetch, Clock clock)
    : clients_(std::move(clients)),
      settings_(settings),
      fetch_(std::move(fetch)),
      clock_(clock ? std::move(clock) : Clock(system_now)),
      keys_(clients_.size()) {
  for (std::size_t i = 0; i < clients_.size(); ++i)
    if (clients_[i].jwks_url.empty()) keys_[i].keys = std::make_shared<const std::vector<Jwk>>(clients_[i].inline_keys);
}

std::optional<Jwk> JwtVerifier::find_key(std::size_t client, const std::string& kid) {
  auto lookup = [&](const std::shared_ptr<const std::vector<Jwk>>& keys) -> std::optional<Jwk> {
    if (keys)
      for (const Jwk& k : *keys)
        if (k.kid == kid) return k;
    return std::nullopt;
  };
  const std::string& url = clients_[client].jwks_url;
  {
    std::lock_guard lock(keys_mutex_);
    if (auto k = lookup(keys_[client].keys)) return k;
    if (url.empty()) return std::nullopt;
  }
  // An unknown kid may be a rotated key: fetch the registered URL again, at most once per
  // refetch_interval, so forged kids cannot make the service hammer the EHR.
  std::lock_guard fetching(fetch_mutex_);
  std::int64_t now = clock_();
  {
    std::lock_guard lock(keys_mutex_);
    if (auto k = lookup(keys_[client].keys)) return k;  // another worker fetched it meanwhile
    const auto& at = keys_[client].fetched_at;
    if (at && now - *at < settings_.refetch_interval.count()) return std::nullopt;
    keys_[client].fetched_at = now;
  }
  std::optional<std::string> body = fetch_ ? fetch_(url) : std::nullopt;
  if (!body) return std::nullopt;
  std::string error;
  auto keys = parse_jwks(*body, error);
  if (!keys) return std::nullopt;
  auto shared = std::make_shared<const std::vector<Jwk>>(std::move(*keys));
  std::lock_guard lock(keys_mutex_);
  keys_[client].keys = shared;
  return lookup(shared);
}

JwtVerifier::Replay JwtVerifier::remember_jti(const std::string& issuer, const std::string& jti, std::int64_t exp,
                                              std::int64_t now) {
  std::string key = issuer + '\n' + jti;
  std::lock_guard lock(replay_mutex_);
  auto it = seen_.find(key);
  if (it != seen_.end()) {
    if (it->second + settings_.skew.count() >= now) return Replay::replayed;
    seen_.erase(it);
  }
  if (seen_.size() >= settings_.replay_capacity) {
    // Tokens past exp (and the skew) are refused by their time already: forget them.
    std::erase_if(seen_, [&](const auto& kv) { return kv.second + settings_.skew.count() < now; });
    if (seen_.size() >= settings_.replay_capacity) return Replay::full;
  }
  seen_.emplace(std::move(key), exp);
  return Replay::fresh;
}

JwtVerdict JwtVerifier::verify(std::string_view authorization, std::string_view service_path,
                               std::string_view public_url) {
  constexpr std::string_view bearer = "Bearer ";
  if (authorization.empty())
    return refuse("auth.missing_token", "a CDS Hooks request needs `Authorization: Bearer <JWT>`");
  if (authorization.size() <= bearer.size() ||
      !std::equal(bearer.begin(), bearer.end(), authorization.begin(),
                  [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(b); }))
    return refuse("auth.missing_token", "the Authorization header is not `Bearer <JWT>`");
  std::string_view token = authorization.substr(bearer.size());
  std::size_t dot1 = token.find('.'), dot2 = dot1 == token.npos ? token.npos : token.find('.', dot1 + 1);
  if (dot2 == token.npos || token.find('.', dot2 + 1) != token.npos)
    return refuse("auth.malformed_token", "the bearer token is not a JWT (three base64url parts)");
  auto header_text = base64url_decode(token.substr(0, dot1));
  auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base64url_decode(token.substr(dot2 + 1));
  std::optional<Json> header = header_text ? parse_object(*header_text) : std::nullopt;
  std::optional<Json> claims = payload_text ? parse_object(*payload_text) : std::nullopt;
  if (!header || !claims || !signature)
    return refuse("auth.malformed_token", "the JWT's header or claims are not base64url JSON objects");

  // Only the two algorithms CDS Hooks names: `none` and HMAC (whose "secret" would be the
  // public key) are refused before any key is looked at.
  std::optional<std::string> alg = header->string("alg");
  if (alg != "RS384" && alg != "ES384")
    return refuse("auth.algorithm", fmt::format("the JWT's `alg` is {}; CDS Hooks clients sign with RS384 or ES384",
                                                alg ? fmt::format("`{}`", *alg) : "missing"));
  if (header->string("typ") != "JWT") return refuse("auth.malformed_token", "the JWT header's `typ` must be `JWT`");
  std::optional<std::string> kid = header->string("kid");
  if (!kid) return refuse("auth.malformed_token", "the JWT header has no `kid`");

  std::optional<std::string> iss = claims->string("iss");
  if (!iss) return refuse("auth.unknown_issuer", "the JWT has no `iss`");
  std::size_t client = 0;
  while (client < clients_.size() && clients_[client].issuer != *iss) ++client;
  if (client == clients_.size())
    return refuse("auth.unknown_issuer", fmt::format("issuer `{}` is not a registered CDS client", *iss));
  const CdsClient& c = clients_[client];

  // jku is never fetched: it may only name the URL registered for this issuer.
  if (auto jku = header->string("jku"); jku && *jku != c.jwks_url)
    return refuse("auth.jku", fmt::format("the JWT's `jku` is not the JWKS URL registered for `{}`", *iss), *iss);
  else if (!jku && header->get("jku")) return refuse("auth.jku", "the JWT's `jku` is not a string", *iss);

  std::optional<Jwk> key = find_key(client, *kid);
  if (!key) return refuse("auth.unknown_kid", fmt::format("key `{}` is not in the JWK Set of `{}`", *kid, *iss), *iss);
  if ((key->algorithm == JwsAlgorithm::rs384) != (*alg == "RS384"))
    return refuse("auth.algorithm", fmt::format("key `{}` is not a {} key", *kid, *alg), *iss);
  if (!verify_signature(*key, token.substr(0, dot2), *signature))
    return refuse("auth.bad_signature", fmt::format("the JWT's signature does not verify with key `{}`", *kid), *iss);

  std::int64_t now = clock_(), skew = settings_.skew.count();
  std::optional<std::int64_t> exp = claims->number("exp"), iat = claims->number("iat");
  if (!exp || !iat) return refuse("auth.malformed_token", "the JWT needs numeric `exp` and `iat`", *iss);
  if (*exp + skew < now) return refuse("auth.expired", "the JWT has expired (`exp` is past)", *iss);
  if (*iat - skew > now) return refuse("auth.not_yet_valid", "the JWT's `iat` is in the future", *iss);
  if (*exp - now > settings_.max_lifetime.count() + skew)
    return refuse("auth.lifetime",
                  fmt::format("the JWT's `exp` is more than {} s ahead", settings_.max_lifetime.count()), *iss);

  // aud: the endpoint invoked, a string or an array holding it.
  std::vector<std::string> bases = c.audiences;
  if (bases.empty()) bases.emplace_back(public_url);
  auto audience_ok = [&](std::string_view aud) {
    for (const std::string& b : bases)
      if (!b.empty() && aud.size() == b.size() + service_path.size() && aud.substr(0, b.size()) == b &&
          aud.substr(b.size()) == service_path)
        return true;
    return false;
  };
  bool aud_ok = false;
  if (auto aud = claims->string("aud")) aud_ok = audience_ok(*aud);
  else if (const YamlNode* list = claims->get("aud"); list && list->kind == YamlNode::Kind::sequence)
    for (std::uint32_t i = 0; i < list->count && !aud_ok; ++i)
      if (auto a = fhir::string_of(claims->tree, &fhir::element(claims->tree, *list, i))) aud_ok = audience_ok(*a);
  if (!aud_ok)
    return refuse("auth.audience",
                  fmt::format("the JWT's `aud` is not this service's URL ({}{})", bases.front(), service_path), *iss);

  if (!c.tenants.empty()) {
    auto tenant = claims->string("tenant");
    if (!tenant || std::find(c.tenants.begin(), c.tenants.end(), *tenant) == c.tenants.end())
      return refuse("auth.tenant", fmt::format("the JWT's `tenant` is not one allowed for `{}`", *iss), *iss);
  }

  std::optional<std::string> jti = claims->string("jti");
  if (!jti || jti->empty()) return refuse("auth.malformed_token", "the JWT has no `jti`", *iss);
  switch (remember_jti(*iss, *jti, *exp, now)) {
    case Replay::replayed: return refuse("auth.replayed", "the JWT's `jti` was already used (a replayed token)", *iss);
    case Replay::full:
      return refuse("auth.replay_cache_full", "too many live tokens to remember; retry with a shorter `exp`", *iss);
    case Replay::fresh: break;
  }
  return JwtVerdict{true, "", "", *iss};
}

}  // namespace covcheck::server
