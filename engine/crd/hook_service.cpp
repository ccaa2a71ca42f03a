// Answering one CDS Hooks request: read it, fill missing prefetch (fetch or 412), decide each
// in-scope order through the session, write system actions and cards; errors become
// OperationOutcomes naming the request's own paths and line:col.
#include "engine/crd/hook_service.hpp"

#include <algorithm>
#include <deque>

#include <fmt/format.h>

#include "engine/answer/json_writer.hpp"
#include "engine/audit/case_digest.hpp"
#include "engine/crd/card.hpp"
#include "engine/crd/coverage_information.hpp"
#include "engine/crd/questionnaire.hpp"

namespace covcheck::engine::crd {

namespace {

struct Located {
  std::uint32_t line = 0, column = 0;  // 0: no place in the request
};

Located locate(std::string_view text, std::uint32_t offset) {
  Located at{1, 1};
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(text.size()));
  for (std::uint32_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
  }
  return at;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

struct Issue {
  std::string severity = "error";
  std::string type;  // OperationOutcome issue code: invalid, not-found, business-rule, incomplete, …
  std::string code;  // covcheck's `stage.what`
  std::string message;
  std::string expression;
  Located at;
};

std::string outcome_body(const std::vector<Issue>& issues) {
  JsonWriter w(false);
  w.begin_object().member("resourceType", "OperationOutcome").key("issue").begin_array();
  for (const Issue& i : issues) {
    w.begin_object().member("severity", i.severity).member("code", i.type);
    w.key("details").begin_object().key("coding").begin_array();
    w.begin_object().member("system", "urn:covcheck:diagnostic").member("code", i.code).end_object();
    w.end_array().member("text", i.message).end_object();
    std::string where = i.at.line ? fmt::format("request:{}:{}: ", i.at.line, i.at.column) : "";
    w.member("diagnostics", fmt::format("{}{}: {} [{}]", where, i.severity, i.message, i.code));
    if (!i.expression.empty()) w.key("expression").begin_array().value(i.expression).end_array();
    if (i.at.line)
      w.key("location").begin_array().value(fmt::format("line {}, column {}", i.at.line, i.at.column)).end_array();
    w.end_object();
  }
  w.end_array().end_object();
  return w.str() + "\n";
}

// A diagnostic about an order's bundle, in the request's terms: `Bundle.entry[k].resource`
// becomes the resource's path in the request, offsets its line:col in the request body.
Issue issue_of(const dsl::Diagnostic& d, std::string_view request, const std::vector<BundleEntry>& entries) {
  Issue i;
  i.severity = d.severity == dsl::Severity::error ? "error" : "warning";
  i.code = d.code;
  i.message = d.message;
  i.type = d.code == "case.unknown_payer"                                   ? "not-supported"
           : d.code.rfind("fhir.", 0) == 0 || d.code.rfind("case.", 0) == 0 ? "invalid"
                                                                            : "processing";
  for (std::size_t k = entries.size(); k-- > 0;) {
    std::string from = fmt::format("Bundle.entry[{}].resource", k);
    std::string to = entries[k].resource ? entries[k].resource->path : "QuestionnaireResponse";
    replace_all(i.message, from, to);
  }
  // The FHIR path: the first backquoted path in the message, else the note naming one.
  auto path_in = [](std::string_view s) -> std::string {
    for (std::string_view root : {"context.", "prefetch.", "QuestionnaireResponse"}) {
      std::size_t at = s.find(std::string("`") + std::string(root));
      if (at == std::string_view::npos) continue;
      std::size_t end = s.find('`', at + 1);
      return std::string(s.substr(at + 1, end == std::string_view::npos ? std::string_view::npos : end - at - 1));
    }
    return "";
  };
  i.expression = path_in(i.message);
  for (const dsl::DiagnosticNote& n : d.notes) {
    if (!i.expression.empty()) break;
    std::string note = n.message;
    for (std::size_t k = entries.size(); k-- > 0;)
      replace_all(note, fmt::format("Bundle.entry[{}].resource", k),
                  entries[k].resource ? entries[k].resource->path : "QuestionnaireResponse");
    i.expression = path_in(note);
  }
  if (d.field && i.expression.empty()) i.expression = *d.field;
  if (d.span.file != dsl::no_file)
    for (const BundleEntry& e : entries)
      if (e.resource && !e.resource->fetched && d.span.begin >= e.offset && d.span.begin < e.offset + e.length) {
        i.at = locate(request, e.resource->pos + (d.span.begin - e.offset));
        break;
      }
  return i;
}

bool has_code(const dsl::Diagnostics& ds, std::string_view code) {
  for (const dsl::Diagnostic& d : ds.items())
    if (d.code == code) return true;
  return false;
}

// `00000000-0000-0000-0000-000000000000` from a hex digest.
std::string uuid_of(std::string_view hex) {
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                     hex.substr(20, 12));
}

// The order written back with the coverage information as its last extension (an earlier
// coverage-information of the order is replaced).
std::string order_with(const ResourceText& order, std::string_view extension) {
  std::string out = "{";
  bool first = true;
  for (std::string_view m : order.members) {
    if (!first) out += ',';
    first = false;
    out += m;
  }
  out += first ? "\"extension\":[" : ",\"extension\":[";
  for (const auto& [url, raw] : order.extensions) {
    if (url == coverage_information_url) continue;
    out += raw;
    out += ',';
  }
  out += extension;
  out += "]}";
  return out;
}

std::string words_for_order(const ResourceText& o) {
  if (!o.display.empty()) return o.display;
  return fmt::format("{} {}", o.type, o.id);
}

}  // namespace

std::string operation_outcome(std::string_view code, std::string_view issue_type, std::string_view message,
                              std::string_view expression) {
  Issue i;
  i.code = code;
  i.type = issue_type;
  i.message = message;
  i.expression = expression;
  return outcome_body({i});
}

std::string discovery_json() {
  JsonWriter w(true);
  w.begin_object().key("services").begin_array();
  for (Hook h : every_hook) {
    w.begin_object().member("hook", hook_name(h)).member("id", fmt::format("covcheck-{}", hook_name(h)));
    w.member("title", fmt::format("covcheck coverage requirements ({})", hook_name(h)));
    w.member("description",
             "Coverage Requirements Discovery from published payer criteria: coverage, prior authorization, the "
             "facts still missing and a questionnaire for them, for each ketamine or esketamine order");
    w.key("prefetch").begin_object();
    for (const PrefetchKey& k : prefetch_keys(h)) w.member(k.key, k.query);
    w.end_object();
    w.key("usageRequirements")
        .value("Send `patient` and `coverage` prefetch (or a FHIR server and token to fetch them).");
    w.key("extension").begin_object().key("davinci-crd.version").value("2.2.1").end_object();
    w.end_object();
  }
  w.end_array().end_object();
  return w.str() + "\n";
}

std::string fill_prefetch_query(const HookRequest& request, std::string_view query) {
  std::string q(query);
  std::string practitioner = request.user_id;
  if (std::size_t slash = practitioner.find('/'); slash != std::string::npos) practitioner.erase(0, slash + 1);
  replace_all(q, "{{context.patientId}}", request.patient_id);
  replace_all(q, "{{userPractitionerId}}", practitioner);
  replace_all(q, "{{context.userId}}", request.user_id);
  replace_all(q, "{{context.order}}", request.dispatched_order);
  return q;
}

HookAnswer answer_hook(DecisionSession& session, Hook hook, std::string_view body, const HookSettings& settings,
                       HookScratch* scratch) {
  HookAnswer answer;
  auto read = read_hook_request(body, hook, scratch ? &scratch->parser : nullptr);
  if (auto* problem = std::get_if<HookProblem>(&read)) {
    Issue i;
    i.code = problem->code;
    i.type = "invalid";
    i.message = problem->message;
    i.expression = problem->expression;
    i.at = locate(body, problem->pos);
    answer.status = problem->status;
    answer.body = outcome_body({i});
    return answer;
  }
  HookRequest& request = std::get<HookRequest>(read);

  // Prefetch the request left out: fetched from its FHIR server when it gave one and a token.
  std::deque<std::string> fetched;
  if (!request.absent_prefetch.empty() && settings.fetch && !request.fhir_server.empty() && request.access_token) {
    // The keys the case cannot be read without first.
    std::stable_partition(request.absent_prefetch.begin(), request.absent_prefetch.end(), [&](const std::string& key) {
      return std::find(request.missing_prefetch.begin(), request.missing_prefetch.end(), key) !=
             request.missing_prefetch.end();
    });
    for (const std::string& key : request.absent_prefetch) {
      if (key == "order" && request.dispatched_order.empty()) continue;
      const auto& keys = prefetch_keys(hook);
      auto k = std::find_if(keys.begin(), keys.end(), [&](const PrefetchKey& p) { return p.key == key; });
      std::optional<std::string> got = settings.fetch(request, fill_prefetch_query(request, k->query));
      if (!got) break;  // a server that failed once is not asked again: the wait stays one timeout
      fetched.push_back(std::move(*got));
      ResourceText r;
      r.json = fetched.back();
      r.fetched = true;
      r.path = fmt::format("prefetch.{}", key);
      auto parsed = read_hook_request(
          fmt::format(
              R"({{"hook":"order-sign","hookInstance":"fetch","context":{{"patientId":"p","draftOrders":{{"resourceType":"Bundle"}}}},"prefetch":{{"x":{}}}}})",
              fetched.back()),
          Hook::order_sign);
      HookRequest* one = std::get_if<HookRequest>(&parsed);
      if (!one || one->context.empty()) continue;
      r.type = one->context.front().type;
      r.id = one->context.front().id;
      for (const std::string& c : one->active_coverages) request.active_coverages.push_back(c);
      if (key == "order") {
        // The dispatched order is answered like a draft one; its text lives in `fetched`.
        r.based_on = one->context.front().based_on;
        r.display = one->context.front().display;
        request.orders.push_back(r);
      } else {
        request.context.push_back(r);
      }
      request.missing_prefetch.erase(std::remove(request.missing_prefetch.begin(), request.missing_prefetch.end(), key),
                                     request.missing_prefetch.end());
    }
  }
  if (!request.missing_prefetch.empty()) {
    std::string keys;
    for (const std::string& k : request.missing_prefetch) keys += (keys.empty() ? "" : ", ") + k;
    answer.status = 412;
    answer.body = operation_outcome("crd.missing_prefetch", "incomplete",
                                    fmt::format("the request has no prefetch for {} and its data could not be fetched "
                                                "from `fhirServer`",
                                                keys),
                                    "prefetch." + request.missing_prefetch.front());
    return answer;
  }

  std::vector<std::size_t> answered;
  for (std::size_t i = 0; i < request.orders.size(); ++i) {
    const ResourceText& o = request.orders[i];
    if (!order_in_scope(o) || folded_into(request, i)) continue;
    if (!request.selections.empty() &&
        std::find(request.selections.begin(), request.selections.end(), reference_of(o)) == request.selections.end())
      continue;
    answered.push_back(i);
  }
  if (!answered.empty()) {
    if (request.active_coverages.empty()) {
      answer.status = 400;
      answer.body = operation_outcome("crd.no_active_coverage", "invalid",
                                      "the request holds no active Coverage for the patient", "prefetch.coverage");
      return answer;
    }
    if (request.active_coverages.size() > 1) {
      answer.status = 400;
      answer.body =
          operation_outcome("crd.several_coverages", "invalid",
                            fmt::format("`{}` and `{}` are both active Coverages; send the one the order is billed to",
                                        request.active_coverages[0], request.active_coverages[1]),
                            "prefetch.coverage");
      return answer;
    }
  }

  std::string actions, cards;
  std::vector<BundleEntry> entries;
  for (std::size_t i : answered) {
    const ResourceText& o = request.orders[i];
    std::string bundle = order_bundle(request, i, {}, &entries);
    CaseInput input;
    input.text = bundle;
    input.name = "request";
    input.format = "fhir";
    SessionOptions options;
    options.locate_warnings = false;  // the answer shows none of the bundle's warnings
    CaseOutcome& outcome = session.decide(input, options);
    std::string payer_name = outcome.payer ? outcome.payer->name : "";
    std::string order_ref = reference_of(o);
    if (has_code(outcome.diagnostics, "fhir.no_order")) {
      // A request the rules do not decide (another drug, another service): the card says so.
      CardInput in{
          order_ref, words_for_order(o), payer_name, uuid_of(digest_hex({request.hook_instance, order_ref})), {}};
      JsonWriter w(false, cards);
      if (!cards.empty()) cards += ',';
      write_out_of_scope_card(w, in, "covcheck's rules decide ketamine and esketamine services");
      continue;
    }
    if (!outcome.determination) {
      std::vector<Issue> issues;
      for (const dsl::Diagnostic& d : outcome.diagnostics.items())
        if (d.severity == dsl::Severity::error) issues.push_back(issue_of(d, body, entries));
      if (outcome.undecidable)
        issues.push_back(Issue{"error",
                               "business-rule",
                               "crd.undecidable",
                               "no policy of the payer is in force on the date of service",
                               "",
                               {}});
      answer.status = outcome.undecidable ? 422 : 400;
      answer.body = outcome_body(issues);
      answer.questionnaires.clear();
      answer.audit_records.clear();  // no decision was served
      return answer;
    }
    const Determination& d = *outcome.determination;
    AssertionInput in;
    in.coverage = request.active_coverages.front();
    in.date = settings.today;
    // The digest of the case the bundle became: `covcheck fhir2case` of the same bundle, and
    // its YAML, give the same one, so `covcheck replay` finds this decision's audit record.
    in.case_digest = case_digest(session.last_case(), session.program().schema());
    in.order = order_ref;
    const PolicyRef* policy = nullptr;
    for (const PolicyRef& p : d.policies)
      if (p.kind == "policy") {
        policy = &p;
        break;
      }
    PolicyInfo info;
    if (policy && settings.policy_info) info = settings.policy_info(*policy);
    in.expiry_date = info.effective_to;
    if (info.text_path && !settings.public_url.empty()) in.policy_url = settings.public_url + *info.text_path;
    if (d.decision == Decision::pend && !d.missing.empty()) {
      StoredQuestionnaire q;
      q.id = questionnaire_id(d);
      std::string url = settings.public_url + "/fhir/Questionnaire/" + q.id;
      // The same pend asks the same questions: an EHR signing order after order gets the
      // stored questionnaire, written once (it was a tenth of a request's work).
      if (!settings.questionnaire_known || !settings.questionnaire_known(q.id)) {
        JsonWriter qw(true, q.json);
        write_questionnaire(qw, d, session.program().schema(), q.id, url);
        q.json += "\n";
        answer.questionnaires.push_back(std::move(q));
      }
      in.questionnaire = url;
    }
    CoverageInformation ci = assess(d, in);
    if (settings.audit) {
      AuditContext context = *settings.audit;
      context.answer_id = ci.assertion_id;
      answer.audit_records.push_back(make_audit_record(context, d, session.last_case(), session.program()));
    }
    std::string extension;
    {
      JsonWriter w(false, extension);
      write_coverage_information(w, ci);
    }
    if (!actions.empty()) actions += ',';
    {
      std::string description;
      JsonWriter::escape(description, fmt::format("coverage information for {}", order_ref));
      actions +=
          "{\"type\":\"update\",\"description\":" + description + ",\"resource\":" + order_with(o, extension) + "}";
    }
    ++answer.actions;
    CardInput card{order_ref, words_for_order(o), payer_name, uuid_of(digest_hex({ci.assertion_id, order_ref})), {}};
    if (!settings.public_url.empty()) {
      if (in.policy_url) card.links.push_back({"Policy text", *in.policy_url});
      card.links.push_back({"Pre-screening page", settings.public_url + "/"});
    }
    if (!cards.empty()) cards += ',';
    JsonWriter w(false, cards);
    write_card(w, d, ci, card);
  }
  answer.body = "{\"cards\":[" + cards + "],\"systemActions\":[" + actions + "]}\n";
  return answer;
}

}  // namespace covcheck::engine::crd
