// Google Benchmark of the CDS Hooks client check (never run by ctest): one whole
// JwtVerifier::verify per iteration (base64url, JSON, EVP signature, claims, replay cache),
// RS384 (RSA 2048) and ES384 (P-384), with each token's jti fresh so none is refused.
//   covcheck_bench_jwt [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <vector>

#include "server/jwt_verifier.hpp"
#include "tests/unit/jwt_fixture.hpp"

using namespace covcheck;

namespace {

constexpr const char* base = "https://cds.example.org";
constexpr const char* path = "/cds-services/covcheck-order-sign";
constexpr std::int64_t now = 1'800'000'000;

void verify(benchmark::State& state, bool rsa) {
  test::Pkey key = rsa ? test::make_rsa_key() : test::make_p384_key();
  server::CdsClient client;
  client.issuer = "https://ehr.example.org";
  std::string error;
  client.inline_keys = *server::parse_jwks("{\"keys\":[" + test::jwk(key, "k") + "]}", error);
  // Tokens are signed beforehand: signing is the EHR's cost, not the service's.
  std::vector<std::string> tokens;
  for (int i = 0; i < 4096; ++i)
    tokens.push_back("Bearer " + test::jwt(std::string("{\"alg\":\"") + (rsa ? "RS384" : "ES384") +
                                               "\",\"typ\":\"JWT\",\"kid\":\"k\"}",
                                           "{\"iss\":\"https://ehr.example.org\",\"aud\":\"" + std::string(base) +
                                               path + "\",\"exp\":" + std::to_string(now + 240) + ",\"iat\":" +
                                               std::to_string(now) + ",\"jti\":\"" + std::to_string(i) + "\"}",
                                           key));
  std::size_t i = 0;
  std::unique_ptr<server::JwtVerifier> verifier;
  for (auto _ : state) {
    if (i % tokens.size() == 0) {  // a fresh replay cache for the next round of tokens
      state.PauseTiming();
      verifier = std::make_unique<server::JwtVerifier>(std::vector<server::CdsClient>{client}, server::JwtSettings{},
                                                       nullptr, [] { return now; });
      state.ResumeTiming();
    }
    server::JwtVerdict v = verifier->verify(tokens[i++ % tokens.size()], path, base);
    if (!v.ok) state.SkipWithError(v.reason.c_str());
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_verify_rs384(benchmark::State& state) { verify(state, true); }
void BM_verify_es384(benchmark::State& state) { verify(state, false); }

}  // namespace

BENCHMARK(BM_verify_rs384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_verify_es384)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
