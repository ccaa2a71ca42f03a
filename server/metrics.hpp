// Prometheus counters of the server: requests by endpoint and status, decisions by kind,
// a latency histogram per endpoint, reloads; rendered with the loaded policy digests.
// Lock-free: every count is a relaxed atomic, so recording costs a few nanoseconds.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "engine/answer/determination.hpp"
#include "server/state.hpp"

namespace covcheck::server {

enum class Endpoint : std::uint8_t {
  page,
  check,
  batch,
  policies,
  policy_file,
  schema,
  healthz,
  readyz,
  metrics,
  reload,
  compare,
  cds_discovery,
  cds_hook,
  questionnaire,
  summary,
  payers,
  other,
  count_
};
inline constexpr std::size_t endpoint_count = static_cast<std::size_t>(Endpoint::count_);
// The route as metrics and the access log name it: "/v1/check", "other" for unknown paths.
const char* endpoint_name(Endpoint e);

// Why the connection loop refused or cut off a request (docs/server.md, "Limits").
enum class Shed : std::uint8_t {
  client_rate,         // 429: the client's requests per second
  client_connections,  // 429: the client's open connections
  max_connections,     // 503: the server's open connections
  in_flight,           // 503: requests admitted and not yet answered
  header_timeout,      // the request head did not arrive in time: closed
  body_timeout,        // the body did not arrive in time: 400
  file_limit,          // no file descriptor left for a new connection
  tls_handshake,       // a TLS handshake failed or did not finish by the header deadline: closed
  count_
};
inline constexpr std::size_t shed_count = static_cast<std::size_t>(Shed::count_);
const char* shed_name(Shed s);

class Metrics {
 public:
  void record_request(Endpoint endpoint, int status, std::chrono::nanoseconds latency);
  void record_decision(engine::Decision decision);
  void record_case_error();  // a case that did not load or could not be decided
  void record_reload(bool ok);
  void record_shed(Shed why) { shed_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t shed(Shed why) const { return shed_[static_cast<std::size_t>(why)].load(std::memory_order_relaxed); }
  void set_open_connections(std::size_t n) { open_connections_.store(n, std::memory_order_relaxed); }
  // The exposition text; `state` supplies the policy digests (may be null).
  std::string render(const State* state) const;

 private:
  // Statuses we answer with; anything else is counted under the last slot ("other").
  static constexpr std::array<int, 15> statuses{200, 400, 401, 404, 405, 408, 412, 413,
                                                414, 415, 422, 500, 501, 503, 0};
  static constexpr std::array<double, 12> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                 0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
  struct Histogram {
    std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets{};  // last: +Inf
    std::atomic<std::uint64_t> sum_ns{0};
  };
  std::array<std::array<std::atomic<std::uint64_t>, statuses.size()>, endpoint_count> requests_{};
  std::array<Histogram, endpoint_count> latency_{};
  std::array<std::atomic<std::uint64_t>, 4> decisions_{};  // by Decision
  std::atomic<std::uint64_t> case_errors_{0};
  std::atomic<std::uint64_t> reloads_ok_{0}, reloads_failed_{0};
  std::array<std::atomic<std::uint64_t>, shed_count> shed_{};
  std::atomic<std::size_t> open_connections_{0};
};

}  // namespace covcheck::server
