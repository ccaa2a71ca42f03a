// The HTTP service behind `covcheck serve`: the routes, limits and error bodies, hot
// reload, metrics and the access log, over one cpp-httplib server. The CLI wires signals
// and flags to it; the API tests run it on an ephemeral loopback port.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <httplib.h>

#include "engine/audit/audit_log.hpp"
#include "engine/audit/audit_record.hpp"
#include "engine/audit/keyed_hash.hpp"
#include "server/access_log.hpp"
#include "server/api_keys.hpp"
#include "server/front_stage.hpp"
#include "server/hook_scratch.hpp"
#include "server/jwt_verifier.hpp"
#include "server/metrics.hpp"
#include "server/questionnaire_store.hpp"
#include "server/state.hpp"

namespace covcheck::server {

struct ServiceOptions {
  std::vector<std::string> rules;
  // Or a rule bundle (engine/bundle/): a directory, a .tar, or an http:// URL of a .tar.
  std::string bundle;
  std::size_t max_bundle_download = 256u << 20;  // the largest bundle fetched from a URL
  std::string host = "127.0.0.1";
  int port = 8080;                               // 0: an ephemeral port (see bind())
  unsigned threads = 64;                         // workers: requests answered at once
  std::size_t max_body = 1u << 20;               // POST /v1/check (and reload)
  std::size_t max_batch_body = 256u << 20;       // POST /v1/batch
  std::chrono::milliseconds read_timeout{5000};  // a client that stalls this long is dropped
  std::chrono::milliseconds write_timeout{5000};
  std::chrono::seconds keep_alive_timeout{5};
  std::chrono::milliseconds header_timeout{10000};  // a request's whole head, from its first byte
  std::chrono::milliseconds body_timeout{30000};    // a body's whole time (not /v1/batch)
  std::size_t max_connections = 0;                  // open connections; 0: no cap but descriptors
  std::size_t max_in_flight = 0;                    // requests admitted, not answered; 0: no limit
  std::size_t max_in_flight_bytes = 0;              // and their bodies' bytes; 0: no limit
  ClientLimitOptions client;                        // per client address; 0s: off
  std::optional<std::string> admin_token;           // absent: no /v1/admin/reload
  // The service's public base URL (`serve --public-url`): CDS Hooks card links and
  // questionnaire URLs are built from it; "" leaves card links out.
  std::string public_url;
  std::chrono::milliseconds fetch_timeout{2000};  // one prefetch query to an EHR's FHIR server
  std::size_t max_fetch_body = 4u << 20;          // the largest FHIR answer read back
  // Who may call /v1/*; null: anyone who reaches the port (the CLI allows that only on a
  // loopback address or with --insecure-no-auth). docs/security.md.
  std::shared_ptr<const ApiKeys> api_keys;
  // The EHRs whose signed JWT every `POST /cds-services/{id}` needs (`serve --cds-clients`);
  // null: the hooks answer anyone (the CLI then serves loopback only). docs/security.md.
  std::shared_ptr<JwtVerifier> cds_clients;
  engine::AuditLog* audit = nullptr;  // one audit record per decision served; owned by the caller
  std::string version;                // covcheck's version, for audit records
  std::string log_key;                // HMAC key for case ids in the access log; empty: a random one
  bool log_case_ids = false;          // log case ids as given (a clinic may use medical record numbers)
  TlsFiles tls;                       // --tls-cert / --tls-key; empty: plain HTTP
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
  // `serve --bundle-poll`: reads the bundle again and loads it only when its digest differs
  // from the one serving; nullopt when it is the same, or when it is what the last call
  // refused (nothing compiled, nothing logged). Called from one thread (the poller).
  std::optional<ReloadResult> load_if_bundle_changed();
  // Loads the TLS certificate and key (options().tls) and serves them from the next
  // connection on: at start and on SIGHUP. On failure the context serving stays, `error`
  // names the file and OpenSSL's reason, and the access log says so.
  bool load_tls(std::string& error);
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
    bool deferred = false;              // a streamed answer finishes when its last byte is written
    std::optional<std::string> client;  // the API key's name, once the request authenticated
  };

  void install_routes();
  // The bundle as options().bundle names it, read and verified (not compiled); nullopt with
  // the diagnostics when it cannot be.
  std::optional<engine::Bundle> read_bundle(dsl::Diagnostics& diagnostics) const;
  // Compiles `bundle` (or, when null and no bundle is served, the --rules) and swaps it in;
  // with `read_problems`, the bundle could not even be read. Holds load_mutex_.
  ReloadResult install(const engine::Bundle* bundle, const dsl::Diagnostics* read_problems);
  void begin(Exchange& x, Endpoint endpoint, const Request& req, Response& res);
  void finish(Exchange& x, int status);
  // Checks the API key of a `/v1/*` request; false once it answered 401 or 403.
  bool admit(Exchange& x, const Request& req, Response& res);
  // The audit context of a decision this exchange serves (the answer id is its request id).
  engine::AuditContext audit_context(const Exchange& x, std::optional<std::int32_t> as_of) const;
  // Appends one audit record; a failed write is a server event in the access log.
  void audit(const engine::AuditRecord& record);
  template <typename Fn>
  httplib::Server::Handler route(Endpoint endpoint, Fn fn);
  template <typename Fn>
  httplib::Server::HandlerWithContentReader route_with_body(Endpoint endpoint, Fn fn);

  // A case the session could not decide: answers its diagnostics (400, or 422 when the
  // loaded rules cannot decide it) and counts a case error; false when it was decided.
  bool refuse_undecided(const engine::CaseOutcome& outcome, const engine::DecisionSession& session, Response& res,
                        Exchange& x);

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
  // CDS Hooks (cds_hooks_routes.cpp).
  void cds_discovery(const Request& req, Response& res, Exchange& x);
  void cds_hook(const Request& req, Response& res, const httplib::ContentReader& body, Exchange& x);
  void fhir_questionnaire(const Request& req, Response& res, Exchange& x);
  // The methods a known path allows ("GET", "POST"); empty for an unknown path.
  std::string allowed_methods(const std::string& path) const;

  ServiceOptions options_;
  std::string public_url_;  // --public-url without a trailing slash
  AccessLog& log_;
  engine::KeyedHash case_hash_;  // case ids in the access log
  Metrics metrics_;
  RequestIds ids_;
  StateHolder state_;
  std::mutex load_mutex_;
  std::uint64_t generation_ = 0;  // guarded by load_mutex_
  std::string poll_refused_;      // the bundle (digest or problems) the last poll refused
  std::atomic<bool> stopping_{false};
  std::regex asset_re_, file_re_;      // for telling 405 from 404
  QuestionnaireStore questionnaires_;  // the questionnaires hook answers referenced
  HookScratchShelf hook_scratch_;      // parsers for hook requests, one per request in flight
  HttpServer http_;
};

}  // namespace covcheck::server
