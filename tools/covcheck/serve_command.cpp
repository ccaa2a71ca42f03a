// `covcheck serve`: flags -> ServiceOptions, the first load (a rule set that does not
// compile, or a bundle that does not verify, is exit 3, as for `check`), signals, the bundle
// poller, then serving until SIGINT or SIGTERM.
#include "tools/covcheck/serve_command.hpp"

#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "engine/audit/audit_log.hpp"
#include "engine/audit/keyed_hash.hpp"
#include "server/api_keys.hpp"
#include "server/service.hpp"
#include "server/signals.hpp"
#include "tools/covcheck/check_command.hpp"

namespace covcheck::cli {

namespace {

struct ServeFlags {
  server::ServiceOptions options;
  std::string access_log;
  std::string admin_token;
  std::string api_keys;
  std::string cds_clients;
  bool insecure_no_auth = false;
  std::string audit_log;
  std::string log_key_file;
  bool log_case_ids = false;
  std::size_t max_body = 1u << 20;
  std::size_t max_batch_body = 256u << 20;
  double read_timeout = 5, write_timeout = 5;
  double header_timeout = 10, body_timeout = 30;
  double bundle_poll = 0;  // seconds; 0: no polling
};

// `--bundle-poll`: reads the bundle every `period` and swaps it in when its digest changed,
// until stopped. A bundle that cannot be read or compiled keeps the one serving.
class BundlePoller {
 public:
  BundlePoller(server::Service& service, std::chrono::milliseconds period) {
    if (period.count() <= 0) return;
    thread_ = std::thread([this, &service, period] {
      std::unique_lock lock(mutex_);
      while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
        lock.unlock();
        std::optional<server::ReloadResult> result = service.load_if_bundle_changed();
        if (result) {
          std::cerr << result->diagnostics
                    << (result->ok ? fmt::format("covcheck: the bundle changed; now serving generation {}\n",
                                                 result->generation)
                                   : fmt::format("covcheck: the bundle changed but was refused; still serving "
                                                 "generation {}\n",
                                                 result->generation));
          std::cerr.flush();
        }
        lock.lock();
      }
    });
  }
  ~BundlePoller() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  BundlePoller(const BundlePoller&) = delete;
  BundlePoller& operator=(const BundlePoller&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

std::chrono::milliseconds seconds_flag(double seconds) {
  return std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

int run_serve(const ServeFlags& flags, const CLI::App& serve) {
  server::ServiceOptions options = flags.options;
  options.max_body = flags.max_body;
  options.max_batch_body = flags.max_batch_body;
  options.read_timeout = seconds_flag(flags.read_timeout);
  options.write_timeout = seconds_flag(flags.write_timeout);
  options.header_timeout = seconds_flag(flags.header_timeout);
  options.body_timeout = seconds_flag(flags.body_timeout);
  if (options.threads == 0) return usage_error("--threads must be at least 1");
  if (options.rules.empty() == options.bundle.empty())
    return usage_error("give the rules: --rules PATH... or --bundle PATH_OR_URL, one of them");
  if (flags.bundle_poll < 0 || (flags.bundle_poll > 0 && options.bundle.empty()))
    return usage_error("--bundle-poll takes a positive number of seconds, with --bundle");
  if (options.read_timeout.count() <= 0 || options.write_timeout.count() <= 0 || options.header_timeout.count() <= 0 ||
      options.body_timeout.count() <= 0)
    return usage_error("--read-timeout, --write-timeout, --header-timeout and --body-timeout must be positive");
  if (options.client.rate < 0 || options.client.burst < 0)
    return usage_error("--client-rate and --client-burst must not be negative");
  // The token may come from the environment so that it stays out of `ps` and shell history.
  if (serve.count("--admin-token") > 0) {
    options.admin_token = flags.admin_token;
  } else if (const char* env = std::getenv("COVCHECK_ADMIN_TOKEN"); env && *env) {
    options.admin_token = env;
  }
  if (options.admin_token && options.admin_token->size() < 16)
    return usage_error("the admin token must be at least 16 characters");
  if (options.tls.certificate.empty() != options.tls.key.empty())
    return usage_error("--tls-cert and --tls-key go together");

  // Who may call: API keys, or nobody beyond this machine unless the operator says so.
  if (!flags.api_keys.empty() && flags.insecure_no_auth)
    return usage_error("--api-keys and --insecure-no-auth cannot be combined");
  if (!flags.api_keys.empty()) {
    std::string error;
    auto keys = server::load_api_keys(flags.api_keys, error);
    if (!keys) return usage_error(fmt::format("--api-keys: {}", error));
    options.api_keys = std::make_shared<const server::ApiKeys>(std::move(*keys));
  } else if (!server::is_loopback_host(options.host) && !flags.insecure_no_auth) {
    return usage_error(fmt::format(
        "--host {} is not a loopback address and no authentication is configured: give --api-keys FILE, "
        "or --insecure-no-auth to serve patient data to anyone who can reach the port (see docs/security.md)",
        options.host));
  }
  // Which EHRs may call the CDS Hooks: their signed JWTs, checked against their keys.
  if (!flags.cds_clients.empty()) {
    if (options.public_url.empty())
      return usage_error("--cds-clients needs --public-url: a client's JWT names the service URL as its `aud`");
    std::string error;
    auto clients = server::load_cds_clients(flags.cds_clients, error);
    if (!clients) return usage_error(fmt::format("--cds-clients: {}", error));
    server::JwtSettings settings;
    options.cds_clients = std::make_shared<server::JwtVerifier>(
        std::move(*clients), settings, server::http_jwks_fetch(settings.fetch_timeout, settings.max_jwks_body),
        nullptr);
  }
  // Case ids in the access log: a keyed hash, unless asked for as given.
  options.log_case_ids = flags.log_case_ids;
  std::string key_note;
  if (!flags.log_key_file.empty()) {
    std::ifstream key_in(flags.log_key_file, std::ios::binary);
    std::stringstream key;
    key << key_in.rdbuf();
    if (!key_in) return usage_error(fmt::format("--log-key-file: cannot read `{}`", flags.log_key_file));
    options.log_key = key.str();
    while (!options.log_key.empty() && (options.log_key.back() == '\n' || options.log_key.back() == '\r'))
      options.log_key.pop_back();
  } else if (const char* env = std::getenv("COVCHECK_LOG_KEY"); env && *env) {
    options.log_key = env;
  }
  if (!options.log_key.empty() && options.log_key.size() < 16)
    return usage_error("the log key (--log-key-file or COVCHECK_LOG_KEY) must be at least 16 bytes");
  if (options.log_case_ids) {
    key_note = "covcheck: warning: --log-case-ids: the access log names cases by their ids as given\n";
  } else if (options.log_key.empty()) {
    std::optional<std::string> random = engine::random_log_key();
    if (!random) return usage_error("cannot make a random log key (OpenSSL's generator failed)");
    options.log_key = *random;
    key_note =
        "covcheck: case ids in the access log are hashed with a random key of this process (give --log-key-file "
        "or COVCHECK_LOG_KEY to keep them comparable across restarts)\n";
  }
  options.version = COVCHECK_VERSION;
  std::optional<engine::AuditLog> audit;
  if (!flags.audit_log.empty()) {
    audit.emplace(flags.audit_log);
    if (!audit->ok()) return usage_error(fmt::format("--audit-log: {}", audit->error()));
    options.audit = &*audit;
  }

  std::ofstream log_file;
  std::ostream* log_stream = &std::cerr;
  if (!flags.access_log.empty() && flags.access_log != "-") {
    log_file.open(flags.access_log, std::ios::app);
    if (!log_file) return usage_error(fmt::format("--access-log: cannot open `{}` for appending", flags.access_log));
    log_stream = &log_file;
  }

  // Before any thread exists, so that all of them inherit the mask.
  server::block_server_signals();
  server::AccessLog log(log_stream);
  server::Service service(options, log);
  bool tls = !options.tls.certificate.empty();
  if (std::string error; tls && !service.load_tls(error)) return usage_error(error);
  server::ReloadResult first = service.load();
  std::cerr << first.diagnostics;
  if (!first.ok) {
    // Rules that cannot be opened are a usage error (2), rules that do not compile 3.
    bool unreadable = first.diagnostics.find("[io.") != std::string::npos;
    return unreadable ? exit_usage : exit_rules;
  }
  int port = service.bind();
  if (port < 0) {
    std::cerr << fmt::format("covcheck: error: cannot listen on {}:{}\n", options.host, options.port);
    return exit_usage;
  }
  std::shared_ptr<const server::State> serving = service.state();
  std::string what = options.bundle.empty() ? fmt::format("{}", fmt::join(options.rules, " "))
                                            : fmt::format("bundle {} (version {}, {})", options.bundle,
                                                          *serving->bundle_version, *serving->bundle_digest);
  std::cerr << fmt::format("covcheck: serving {} on {}://{}:{}/ (generation {})\n", what, tls ? "https" : "http",
                           options.host, port, first.generation);
  std::cerr << key_note;
  if (flags.insecure_no_auth) {
    std::cerr << fmt::format(
        "covcheck: warning: --insecure-no-auth: /v1/* answers anyone who can reach {}:{}, without authentication\n",
        options.host, port);
    log.event("insecure_no_auth", fmt::format("\"host\":\"{}\"", options.host));
  }
  std::cerr.flush();

  server::SignalThread signals(
      [&] {
        server::ReloadResult result = service.load();
        std::cerr << result.diagnostics
                  << (result.ok
                          ? fmt::format("covcheck: reloaded the rules (generation {})\n", result.generation)
                          : fmt::format("covcheck: reload failed; still serving generation {}\n", result.generation));
        // The certificate and key too, for new connections; a bad file keeps the old ones.
        if (std::string error; tls && !service.load_tls(error))
          std::cerr << fmt::format("covcheck: TLS reload failed, still serving the previous certificate: {}\n", error);
        else if (tls) std::cerr << "covcheck: reloaded the TLS certificate and key\n";
        std::cerr.flush();
      },
      [&] { service.stop(); });
  BundlePoller poller(service, seconds_flag(flags.bundle_poll));
  bool ok = service.listen();
  log.event("stopped", "");
  return ok ? exit_ok : exit_usage;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  // Timeouts are seconds: `10`, `10s` or `500ms`.
  CLI::AsNumberWithUnit seconds_unit(std::map<std::string, double>{{"s", 1.0}, {"ms", 0.001}});
  CLI::App* serve = app.add_subcommand("serve", "Serve the pre-screening page and the JSON API over HTTP");
  serve->add_option("--rules", flags->options.rules, "Rule files, or directories of *.cpl files (repeatable)")
      ->type_name("PATH");
  serve
      ->add_option("--bundle", flags->options.bundle,
                   "Serve a rule bundle (`covcheck bundle`): a directory, a .tar or an http:// URL; reloaded on "
                   "SIGHUP and POST /v1/admin/reload")
      ->type_name("PATH_OR_URL");
  serve
      ->add_option("--bundle-poll", flags->bundle_poll,
                   "Read the bundle again every this many seconds; load it when its digest changed")
      ->transform(seconds_unit);
  serve->add_option("--host", flags->options.host, "Address to listen on")->capture_default_str();
  serve->add_option("--port", flags->options.port, "Port to listen on (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve->add_option("--threads", flags->options.threads, "Worker threads: requests answered at once")
      ->capture_default_str();
  serve->add_option("--max-body", flags->max_body, "Largest POST /v1/check body, in bytes")->capture_default_str();
  serve->add_option("--max-batch-body", flags->max_batch_body, "Largest POST /v1/batch body, in bytes")
      ->capture_default_str();
  serve->add_option("--read-timeout", flags->read_timeout, "Seconds a client may stall while sending")
      ->transform(seconds_unit)
      ->capture_default_str();
  serve->add_option("--write-timeout", flags->write_timeout, "Seconds a client may stall while receiving")
      ->transform(seconds_unit)
      ->capture_default_str();
  serve->add_option("--header-timeout", flags->header_timeout, "Seconds a request's head may take to arrive, in all")
      ->transform(seconds_unit)
      ->capture_default_str();
  serve->add_option("--body-timeout", flags->body_timeout, "Seconds a body (not /v1/batch) may take to arrive, in all")
      ->transform(seconds_unit)
      ->capture_default_str();
  serve->add_option("--max-connections", flags->options.max_connections, "Open connections at most (0: no cap)")
      ->capture_default_str();
  serve
      ->add_option("--max-in-flight", flags->options.max_in_flight,
                   "Requests admitted and not yet answered at most; past it 503 (0: no limit)")
      ->capture_default_str();
  serve
      ->add_option("--max-in-flight-bytes", flags->options.max_in_flight_bytes,
                   "Body bytes of the requests in flight at most (each counts 16 KiB more); past it 503 (0: no limit)")
      ->capture_default_str();
  serve->add_option("--client-rate", flags->options.client.rate, "Requests per second per client address (0: no limit)")
      ->capture_default_str();
  serve
      ->add_option("--client-burst", flags->options.client.burst,
                   "Requests a client may send at once (0: --client-rate)")
      ->capture_default_str();
  serve
      ->add_option("--client-connections", flags->options.client.max_connections,
                   "Open connections per client address (0: no limit)")
      ->capture_default_str();
  serve
      ->add_option("--tls-cert", flags->options.tls.certificate,
                   "Serve HTTPS (TLS 1.2+) with this PEM certificate chain; reread on SIGHUP")
      ->type_name("FILE");
  serve->add_option("--tls-key", flags->options.tls.key, "The PEM private key of --tls-cert; reread on SIGHUP")
      ->type_name("FILE");
  serve->add_option("--public-url", flags->options.public_url,
                    "The service's public base URL: CDS Hooks card links and questionnaire URLs use it");
  serve->add_option("--access-log", flags->access_log, "Append the JSON Lines access log here (default: stderr)")
      ->type_name("FILE");
  serve
      ->add_option("--admin-token", flags->admin_token,
                   "Enable POST /v1/admin/reload with this bearer token (or set COVCHECK_ADMIN_TOKEN)")
      ->type_name("TOKEN");
  serve
      ->add_option("--api-keys", flags->api_keys,
                   "YAML file of API keys (name, sha256 of the key, routes) that /v1/* requires; docs/security.md")
      ->type_name("FILE");
  serve
      ->add_option("--cds-clients", flags->cds_clients,
                   "YAML file of trusted EHRs (issuer, JWKS URL or JWKS, audiences, tenants) whose signed JWT "
                   "every POST /cds-services/{id} needs; docs/security.md")
      ->type_name("FILE");
  serve->add_flag("--insecure-no-auth", flags->insecure_no_auth,
                  "Serve /v1/* without authentication on a non-loopback --host (warns at every start)");
  serve
      ->add_option("--audit-log", flags->audit_log,
                   "Append one audit record (JSON Lines, no patient data) per decision served")
      ->type_name("FILE");
  serve
      ->add_option("--log-key-file", flags->log_key_file,
                   "Key for the HMAC of case ids in the access log (or COVCHECK_LOG_KEY; default: random per process)")
      ->type_name("FILE");
  serve->add_flag("--log-case-ids", flags->log_case_ids,
                  "Write case ids to the access log as given instead of their keyed hash");
  return {serve, [flags, serve]() { return run_serve(*flags, *serve); }};
}

}  // namespace covcheck::cli
