// Recording and rendering the Prometheus metrics.
#include "server/metrics.hpp"

#include <fmt/format.h>

namespace covcheck::server {

const char* endpoint_name(Endpoint e) {
  switch (e) {
    case Endpoint::page: return "/";
    case Endpoint::check: return "/v1/check";
    case Endpoint::batch: return "/v1/batch";
    case Endpoint::policies: return "/v1/policies";
    case Endpoint::policy_file: return "/v1/policies/{id}/{version}/files/{path}";
    case Endpoint::schema: return "/v1/schema";
    case Endpoint::healthz: return "/healthz";
    case Endpoint::readyz: return "/readyz";
    case Endpoint::metrics: return "/metrics";
    case Endpoint::reload: return "/v1/admin/reload";
    case Endpoint::compare: return "/v1/compare";
    case Endpoint::cds_discovery: return "/cds-services";
    case Endpoint::cds_hook: return "/cds-services/{id}";
    case Endpoint::questionnaire: return "/fhir/Questionnaire/{id}";
    case Endpoint::summary: return "/v1/summary";
    case Endpoint::payers: return "/v1/payers";
    default: return "other";
  }
}

void Metrics::record_request(Endpoint endpoint, int status, std::chrono::nanoseconds latency) {
  auto e = static_cast<std::size_t>(endpoint);
  std::size_t s = 0;
  while (s + 1 < statuses.size() && statuses[s] != status) ++s;
  requests_[e][s].fetch_add(1, std::memory_order_relaxed);
  double seconds = std::chrono::duration<double>(latency).count();
  std::size_t b = 0;
  while (b < bounds.size() && seconds > bounds[b]) ++b;
  latency_[e].buckets[b].fetch_add(1, std::memory_order_relaxed);
  latency_[e].sum_ns.fetch_add(static_cast<std::uint64_t>(latency.count()), std::memory_order_relaxed);
}

void Metrics::record_decision(engine::Decision decision) {
  auto d = static_cast<std::size_t>(decision);
  if (d < decisions_.size()) decisions_[d].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::record_case_error() { case_errors_.fetch_add(1, std::memory_order_relaxed); }

const char* shed_name(Shed s) {
  switch (s) {
    case Shed::client_rate: return "client_rate";
    case Shed::client_connections: return "client_connections";
    case Shed::max_connections: return "max_connections";
    case Shed::in_flight: return "in_flight";
    case Shed::header_timeout: return "header_timeout";
    case Shed::body_timeout: return "body_timeout";
    case Shed::file_limit: return "file_limit";
    case Shed::tls_handshake: return "tls_handshake";
    case Shed::count_: break;
  }
  return "other";
}

void Metrics::record_reload(bool ok) { (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed); }

namespace {

// Label values are quoted; a backslash, quote or newline in one must be escaped.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string Metrics::render(const State* state) const {
  std::string out;
  auto load = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };

  out += "# HELP covcheck_http_requests_total HTTP requests answered, by endpoint and status.\n";
  out += "# TYPE covcheck_http_requests_total counter\n";
  for (std::size_t e = 0; e < endpoint_count; ++e) {
    for (std::size_t s = 0; s < statuses.size(); ++s) {
      std::uint64_t n = load(requests_[e][s]);
      if (n == 0) continue;
      std::string status = statuses[s] == 0 ? "other" : std::to_string(statuses[s]);
      out += fmt::format("covcheck_http_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n",
                         endpoint_name(static_cast<Endpoint>(e)), status, n);
    }
  }

  out += "# HELP covcheck_http_request_duration_seconds Time from routing to the response being ready.\n";
  out += "# TYPE covcheck_http_request_duration_seconds histogram\n";
  for (std::size_t e = 0; e < endpoint_count; ++e) {
    const Histogram& h = latency_[e];
    std::uint64_t total = 0;
    for (const auto& b : h.buckets) total += load(b);
    if (total == 0) continue;
    const char* name = endpoint_name(static_cast<Endpoint>(e));
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < bounds.size(); ++b) {
      cumulative += load(h.buckets[b]);
      out += fmt::format("covcheck_http_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"{}\"}} {}\n", name,
                         bounds[b], cumulative);
    }
    out +=
        fmt::format("covcheck_http_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"+Inf\"}} {}\n", name, total);
    out += fmt::format("covcheck_http_request_duration_seconds_sum{{endpoint=\"{}\"}} {:.9f}\n", name,
                       static_cast<double>(load(h.sum_ns)) / 1e9);
    out += fmt::format("covcheck_http_request_duration_seconds_count{{endpoint=\"{}\"}} {}\n", name, total);
  }

  out += "# HELP covcheck_decisions_total Cases decided, by decision.\n";
  out += "# TYPE covcheck_decisions_total counter\n";
  for (std::size_t d = 0; d < decisions_.size(); ++d)
    out += fmt::format("covcheck_decisions_total{{decision=\"{}\"}} {}\n",
                       engine::decision_name(static_cast<engine::Decision>(d)), load(decisions_[d]));
  out += "# HELP covcheck_case_errors_total Cases that could not be loaded, validated or decided.\n";
  out += "# TYPE covcheck_case_errors_total counter\n";
  out += fmt::format("covcheck_case_errors_total {}\n", load(case_errors_));

  out += "# HELP covcheck_reloads_total Rule reloads, by result.\n# TYPE covcheck_reloads_total counter\n";
  out += fmt::format("covcheck_reloads_total{{result=\"ok\"}} {}\n", load(reloads_ok_));
  out += fmt::format("covcheck_reloads_total{{result=\"failed\"}} {}\n", load(reloads_failed_));
  out +=
      "# HELP covcheck_load_shed_total Requests and connections refused or cut off, by reason.\n"
      "# TYPE covcheck_load_shed_total counter\n";
  for (std::size_t i = 0; i < shed_count; ++i)
    out +=
        fmt::format("covcheck_load_shed_total{{reason=\"{}\"}} {}\n", shed_name(static_cast<Shed>(i)), load(shed_[i]));
  out += "# HELP covcheck_open_connections Client connections open now.\n# TYPE covcheck_open_connections gauge\n";
  out += fmt::format("covcheck_open_connections {}\n", open_connections_.load(std::memory_order_relaxed));

  if (state) {
    out += "# HELP covcheck_rules_generation Successful loads of the rules since start (1: the first).\n";
    out += "# TYPE covcheck_rules_generation gauge\n";
    out += fmt::format("covcheck_rules_generation {}\n", state->generation);
    out += "# HELP covcheck_policy_info The loaded policy versions and modules; the value is the rule count.\n";
    out += "# TYPE covcheck_policy_info gauge\n";
    for (const PolicyEntry& p : state->policies)
      out += fmt::format("covcheck_policy_info{{kind=\"{}\",name=\"{}\",version=\"{}\",digest=\"{}\"}} {}\n", p.kind,
                         label(p.name), label(p.version), label(p.digest), p.rule_count);
    if (state->bundle_digest) {
      out += "# HELP covcheck_bundle_info The rule bundle served (serve --bundle); always 1.\n";
      out += "# TYPE covcheck_bundle_info gauge\n";
      out += fmt::format("covcheck_bundle_info{{digest=\"{}\",version=\"{}\"}} 1\n", label(*state->bundle_digest),
                         label(*state->bundle_version));
    }
  }
  return out;
}

}  // namespace covcheck::server
