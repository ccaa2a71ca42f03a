// CDS Hooks routes: GET /cds-services (discovery), POST /cds-services/{id} (the hooks,
// answered by engine/crd through a session of the loaded State), GET /fhir/Questionnaire/{id},
// and the bounded fetch of missing prefetch from the EHR's FHIR server.
#include <ctime>

#include <fmt/format.h>

#include "engine/crd/hook_service.hpp"
#include "server/http_fetch.hpp"
#include "server/json_errors.hpp"
#include "server/request_parsing.hpp"
#include "server/service.hpp"

namespace covcheck::server {

namespace {

constexpr const char* fhir_json = "application/fhir+json";

std::string today_utc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::optional<engine::crd::Hook> hook_of_service(std::string_view id) {
  constexpr std::string_view prefix = "covcheck-";
  if (id.substr(0, prefix.size()) != prefix) return std::nullopt;
  return engine::crd::hook_named(id.substr(prefix.size()));
}

// One prefetch query against the EHR's FHIR server: bearer token, bounded connect and read
// time, bounded answer size; nullopt on any failure (the hook then answers 412).
std::optional<std::string> fetch_fhir(const std::string& server, const std::string& token, std::string_view query,
                                      std::chrono::milliseconds timeout, std::size_t max_body) {
  std::string base = server;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return http_get(base + "/" + std::string(query), fhir_json, timeout, max_body, token).body;
}

}  // namespace

void Service::cds_discovery(const Request&, Response& res, Exchange&) {
  res.status = 200;
  res.set_content(engine::crd::discovery_json(), json_type);
}

void Service::cds_hook(const Request& req, Response& res, const httplib::ContentReader& reader, Exchange& x) {
  Body body = read_body(req, reader, options_.max_body);
  if (body.broken || body.too_large || res.status == 413) {
    res.status = body.too_large || res.status == 413 ? 413 : 400;
    res.set_content(engine::crd::operation_outcome(res.status == 413 ? "http.too_large" : "http.broken_body",
                                                   res.status == 413 ? "too-costly" : "invalid",
                                                   res.status == 413 ? fmt::format("the request body is over {} bytes "
                                                                                   "(--max-body)",
                                                                                   options_.max_body)
                                                                     : "the request body ended early"),
                    fhir_json);
    return;
  }
  if (options_.cds_clients) {
    JwtVerdict v = options_.cds_clients->verify(req.get_header_value("Authorization"), req.path, public_url_);
    if (!v.issuer.empty()) x.client = v.issuer;
    if (!v.ok) {
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer realm=\"covcheck\"");
      res.set_content(engine::crd::operation_outcome(v.code, "login", v.reason), fhir_json);
      return;
    }
  }
  std::optional<engine::crd::Hook> hook = hook_of_service(req.matches[1].str());
  if (!hook) {
    res.status = 404;
    res.set_content(engine::crd::operation_outcome(
                        "crd.unknown_service", "not-found",
                        fmt::format("no CDS service `{}`; GET /cds-services lists them", req.matches[1].str())),
                    fhir_json);
    return;
  }
  std::string type = media_type(req);
  if (!type.empty() && type != "application/json" && type != fhir_json) {
    res.status = 415;
    res.set_content(
        engine::crd::operation_outcome("http.media_type", "not-supported",
                                       fmt::format("a CDS Hooks request is application/json, not `{}`", type)),
        fhir_json);
    return;
  }
  std::shared_ptr<const State> state = state_.get();
  SessionShelf::Lease session = state->sessions->lend();
  engine::crd::HookSettings settings;
  settings.public_url = public_url_;
  settings.today = today_utc();
  settings.policy_info = [&state](const engine::PolicyRef& p) {
    engine::crd::PolicyInfo info;
    for (const PolicyEntry& e : state->policies) {
      if (e.name != p.name || e.version != p.version) continue;
      info.effective_to = e.effective_to;
      if (!e.files.empty()) info.text_path = e.files.front().url;
      break;
    }
    return info;
  };
  settings.fetch = [this](const engine::crd::HookRequest& request, std::string_view query) {
    return fetch_fhir(request.fhir_server, *request.access_token, query, options_.fetch_timeout,
                      options_.max_fetch_body);
  };
  if (options_.audit) settings.audit = audit_context(x, std::nullopt);
  settings.questionnaire_known = [this](const std::string& id) { return questionnaires_.contains(id); };
  HookScratchShelf::Lease scratch = hook_scratch_.lend();
  engine::crd::HookAnswer answer = engine::crd::answer_hook(*session, *hook, body.text, settings, scratch.get());
  for (engine::crd::StoredQuestionnaire& q : answer.questionnaires) questionnaires_.put(q.id, std::move(q.json));
  res.status = answer.status;
  res.set_content(std::move(answer.body), answer.status == 200 ? json_type : fhir_json);
  x.record.records = static_cast<std::int64_t>(answer.actions);
  if (answer.status == 200)
    for (const engine::AuditRecord& record : answer.audit_records) audit(record);
  if (answer.status != 200) metrics_.record_case_error();
}

void Service::fhir_questionnaire(const Request& req, Response& res, Exchange&) {
  std::optional<std::string> q = questionnaires_.get(req.matches[1].str());
  if (!q) {
    res.status = 404;
    res.set_content(engine::crd::operation_outcome(
                        "crd.unknown_questionnaire", "not-found",
                        fmt::format("no questionnaire `{}` (send the order again)", req.matches[1].str())),
                    fhir_json);
    return;
  }
  res.status = 200;
  res.set_content(std::move(*q), fhir_json);
}

}  // namespace covcheck::server
