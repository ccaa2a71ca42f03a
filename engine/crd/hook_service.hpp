// The CDS Hooks coverage service without HTTP: discovery, and one request answered through a
// decision session (each in-scope order decided as a FHIR bundle; a coverage-information
// system action and an Instructions card per order; OperationOutcome bodies for errors).
// The server (server/cds_hooks_routes.cpp) adds the transport, fetching and the questionnaire store.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/audit/audit_record.hpp"
#include "engine/crd/hook_request.hpp"
#include "engine/session/session.hpp"

namespace covcheck::engine::crd {

// The discovery document of `GET /cds-services`: one service per hook.
std::string discovery_json();

// What the caller knows about a deciding policy version.
struct PolicyInfo {
  std::optional<std::string> effective_to;  // ISO date: the expiry-date of the assertion
  std::optional<std::string> text_path;     // server path of the policy's text (`/v1/policies/…`)
};

struct HookSettings {
  std::string public_url;  // `serve --public-url`, without a trailing slash; "" when not given
  std::string today;       // the evaluation date, YYYY-MM-DD
  std::function<PolicyInfo(const PolicyRef&)> policy_info;  // may be empty
  // Fetches a prefetch query the request left out (the query with its tokens filled in)
  // from the request's FHIR server; the resource or Bundle JSON, or nullopt. May be empty.
  std::function<std::optional<std::string>(const HookRequest&, std::string_view query)> fetch;
  // When set (`serve --audit-log`): the audit context of the request; each decided order then
  // gets an audit record whose answer id is its coverage-assertion-id.
  std::optional<AuditContext> audit;
  // Whether the caller's questionnaire store already holds this id; its text is then not
  // written again (a store keeps the first text of an id). May be empty: always written.
  std::function<bool(const std::string& id)> questionnaire_known;
};

struct StoredQuestionnaire {
  std::string id;
  std::string json;
};

struct HookAnswer {
  int status = 200;
  std::string body;                                 // the CDS Hooks response, or an OperationOutcome
  std::vector<StoredQuestionnaire> questionnaires;  // those referenced that the store does not hold yet
  std::size_t actions = 0;                          // system actions in the answer
  // One per in-scope order decided (none for orders the rules do not decide, none when the
  // answer is an error); empty unless HookSettings::audit is set.
  std::vector<AuditRecord> audit_records;
};

// What a caller answering many requests keeps between them (a server keeps a few).
struct HookScratch {
  fhir::JsonTreeParser parser;
};

HookAnswer answer_hook(DecisionSession& session, Hook hook, std::string_view body, const HookSettings& settings,
                       HookScratch* scratch = nullptr);

// An OperationOutcome with one issue (errors that are not a case's diagnostics).
std::string operation_outcome(std::string_view code, std::string_view issue_type, std::string_view message,
                              std::string_view expression = {});

// A prefetch template with the request's tokens filled in (`{{context.patientId}}`, …).
std::string fill_prefetch_query(const HookRequest& request, std::string_view query);

}  // namespace covcheck::engine::crd
