// Service setup: server limits and timeouts, the route table, the instrumentation every
// route shares (request id, metrics, access log), JSON bodies for httplib's own errors,
// 404 and 405, and loading/reloading the rules.
#include "server/service.hpp"

#include <fmt/format.h>

#include "engine/answer/json_writer.hpp"
#include "engine/answer/render_diagnostics.hpp"
#include "server/http_fetch.hpp"
#include "server/json_errors.hpp"
#include "server/web_assets.hpp"

namespace covcheck::server {

namespace {

constexpr const char* policy_file_pattern = R"(/v1/policies/([^/]+)/([^/]+)/files/(.+))";
constexpr const char* cds_hook_pattern = R"(/cds-services/([^/]+))";
constexpr const char* questionnaire_pattern = R"(/fhir/Questionnaire/([^/]+))";
constexpr const char* asset_pattern = R"(/|/[A-Za-z0-9_-]+\.(html|css|js))";

const char* error_code_for(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "timeout";
    case 429: return "too_many_requests";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    default: return status >= 500 ? "internal_error" : "error";
  }
}

}  // namespace

namespace {

std::string log_key_or_random(const std::string& key) {
  if (!key.empty()) return key;
  return engine::random_log_key().value_or(std::string());
}

// The routes that take or reveal case data or rules: the API. The page, health, readiness
// and metrics stay open (they carry neither), and the reload has its own token.
bool needs_key(Endpoint e) {
  return e == Endpoint::check || e == Endpoint::batch || e == Endpoint::compare || e == Endpoint::policies ||
         e == Endpoint::policy_file || e == Endpoint::schema;
}

}  // namespace

Service::Service(ServiceOptions options, AccessLog& log)
    : options_(std::move(options)),
      log_(log),
      case_hash_(log_key_or_random(options_.log_key)),
      asset_re_(asset_pattern),
      file_re_(policy_file_pattern),
      http_(log_, metrics_) {
  public_url_ = options_.public_url;
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
  // httplib's own cap is the larger body limit; each route enforces its own below it.
  http_.set_payload_max_length(std::max(options_.max_body, options_.max_batch_body));
  FrontOptions front;
  front.threads = options_.threads == 0 ? 1 : options_.threads;
  front.read_timeout = options_.read_timeout;
  front.write_timeout = options_.write_timeout;
  front.keep_alive_timeout = options_.keep_alive_timeout;
  front.header_timeout = options_.header_timeout;
  front.body_timeout = options_.body_timeout;
  front.max_kept_body = options_.max_body;
  front.max_connections = options_.max_connections;
  front.max_in_flight = options_.max_in_flight;
  front.max_in_flight_bytes = options_.max_in_flight_bytes;
  front.client = options_.client;
  http_.configure(front);
  // httplib's own settings, for what it writes (`Keep-Alive: timeout=…, max=…`); the loop and
  // the Connection apply the timeouts.
  auto split = [](std::chrono::milliseconds ms) {
    return std::make_pair(ms.count() / 1000, (ms.count() % 1000) * 1000);
  };
  auto [rs, rus] = split(options_.read_timeout);
  auto [ws, wus] = split(options_.write_timeout);
  http_.set_read_timeout(rs, rus);
  http_.set_write_timeout(ws, wus);
  http_.set_keep_alive_timeout(options_.keep_alive_timeout.count());
  http_.set_keep_alive_max_count(100000);
  install_routes();
}

bool Service::load_tls(std::string& error) {
  std::lock_guard lock(load_mutex_);
  TlsContext context = load_tls_context(options_.tls, error);
  std::string reason;
  engine::JsonWriter::escape(reason, error);
  if (!context) {
    log_.event("tls_load_failed", fmt::format("\"reason\":{}", reason));
    return false;
  }
  http_.set_tls(std::move(context));
  log_.event("tls_loaded", "");
  return true;
}

void Service::begin(Exchange& x, Endpoint endpoint, const Request& req, Response& res) {
  x.start = std::chrono::steady_clock::now();
  x.endpoint = endpoint;
  x.record.request_id = ids_.next(req.get_header_value("X-Request-Id"));
  x.record.method = req.method;
  x.record.endpoint = endpoint_name(endpoint);
  res.set_header("X-Request-Id", x.record.request_id);
}

void Service::finish(Exchange& x, int status) {
  x.record.status = status;
  x.record.client = x.client;
  if (x.record.case_id && !options_.log_case_ids) x.record.case_id = case_hash_(*x.record.case_id);
  x.record.latency = std::chrono::steady_clock::now() - x.start;
  metrics_.record_request(x.endpoint, status, x.record.latency);
  log_.write(x.record);
}

bool Service::admit(Exchange& x, const Request& req, Response& res) {
  if (!options_.api_keys || !needs_key(x.endpoint)) return true;
  Authentication a = authenticate(*options_.api_keys, req, x.record.endpoint);
  x.client = a.client;
  if (a.status == 0) return true;
  res.status = a.status;
  if (a.status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"covcheck\"");
  res.set_content(error_body(a.code, a.reason), json_type);
  return false;
}

engine::AuditContext Service::audit_context(const Exchange& x, std::optional<std::int32_t> as_of) const {
  engine::AuditContext c;
  c.route = x.record.endpoint;
  c.answer_id = x.record.request_id;
  c.client = x.client;
  c.as_of = as_of;
  c.version = options_.version;
  return c;
}

void Service::audit(const engine::AuditRecord& record) {
  if (!options_.audit->append(engine::render_audit_line(record)))
    log_.event("audit_write_failed", fmt::format("\"answer_id\":\"{}\"", record.answer_id));
}

template <typename Fn>
httplib::Server::Handler Service::route(Endpoint endpoint, Fn fn) {
  return [this, endpoint, fn](const Request& req, Response& res) {
    Exchange x;
    begin(x, endpoint, req, res);
    if (!admit(x, req, res)) return finish(x, res.status);
    try {
      (this->*fn)(req, res, x);
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(error_body("internal_error", e.what()), json_type);
    }
    finish(x, res.status);
  };
}

template <typename Fn>
httplib::Server::HandlerWithContentReader Service::route_with_body(Endpoint endpoint, Fn fn) {
  return [this, endpoint, fn](const Request& req, Response& res, const httplib::ContentReader& body) {
    Exchange x;
    begin(x, endpoint, req, res);
    if (!admit(x, req, res)) {
      // The body of a refused request is read and dropped, so that the connection can carry
      // the next request; past --max-body the read is abandoned and the connection dropped.
      std::size_t dropped = 0;
      int status = res.status;  // an abandoned read sets 400
      if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
        body([&](const char*, std::size_t size) { return (dropped += size) <= options_.max_body; });
      res.status = status;
      return finish(x, res.status);
    }
    try {
      (this->*fn)(req, res, body, x);
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(error_body("internal_error", e.what()), json_type);
      x.deferred = false;
    }
    if (!x.deferred) finish(x, res.status);
  };
}

void Service::install_routes() {
  http_.Get(asset_pattern, route(Endpoint::page, &Service::page));
  http_.Post("/v1/check", route_with_body(Endpoint::check, &Service::check));
  http_.Post("/v1/batch", route_with_body(Endpoint::batch, &Service::batch));
  http_.Post("/v1/compare", route_with_body(Endpoint::compare, &Service::compare));
  http_.Post("/v1/summary", route_with_body(Endpoint::summary, &Service::summary));
  http_.Get("/v1/policies", route(Endpoint::policies, &Service::policies));
  http_.Get(policy_file_pattern, route(Endpoint::policy_file, &Service::policy_file));
  http_.Get("/v1/schema", route(Endpoint::schema, &Service::schema));
  http_.Get("/v1/payers", route(Endpoint::payers, &Service::payers));
  http_.Get("/healthz", route(Endpoint::healthz, &Service::healthz));
  http_.Get("/readyz", route(Endpoint::readyz, &Service::ready));
  http_.Get("/metrics", route(Endpoint::metrics, &Service::metrics));
  // Without a token the admin endpoint does not exist: it answers 404 like any unknown path.
  if (options_.admin_token) http_.Post("/v1/admin/reload", route_with_body(Endpoint::reload, &Service::reload));
  http_.Get("/cds-services", route(Endpoint::cds_discovery, &Service::cds_discovery));
  http_.Post(cds_hook_pattern, route_with_body(Endpoint::cds_hook, &Service::cds_hook));
  http_.Get(questionnaire_pattern, route(Endpoint::questionnaire, &Service::fhir_questionnaire));

  // Last: whatever no route above took. httplib has already read the body, so the
  // connection stays usable after the 404 or 405.
  auto fallback = route(Endpoint::other, &Service::not_routed);
  http_.Get(".*", fallback);
  http_.Post(".*", fallback);
  http_.Put(".*", fallback);
  http_.Patch(".*", fallback);
  http_.Delete(".*", fallback);
  http_.Options(".*", fallback);

  // httplib's own errors (a malformed request line, a body over the hard cap, a URI too
  // long) reach no route: give them a JSON body, count and log them. Routes' own error
  // answers already have a body and pass through untouched.
  http_.set_error_handler(httplib::Server::HandlerWithResponse([this](const Request& req, Response& res) {
    if (!res.body.empty() || res.is_chunked_content_provider_) return httplib::Server::HandlerResponse::Unhandled;
    Exchange x;
    begin(x, Endpoint::other, req, res);
    // A POST without a body to a path no route takes fails in httplib before routing:
    // answer what the route table says about the path, as for any other request.
    if (res.status == 400 && !req.method.empty() && !req.path.empty()) {
      std::string allowed = allowed_methods(req.path);
      if (allowed.empty() || allowed.find(req.method) == std::string::npos) {
        not_routed(req, res, x);
        finish(x, res.status);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    std::string message = res.status == 413 ? fmt::format("the request body is over {} bytes",
                                                          std::max(options_.max_body, options_.max_batch_body))
                                            : fmt::format("the request could not be handled (HTTP {})", res.status);
    res.set_content(error_body(error_code_for(res.status), message), json_type);
    finish(x, res.status);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http_.set_exception_handler([](const Request&, Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(error_body("internal_error", "the request could not be handled"), json_type);
  });
}

std::string Service::allowed_methods(const std::string& path) const {
  if (path == "/v1/check" || path == "/v1/batch" || path == "/v1/compare" || path == "/v1/summary") return "POST";
  if (path == "/v1/admin/reload") return options_.admin_token ? "POST" : "";
  if (path == "/cds-services" || path.rfind("/fhir/Questionnaire/", 0) == 0) return "GET, HEAD";
  if (path.rfind("/cds-services/", 0) == 0) return "POST";
  if (path == "/v1/policies" || path == "/v1/schema" || path == "/v1/payers" || path == "/healthz" ||
      path == "/readyz" || path == "/metrics")
    return "GET, HEAD";
  if (std::regex_match(path, asset_re_) || std::regex_match(path, file_re_)) return "GET, HEAD";
  return "";
}

void Service::not_routed(const Request& req, Response& res, Exchange&) {
  std::string allowed = allowed_methods(req.path);
  if (allowed.empty()) {
    res.status = 404;
    res.set_content(error_body("not_found", fmt::format("no route for `{}`", req.path)), json_type);
    return;
  }
  res.status = 405;
  res.set_header("Allow", allowed);
  res.set_content(error_body("method_not_allowed", fmt::format("`{}` takes {}, not {}", req.path, allowed, req.method)),
                  json_type);
}

std::optional<engine::Bundle> Service::read_bundle(dsl::Diagnostics& diagnostics) const {
  engine::BundleStatus status = engine::BundleStatus::ok;
  if (options_.bundle.rfind("http://", 0) != 0 && options_.bundle.rfind("https://", 0) != 0)
    return engine::read_bundle(options_.bundle, diagnostics, status);
  std::string error;
  std::optional<std::string> archive = fetch_bundle(options_.bundle, options_.max_bundle_download, error);
  if (!archive) {
    diagnostics.error("io.fetch", dsl::SourceSpan{}, error);
    return std::nullopt;
  }
  return engine::read_bundle_archive(*archive, options_.bundle, diagnostics, status);
}

ReloadResult Service::load() {
  if (options_.bundle.empty()) return install(nullptr, nullptr);
  dsl::Diagnostics problems;
  std::optional<engine::Bundle> bundle = read_bundle(problems);
  return install(bundle ? &*bundle : nullptr, bundle ? nullptr : &problems);
}

std::optional<ReloadResult> Service::load_if_bundle_changed() {
  dsl::Diagnostics problems;
  std::optional<engine::Bundle> bundle = read_bundle(problems);
  // What this attempt would load: the bundle serving is skipped, and so is one refused at the
  // last poll (reported once, not every few seconds until someone fixes it).
  std::string attempt = bundle ? bundle->manifest.digest : dsl::render_all(problems, dsl::SourceRegistry{});
  std::shared_ptr<const State> serving = state_.get();
  if ((serving && serving->bundle_digest == attempt) || attempt == poll_refused_) return std::nullopt;
  ReloadResult result = install(bundle ? &*bundle : nullptr, bundle ? nullptr : &problems);
  poll_refused_ = result.ok ? std::string() : attempt;
  return result;
}

ReloadResult Service::install(const engine::Bundle* bundle, const dsl::Diagnostics* read_problems) {
  std::lock_guard lock(load_mutex_);
  bool first = generation_ == 0;
  LoadOutcome outcome;
  if (read_problems) outcome.diagnostics = *read_problems;
  else if (bundle) outcome = load_state(*bundle, generation_ + 1);
  else outcome = load_state(options_.rules, generation_ + 1);
  outcome.diagnostics.sort();
  ReloadResult result;
  result.ok = outcome.state != nullptr;
  result.diagnostics = dsl::render_all(outcome.diagnostics, outcome.sources);
  if (result.ok) {
    generation_ += 1;
    state_.set(outcome.state);
  }
  result.generation = generation_;
  if (!first) metrics_.record_reload(result.ok);

  engine::JsonWriter w(false);
  w.begin_object();
  if (result.ok) {
    w.member("status", "reloaded");
  } else {
    w.member("error", "reload_failed")
        .member("message", fmt::format("the rules did not load; still serving generation {}", generation_));
  }
  w.member("generation", static_cast<std::int64_t>(generation_));
  std::shared_ptr<const State> state = state_.get();
  // The bundle serving after the attempt, as every answer's `bundle` says it.
  if (state) write_bundle_value(w.key("bundle"), *state);
  w.key("policies").begin_array();
  if (state)
    for (const PolicyEntry& p : state->policies)
      w.begin_object().member("name", p.name).member("version", p.version).member("digest", p.digest).end_object();
  w.end_array().key("diagnostics");
  engine::write_diagnostics(w, outcome.diagnostics, outcome.sources);
  w.end_object();
  result.body = w.str() + "\n";

  log_.event(result.ok ? (first ? "rules_loaded" : "rules_reloaded") : "reload_failed",
             fmt::format("\"generation\":{},\"errors\":{}", generation_, outcome.diagnostics.error_count()));
  return result;
}

int Service::bind() {
  if (options_.port == 0) return http_.bind_to_any_port(options_.host);
  return http_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
}

bool Service::listen() {
  bool ok = http_.serve();
  log_.flush();  // every request has been answered: its line is in the log when this returns
  return ok;
}

void Service::stop() {
  stopping_ = true;
  http_.shutdown();
}

}  // namespace covcheck::server
