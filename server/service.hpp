// The HTTP service behind `covcheck serve`: the routes, limits and error bodies, hot
// reload, metrics and the access log, over one cpp-httplib server. The CLI wires signals
// and flags to it; the API tests run it on an ephemeral loopback port.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <httplib.h>

#include "server/access_log.hpp"
#include "server/connection.hpp"
#include "server/metrics.hpp"
#include "server/state.hpp"

namespace covcheck::server {

struct ServiceOptions {
  std::vector<std::string> rules;
  std::string host = "127.0.0.1";
  int port = 8080;                               // 0: an ephemeral port (see bind())
  unsigned threads = 64;                         // each open keep-alive connection holds one
  std::size_t max_body = 1u << 20;               // POST /v1/check (and reload)
  std::size_t max_batch_body = 256u << 20;       // POST /v1/batch
  std::chrono::milliseconds read_timeout{5000};  // a client that stalls this long is dropped
  std::chrono::milliseconds write_timeout{5000};
  std::chrono::seconds keep_alive_timeout{5};
  std::optional<std::string> admin_token;  // absent: no /v1/admin/reload
};

struct ReloadResult {
  bool ok = false;
  std::uint64_t generation = 0;  // the generation serving after the attempt
  std::string body;              // the JSON answer of /v1/admin/reload
  std::string diagnostics;       // compiler-style text (warnings too), for the server's log
};

class Service {
 public:
  Service(ServiceOptions options, AccessLog& log);
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Compiles the rules with a fresh SourceRegistry and, when they compile, serves them from
  // now on (requests in flight finish on the program they started with). The first load
  // and every reload (SIGHUP, POST /v1/admin/reload) go through here, one at a time.
  ReloadResult load();
  // Binds the listening socket: the port, or -1 when it cannot be bound.
  int bind();
  // Serves until stop(); false when the socket failed.
  bool listen();
  void stop();

  const ServiceOptions& options() const { return options_; }
  std::shared_ptr<const State> state() const { return state_.get(); }

 private:
  using Request = httplib::Request;
  using Response = httplib::Response;
  struct Exchange {
    AccessRecord record;
    std::chrono::steady_clock::time_point start;
    Endpoint endpoint = Endpoint::other;
    bool deferred = false;  // a streamed answer finishes when its last byte is written
  };

  void install_routes();
  void begin(Exchange& x, Endpoint endpoint, const Request& req, Response& res);
  void finish(Exchange& x, int status);
  template <typename Fn>
  httplib::Server::Handler route(Endpoint endpoint, Fn fn);
  template <typename Fn>
  httplib::Server::HandlerWithContentReader route_with_body(Endpoint endpoint, Fn fn);

  // Handlers (case_routes.cpp, info_routes.cpp).
  void check(const Request& req, Response& res, const httplib::ContentReader& body, Exchange& x);
  void batch(const Request& req, Response& res, const httplib::ContentReader& body, Exchange& x);
  void compare(const Request& req, Response& res, const httplib::ContentReader& body, Exchange& x);
  void summary(const Request& req, Response& res, const httplib::ContentReader& body, Exchange& x);
  void reload(const Request& req, Response& res, const httplib::ContentReader& body, Exchange& x);
  void page(const Request& req, Response& res, Exchange& x);
  void policies(const Request& req, Response& res, Exchange& x);
  void policy_file(const Request& req, Response& res, Exchange& x);
  void schema(const Request& req, Response& res, Exchange& x);
  void payers(const Request& req, Response& res, Exchange& x);
  void healthz(const Request& req, Response& res, Exchange& x);
  void ready(const Request& req, Response& res, Exchange& x);
  void metrics(const Request& req, Response& res, Exchange& x);
  void not_routed(const Request& req, Response& res, Exchange& x);
  // The methods a known path allows ("GET", "POST"); empty for an unknown path.
  std::string allowed_methods(const std::string& path) const;

  ServiceOptions options_;
  AccessLog& log_;
  Metrics metrics_;
  RequestIds ids_;
  StateHolder state_;
  std::mutex load_mutex_;
  std::uint64_t generation_ = 0;  // guarded by load_mutex_
  std::atomic<bool> stopping_{false};
  std::regex asset_re_, file_re_;  // for telling 405 from 404
  HttpServer http_;
};

}  // namespace covcheck::server
