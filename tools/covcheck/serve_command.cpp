// `covcheck serve`: flags -> ServiceOptions, the first load (a rule set that does not
// compile is exit 3, as for `check`), signals, then serving until SIGINT or SIGTERM.
#include "tools/covcheck/serve_command.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "server/service.hpp"
#include "server/signals.hpp"
#include "tools/covcheck/check_command.hpp"

namespace covcheck::cli {

namespace {

struct ServeFlags {
  server::ServiceOptions options;
  std::string access_log;
  std::string admin_token;
  std::size_t max_body = 1u << 20;
  std::size_t max_batch_body = 256u << 20;
  double read_timeout = 5, write_timeout = 5;
  double header_timeout = 10, body_timeout = 30;
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
  std::cerr << fmt::format("covcheck: serving {} on http://{}:{}/ (generation {})\n", fmt::join(options.rules, " "),
                           options.host, port, first.generation);
  std::cerr.flush();

  server::SignalThread signals(
      [&] {
        server::ReloadResult result = service.load();
        std::cerr << result.diagnostics
                  << (result.ok
                          ? fmt::format("covcheck: reloaded the rules (generation {})\n", result.generation)
                          : fmt::format("covcheck: reload failed; still serving generation {}\n", result.generation));
        std::cerr.flush();
      },
      [&] { service.stop(); });
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
      ->required()
      ->type_name("PATH");
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
  serve->add_option("--public-url", flags->options.public_url,
                    "The service's public base URL: CDS Hooks card links and questionnaire URLs use it");
  serve->add_option("--access-log", flags->access_log, "Append the JSON Lines access log here (default: stderr)")
      ->type_name("FILE");
  serve
      ->add_option("--admin-token", flags->admin_token,
                   "Enable POST /v1/admin/reload with this bearer token (or set COVCHECK_ADMIN_TOKEN)")
      ->type_name("TOKEN");
  return {serve, [flags, serve]() { return run_serve(*flags, *serve); }};
}

}  // namespace covcheck::cli
