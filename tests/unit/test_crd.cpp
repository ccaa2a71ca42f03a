// The CDS Hooks / Da Vinci CRD service (engine/crd, server/cds_hooks_routes.cpp): reading
// hook requests, the coverage-information extension against the IG's invariants crd-ci-q1…q9
// (checked on the written JSON by a checker of this file, itself tried on the Inferno
// examples), cards, questionnaires and their answers, errors, the Inferno fixtures, and the
// server routes with prefetch fetched from a loopback FHIR server.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <mutex>

#include <fmt/format.h>
#include <httplib.h>

#include "engine/audit/case_digest.hpp"
#include "engine/cases/fhir/json_tree.hpp"
#include "engine/crd/card.hpp"
#include "engine/crd/coverage_information.hpp"
#include "engine/crd/hook_service.hpp"
#include "engine/crd/questionnaire.hpp"
#include "engine/session/rule_source.hpp"
#include "server/service.hpp"

namespace fs = std::filesystem;
using namespace covcheck;
using namespace covcheck::engine;
using engine::fhir::member;
using engine::fhir::string_of;
using NodeKind = YamlNode::Kind;

namespace {

std::string repo(const std::string& relative) { return (fs::path(COVCHECK_SOURCE_DIR) / relative).string(); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The shipped registry, compiled once for this file's tests.
struct Registry {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  RuleSource rules;
  Registry() { rules = load_rule_source({repo("rules")}, sources, diagnostics); }
};
Registry& registry() {
  static Registry r;
  REQUIRE(r.rules.registry);
  return r;
}

struct Json {
  YamlTree tree;
  const YamlNode& root() const { return tree.nodes[tree.root]; }
};
Json parse(std::string_view text) {
  Json j;
  auto problem = fhir::parse_json_tree(text, j.tree);
  INFO(text);
  REQUIRE_FALSE(problem);
  return j;
}
const YamlNode* get(const Json& j, const YamlNode* n, std::string_view key) {
  return n && n->kind == NodeKind::mapping ? member(j.tree, *n, key) : nullptr;
}
std::vector<const YamlNode*> items(const Json& j, const YamlNode* n) {
  std::vector<const YamlNode*> out;
  if (n && n->kind == NodeKind::sequence)
    for (std::uint32_t i = 0; i < n->count; ++i) out.push_back(&fhir::element(j.tree, *n, i));
  return out;
}

// The IG's invariants over one coverage-information extension, read from JSON: the list of
// those that fail (empty when it conforms). Required sub-extensions and codes from the
// required value sets are checked too.
std::vector<std::string> ci_problems(const Json& j, const YamlNode& ext) {
  std::multimap<std::string, std::string> sub;  // url -> code or text
  for (const YamlNode* s : items(j, get(j, &ext, "extension"))) {
    std::string url(string_of(j.tree, get(j, s, "url")).value_or(""));
    std::string value;
    if (auto code = string_of(j.tree, get(j, s, "valueCode"))) value = *code;
    if (const YamlNode* cc = get(j, s, "valueCodeableConcept"))
      value = std::string(string_of(j.tree, get(j, cc, "text")).value_or(""));
    if (auto d = string_of(j.tree, get(j, s, "valueDate"))) value = *d;
    if (auto str = string_of(j.tree, get(j, s, "valueString"))) value = *str;
    sub.emplace(url, value);
  }
  auto has = [&](const std::string& url) { return sub.count(url) > 0; };
  auto any = [&](const std::string& url, const std::string& v) {
    auto [b, e] = sub.equal_range(url);
    for (auto it = b; it != e; ++it)
      if (it->second == v) return true;
    return false;
  };
  std::vector<std::string> p;
  for (const char* required : {"coverage", "covered", "date", "coverage-assertion-id"})
    if (sub.count(required) != 1) p.push_back(std::string("cardinality ") + required);
  auto in = [&](const std::string& url, std::initializer_list<const char*> codes) {
    auto [b, e] = sub.equal_range(url);
    for (auto it = b; it != e; ++it)
      if (std::none_of(codes.begin(), codes.end(), [&](const char* c) { return it->second == c; }))
        p.push_back("binding " + url + " " + it->second);
  };
  in("covered", {"covered", "not-covered", "conditional"});
  in("pa-needed", {"no-auth", "auth-needed", "satisfied", "performpa", "conditional"});
  in("doc-needed", {"clinical", "admin", "patient", "conditional"});
  in("doc-purpose", {"withpa", "withclaim", "withorder", "retain-doc", "OTH"});
  in("info-needed", {"performer", "location", "timeframe", "contract-window", "detail-code", "OTH"});
  bool conditional =
      any("covered", "conditional") || any("pa-needed", "conditional") || any("doc-needed", "conditional");
  if ((has("questionnaire") || has("response")) && (!has("doc-needed") || any("doc-needed", "no-doc")))
    p.push_back("crd-ci-q1");
  if (any("covered", "not-covered") && has("pa-needed")) p.push_back("crd-ci-q2");
  if (has("info-needed") != conditional) p.push_back("crd-ci-q3");
  if ((any("pa-needed", "satisfied") || any("pa-needed", "no-auth")) && any("doc-purpose", "withpa"))
    p.push_back("crd-ci-q4");
  if (any("pa-needed", "satisfied") != has("satisfied-pa-id")) p.push_back("crd-ci-q5");
  if (any("info-needed", "OTH") && !has("reason")) p.push_back("crd-ci-q6");
  if (any("reason", "")) p.push_back("crd-ci-q7");
  bool purpose = false;
  for (auto [b, e] = sub.equal_range("doc-purpose"); b != e; ++b) purpose = purpose || b->second != "conditional";
  if (purpose && !has("reason")) p.push_back("crd-ci-q8");
  if ((any("covered", "indeterminate") || any("pa-needed", "indeterminate") || any("doc-needed", "indeterminate")) &&
      !has("reason"))
    p.push_back("crd-ci-q9");
  return p;
}

// Every coverage-information extension of a hook answer's system actions.
std::vector<const YamlNode*> coverage_extensions(const Json& j) {
  std::vector<const YamlNode*> out;
  for (const YamlNode* a : items(j, get(j, &j.root(), "systemActions")))
    for (const YamlNode* e : items(j, get(j, get(j, a, "resource"), "extension")))
      if (string_of(j.tree, get(j, e, "url")) == std::optional<std::string_view>(crd::coverage_information_url))
        out.push_back(e);
  return out;
}

std::string sub_value(const Json& j, const YamlNode& ext, std::string_view url) {
  for (const YamlNode* s : items(j, get(j, &ext, "extension")))
    if (string_of(j.tree, get(j, s, "url")) == std::optional<std::string_view>(url)) {
      for (const char* key : {"valueCode", "valueCanonical", "valueDate", "valueString"})
        if (auto v = string_of(j.tree, get(j, s, key))) return std::string(*v);
      if (const YamlNode* r = get(j, s, "valueReference"))
        return std::string(string_of(j.tree, get(j, r, "reference")).value_or(""));
    }
  return "";
}

crd::HookSettings settings() {
  crd::HookSettings s;
  s.today = "2026-03-01";
  s.public_url = "https://covcheck.example";
  s.policy_info = [](const PolicyRef& p) {
    return crd::PolicyInfo{"2026-12-31", "/v1/policies/" + p.name + "/" + p.version + "/files/policy.cpl"};
  };
  return s;
}

// The esketamine order of tests/data/fhir as an EHR's order-sign request.
std::string esketamine_hook() {
  std::string out = (fs::temp_directory_path() / ("covcheck-crd-" + std::to_string(::getpid()) + ".json")).string();
  std::string cmd = "python3 " + repo("tests/crd/bundle_to_hook.py") + " " +
                    repo("tests/data/fhir/esketamine_order.json") + " " + out;
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::string text = read_file(out);
  fs::remove(out);
  return text;
}

crd::HookAnswer ask(const std::string& body, crd::Hook hook = crd::Hook::order_sign, crd::HookSettings s = settings()) {
  Registry& r = registry();
  auto session = r.rules.session(r.sources);
  return crd::answer_hook(*session, hook, body, s);
}

void replace(std::string& s, const std::string& from, const std::string& to, const std::string& after = "") {
  std::size_t at = s.find(from, after.empty() ? 0 : s.find(after));
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the invariant checker accepts the IG's covered example and finds q8 in the conditional one", "[crd]") {
  for (auto [file, expected] :
       {std::pair{"coverage_info_system_action_covered.json", std::vector<std::string>{}},
        std::pair{"coverage_info_system_action_conditional.json", std::vector<std::string>{"crd-ci-q8"}}}) {
    Json j = parse(read_file(repo(std::string("tests/data/crd/") + file)));
    const YamlNode* ext = items(j, get(j, get(j, &j.root(), "resource"), "extension")).at(0);
    INFO(file);
    CHECK(ci_problems(j, *ext) == expected);
  }
}

TEST_CASE("coverage-information keeps crd-ci-q1..q9 for every kind of determination", "[crd]") {
  auto with = [](Decision decision, std::optional<bool> pa, std::vector<std::string> missing, bool decisive) {
    Determination d;
    d.decision = decision;
    d.prior_auth = pa;
    d.policies.push_back({"policy", "acme", "2026.1", "sha256:00"});
    for (const std::string& m : missing) d.missing.push_back({m, {"acme.rule"}});
    if (decisive) d.reasons.push_back({"acme.rule", "deny", "two trials are required", true, "§3", {}});
    return d;
  };
  std::vector<Determination> all = {
      with(Decision::covered, false, {}, false),
      with(Decision::covered, true, {}, true),
      with(Decision::covered, std::nullopt, {"request.type"}, false),
      with(Decision::denied, true, {}, true),
      with(Decision::excluded, std::nullopt, {}, false),
      with(Decision::pend, true, {"treatments[0].adequate_dose", "request.site"}, false),
      with(Decision::pend, false, {"plan.riders"}, false),
      with(Decision::pend, std::nullopt, {}, true),  // a `pend` rule: only a reviewer settles it
      with(Decision::pend, std::nullopt, {"request.prescriber_specialty", "date_of_service"}, false),
  };
  all[1].authorization = Authorization{std::nullopt, 6, 8};
  all[1].requirements.push_back({"letter_of_medical_necessity", "missing", "acme.rule"});
  for (const Determination& d : all) {
    crd::AssertionInput in{
        "Coverage/c1",         "2026-03-01", "00", "2026-12-31", "https://q.example/Questionnaire/x", {},
        "MedicationRequest/m1"};
    crd::CoverageInformation ci = crd::assess(d, in);
    JsonWriter w(false);
    crd::write_coverage_information(w, ci);
    Json j = parse(w.str());
    INFO(w.str());
    CHECK(ci_problems(j, j.root()).empty());
    CHECK(sub_value(j, j.root(), "covered") == (d.decision == Decision::covered ? "covered"
                                                : d.decision == Decision::pend  ? "conditional"
                                                                                : "not-covered"));
    CHECK(sub_value(j, j.root(), "coverage") == "Coverage/c1");
    // pa-needed is always said unless not covered (STU 2.0's reading of q2 holds too).
    CHECK(sub_value(j, j.root(), "pa-needed").empty() ==
          (d.decision == Decision::denied || d.decision == Decision::excluded));
    CHECK(sub_value(j, j.root(), "expiry-date") == "2026-12-31");
    // A questionnaire exactly when facts are missing and coverage is still open.
    CHECK(!sub_value(j, j.root(), "questionnaire").empty() ==
          (!d.missing.empty() && d.decision != Decision::denied && d.decision != Decision::excluded));
  }
  // Order details become info-needed codes, documentation doc-needed.
  crd::CoverageInformation ci = crd::assess(
      all[8], {"Coverage/c1", "2026-03-01", "00", std::nullopt, std::nullopt, std::nullopt, "MedicationRequest/m1"});
  CHECK(ci.info_needed == std::vector<std::string>{"performer", "timeframe"});
  CHECK(ci.pa_needed == "conditional");
  CHECK(crd::assess(all[6], {}).doc_needed == std::vector<std::string>{"admin"});
  CHECK(crd::assess(all[1], {}).details.size() == 3);  // the decisive criterion, 8 units, 6 months
  // Billing codes: those a met coding criterion read; none for a case that is not covered.
  ChecklistEntry coding{"coding", "acme.codes", "Codes", std::nullopt, "true", {}};
  coding.criteria.push_back({std::nullopt, "J0013 and G2082", "met", {{"request.hcpcs", "[J0013, G2082]"}}, {}});
  coding.criteria.push_back({std::nullopt, "an office visit", "not_met", {{"request.cpt", "[99213]"}}, {}});
  all[0].checklist.push_back(coding);
  all[3].checklist.push_back(coding);
  auto billed = crd::assess(all[0], {}).billing_codes;
  CHECK(billed == std::vector<std::pair<std::string, std::string>>{{std::string(crd::hcpcs_system), "J0013"},
                                                                   {std::string(crd::hcpcs_system), "G2082"}});
  CHECK(crd::assess(all[3], {}).billing_codes.empty());
}

TEST_CASE("the assertion id is a digest of the case and the policies", "[crd]") {
  Determination d;
  d.policies.push_back({"policy", "acme", "2026.1", "sha256:aa"});
  std::string a = crd::assertion_id(d, "case1", "MedicationRequest/m1");
  CHECK(a.size() == 64);
  CHECK(a == crd::assertion_id(d, "case1", "MedicationRequest/m1"));
  CHECK(a != crd::assertion_id(d, "case2", "MedicationRequest/m1"));
  CHECK(a != crd::assertion_id(d, "case1", "MedicationRequest/m2"));
  d.policies[0].digest = "sha256:bb";
  CHECK(a != crd::assertion_id(d, "case1", "MedicationRequest/m1"));
}

TEST_CASE("card summaries stay under 140 characters, in whole UTF-8 characters", "[crd]") {
  crd::CoverageInformation ci;
  ci.covered = "conditional";
  ci.pa_needed = "auth-needed";
  crd::CardInput in{
      "MedicationRequest/x", std::string(200, 'e') + "é", "Blue Cross and Blue Shield of Alabama", "u", {}};
  std::string s = crd::card_summary(ci, in);
  CHECK(s.size() < 140);
  CHECK(s.substr(s.size() - 3) == "...");
  in.service = "esketamine";
  CHECK(crd::card_summary(ci, in) ==
        "Blue Cross and Blue Shield of Alabama: esketamine coverage depends on missing information, prior "
        "authorization needed");
}

TEST_CASE("questionnaire items are typed from the schema", "[crd]") {
  const dsl::Schema& schema = registry().rules.schema_program().schema();
  CHECK(crd::item_type(schema, "treatments[1].adequate_dose") == "boolean");
  CHECK(crd::item_type(schema, "treatments[1].outcome") == "choice");
  CHECK(crd::item_type(schema, "treatments[0].start") == "date");
  CHECK(crd::item_type(schema, "request.sessions") == "integer");
  CHECK(crd::item_type(schema, "request.monitoring_hours") == "decimal");
  CHECK(crd::item_type(schema, "diagnoses[0].code") == "string");
  CHECK(crd::item_type(schema, "treatments") == "display");  // records: the EHR sends MedicationStatements
  CHECK(crd::item_type(schema, "conditions") == "choice");
  CHECK(crd::item_type(schema, "clinical.psychosis_history") == "boolean");
  CHECK(crd::item_type(schema, "patient.age") == "display");  // derived: never asked
  CHECK(crd::item_type(schema, "no.such.field") == "display");
}

TEST_CASE("discovery names the four hooks with their prefetch", "[crd]") {
  Json j = parse(crd::discovery_json());
  std::vector<std::string> hooks;
  for (const YamlNode* s : items(j, get(j, &j.root(), "services"))) {
    hooks.emplace_back(string_of(j.tree, get(j, s, "hook")).value_or(""));
    const YamlNode* prefetch = get(j, s, "prefetch");
    CHECK(string_of(j.tree, get(j, prefetch, "patient")) ==
          std::optional<std::string_view>("Patient/{{context.patientId}}"));
    CHECK(string_of(j.tree, get(j, prefetch, "coverage")) ==
          std::optional<std::string_view>("Coverage?patient={{context.patientId}}&status=active"));
    CHECK(get(j, get(j, s, "extension"), "davinci-crd.version"));
  }
  CHECK(hooks == std::vector<std::string>{"order-sign", "order-select", "order-dispatch", "appointment-book"});
}

TEST_CASE("a questionnaire the caller's store holds is referenced, not written again", "[crd]") {
  std::string body = esketamine_hook();
  crd::HookAnswer first = ask(body);
  REQUIRE(first.status == 200);
  REQUIRE(first.questionnaires.size() == 1);
  std::vector<std::string> asked;
  crd::HookSettings s = settings();
  s.questionnaire_known = [&](const std::string& id) {
    asked.push_back(id);
    return id == first.questionnaires[0].id;
  };
  crd::HookAnswer again = ask(body, crd::Hook::order_sign, s);
  REQUIRE(again.status == 200);
  CHECK(asked == std::vector<std::string>{first.questionnaires[0].id});
  CHECK(again.questionnaires.empty());
  // The answer is the same, questionnaire link included.
  CHECK(again.body == first.body);
  // A store without it gets it written.
  s.questionnaire_known = [](const std::string&) { return false; };
  crd::HookAnswer unknown = ask(body, crd::Hook::order_sign, s);
  REQUIRE(unknown.questionnaires.size() == 1);
  CHECK(unknown.questionnaires[0].json == first.questionnaires[0].json);
}

TEST_CASE("an esketamine order-sign pends with a questionnaire, and its answers settle it", "[crd]") {
  std::string body = esketamine_hook();
  crd::HookAnswer a = ask(body);
  REQUIRE(a.status == 200);
  Json j = parse(a.body);
  auto exts = coverage_extensions(j);
  REQUIRE(exts.size() == 1);  // the administration ServiceRequest is part of the drug order
  CHECK(ci_problems(j, *exts[0]).empty());
  CHECK(sub_value(j, *exts[0], "covered") == "conditional");
  CHECK(sub_value(j, *exts[0], "pa-needed") == "auth-needed");
  CHECK(sub_value(j, *exts[0], "coverage") == "Coverage/cov1");
  REQUIRE(a.questionnaires.size() == 1);
  CHECK(sub_value(j, *exts[0], "questionnaire") ==
        "https://covcheck.example/fhir/Questionnaire/" + a.questionnaires[0].id);
  auto cards = items(j, get(j, &j.root(), "cards"));
  REQUIRE(cards.size() == 1);
  CHECK(string_of(j.tree, get(j, cards[0], "indicator")) == std::optional<std::string_view>("warning"));
  CHECK(string_of(j.tree, get(j, cards[0], "summary"))->size() < 140);
  CHECK(items(j, get(j, cards[0], "links")).size() == 2);

  // Answer every item (adequate doses, failed trials, an office, none of the conditions, …).
  Json q = parse(a.questionnaires[0].json);
  std::string answers;
  for (const YamlNode* item : items(q, get(q, &q.root(), "item"))) {
    std::string link(string_of(q.tree, get(q, item, "linkId")).value_or(""));
    std::string type(string_of(q.tree, get(q, item, "type")).value_or(""));
    std::string value;
    if (type == "boolean") value = R"("valueBoolean": true)";
    if (type == "integer") value = link == "request.period_days" ? R"("valueInteger": 28)" : R"("valueInteger": 1)";
    if (type == "decimal") value = R"("valueDecimal": 2)";
    if (type == "date") value = R"("valueDate": "2025-06-01")";
    if (type == "string") value = R"("valueString": "answered")";
    if (type == "choice") {
      auto options = items(q, get(q, item, "answerOption"));
      const YamlNode* pick = get(q, item, "repeats") ? options.back() : options.front();
      const YamlNode* coding = get(q, pick, "valueCoding");
      value = fmt::format(R"("valueCoding": {{"system": "{}", "code": "{}"}})",
                          string_of(q.tree, get(q, coding, "system")).value_or(""),
                          string_of(q.tree, get(q, coding, "code")).value_or(""));
    }
    if (type == "display") continue;
    INFO(link << " " << type);
    REQUIRE_FALSE(value.empty());
    if (link == "request.rems_certified_site") value = R"("valueBoolean": true)";
    answers += fmt::format(R"({}{{"linkId": "{}", "answer": [{{{}}}]}})", answers.empty() ? "" : ",", link, value);
  }
  std::string qr = fmt::format(
      R"("questionnaireResponse": {{"resourceType": "QuestionnaireResponse", "id": "qr1", "status": "completed",
          "subject": {{"reference": "Patient/p1"}}, "item": [{}]}},)",
      answers);
  std::string answered = body;
  replace(answered, "\"prefetch\": {", "\"prefetch\": {" + qr);
  crd::HookAnswer b = ask(answered);
  REQUIRE(b.status == 200);
  Json k = parse(b.body);
  auto settled = coverage_extensions(k);
  REQUIRE(settled.size() == 1);
  CHECK(ci_problems(k, *settled[0]).empty());
  CHECK(sub_value(k, *settled[0], "covered") == "covered");
  CHECK(sub_value(k, *settled[0], "questionnaire").empty());
  CHECK(b.questionnaires.empty());

  // A wrong answer is an error naming the answer's place in the request.
  std::string wrong = answered;
  replace(wrong, R"("linkId": "request.period_days", "answer": [{"valueInteger": 28}])",
          R"("linkId": "request.period_days", "answer": [{"valueString": "four weeks"}])");
  crd::HookAnswer c = ask(wrong);
  CHECK(c.status == 400);
  Json e = parse(c.body);
  CHECK(string_of(e.tree, get(e, &e.root(), "resourceType")) == std::optional<std::string_view>("OperationOutcome"));
  const YamlNode* issue = items(e, get(e, &e.root(), "issue")).at(0);
  CHECK_THAT(std::string(string_of(e.tree, items(e, get(e, issue, "expression")).at(0)).value_or("")),
             Catch::StartsWith("prefetch.questionnaireResponse"));
  CHECK(items(e, get(e, issue, "location")).size() == 1);
}

TEST_CASE("hook errors are OperationOutcomes with the IG's statuses", "[crd]") {
  std::string body = esketamine_hook();
  auto status_and_code = [](const crd::HookAnswer& a) {
    Json j = parse(a.body);
    const YamlNode* issue = items(j, get(j, &j.root(), "issue")).at(0);
    const YamlNode* coding = items(j, get(j, get(j, issue, "details"), "coding")).at(0);
    return std::pair{a.status, std::string(string_of(j.tree, get(j, coding, "code")).value_or(""))};
  };
  CHECK(status_and_code(ask("{")) == std::pair{400, std::string("crd.syntax")});
  CHECK(status_and_code(ask("[]")) == std::pair{400, std::string("crd.not_an_object")});
  CHECK(status_and_code(ask(body, crd::Hook::order_select)) == std::pair{400, std::string("crd.wrong_hook")});

  std::string no_prefetch = body;
  replace(no_prefetch, "\"patient\": {", "\"unused\": {");
  CHECK(status_and_code(ask(no_prefetch)) == std::pair{412, std::string("crd.missing_prefetch")});

  std::string inactive = body;
  replace(inactive, R"("status": "active")", R"("status": "cancelled")", R"("resourceType": "Coverage")");
  CHECK(status_and_code(ask(inactive)) == std::pair{400, std::string("crd.no_active_coverage")});

  std::string unknown = body;
  replace(unknown, "\"name\": \"Acme Health\"", "\"name\": \"Nobody Mutual\"");
  CHECK(status_and_code(ask(unknown)) == std::pair{400, std::string("case.unknown_payer")});

  std::string bad_date = body;
  replace(bad_date, "\"birthDate\": \"1987-05-14\"", "\"birthDate\": \"1987-02-30\"");
  crd::HookAnswer a = ask(bad_date);
  CHECK(a.status == 400);
  Json j = parse(a.body);
  const YamlNode* issue = items(j, get(j, &j.root(), "issue")).at(0);
  CHECK(string_of(j.tree, items(j, get(j, issue, "expression")).at(0)) ==
        std::optional<std::string_view>("prefetch.patient(Patient/p1).birthDate"));
  // line:col in the request itself.
  std::size_t at = bad_date.find("\"1987-02-30\"");
  std::size_t line = 1 + std::count(bad_date.begin(), bad_date.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  CHECK_THAT(std::string(string_of(j.tree, get(j, issue, "diagnostics")).value_or("")),
             Catch::StartsWith(fmt::format("request:{}:", line)));
}

TEST_CASE("missing prefetch is fetched when the request names a FHIR server and a token", "[crd]") {
  std::string body = esketamine_hook();
  std::string patient_start = "\"patient\": {";
  std::size_t from = body.find(patient_start);
  std::size_t to = body.find("\n  },", from);  // the patient object ends the key's value
  REQUIRE(to != std::string::npos);
  std::string patient = body.substr(from + patient_start.size() - 1, to + 4 - (from + patient_start.size() - 1));
  std::string without = body;
  without.erase(from, to + 5 - from);
  replace(without, "\"fhirServer\"",
          R"("fhirAuthorization": {"access_token": "t0k3n", "token_type": "Bearer"}, "fhirServer")");
  std::vector<std::string> asked;
  crd::HookSettings s = settings();
  s.fetch = [&](const crd::HookRequest& r, std::string_view query) -> std::optional<std::string> {
    asked.emplace_back(query);
    CHECK(r.access_token == std::optional<std::string>("t0k3n"));
    if (query == "Patient/p1") return patient;
    return std::nullopt;
  };
  crd::HookAnswer a = ask(without, crd::Hook::order_sign, s);
  INFO(a.body);
  CHECK(a.status == 200);
  CHECK(std::find(asked.begin(), asked.end(), "Patient/p1") != asked.end());
  // Without a token nothing is fetched: 412.
  s.fetch = [&](const crd::HookRequest&, std::string_view) -> std::optional<std::string> { return patient; };
  std::string no_token = without;
  replace(no_token, R"("access_token": "t0k3n", )", "");
  CHECK(ask(no_token, crd::Hook::order_sign, s).status == 412);
}

TEST_CASE("orders the rules do not decide get a card saying so and no system action", "[crd]") {
  std::string body = esketamine_hook();
  replace(body, "\"code\": \"2201623\"", "\"code\": \"197361\"");  // amlodipine
  // Its administration's billing codes would name esketamine: a blood pressure cuff instead.
  replace(body, "\"code\": \"J0013\"", "\"code\": \"A4660\"");
  replace(body, "\"code\": \"G2082\"", "\"code\": \"A4660\"");
  crd::HookAnswer a = ask(body);
  REQUIRE(a.status == 200);
  Json j = parse(a.body);
  CHECK(coverage_extensions(j).empty());
  auto cards = items(j, get(j, &j.root(), "cards"));
  REQUIRE(cards.size() == 1);
  CHECK_THAT(std::string(string_of(j.tree, get(j, cards[0], "summary")).value_or("")),
             Catch::Contains("no coverage rules for this order"));
}

TEST_CASE("a hook writes one audit record per decided order, keyed by its coverage-assertion-id", "[crd][audit]") {
  crd::HookSettings s = settings();
  s.audit = AuditContext{"/cds-services/{id}", "", std::string("https://ehr.example"), std::nullopt, "test"};
  std::string body = esketamine_hook();
  crd::HookAnswer a = ask(body, crd::Hook::order_sign, s);
  REQUIRE(a.status == 200);
  Json j = parse(a.body);
  auto exts = coverage_extensions(j);
  REQUIRE(exts.size() == 1);
  REQUIRE(a.audit_records.size() == 1);
  const AuditRecord& r = a.audit_records[0];
  CHECK(r.answer_id == sub_value(j, *exts[0], "coverage-assertion-id"));
  CHECK(r.route == "/cds-services/{id}");
  CHECK(r.client == std::optional<std::string>("https://ehr.example"));
  CHECK(r.decision == "pend");
  CHECK(r.prior_auth == std::optional<bool>(true));
  // The record's digest is the case digest of the bundle the request came from, decided
  // alone: `covcheck fhir2case` of it replays against this record.
  Registry& reg = registry();
  auto session = reg.rules.session(reg.sources);
  std::string bundle = read_file(repo("tests/data/fhir/esketamine_order.json"));
  CaseInput in;
  in.text = bundle;
  in.name = "esketamine_order.json";
  in.format = "fhir";
  CaseOutcome& alone = session->decide(in, {});
  REQUIRE(alone.determination);
  CHECK(r.case_digest == case_digest(session->last_case(), session->program().schema()));
  // The assertion id is recomputed from the record's case digest and policies and the order.
  CHECK(r.answer_id == crd::assertion_id(*alone.determination, r.case_digest, "MedicationRequest/esk-covered"));
  CHECK(r.answer_id != crd::assertion_id(*alone.determination, r.case_digest, "MedicationRequest/other"));

  // No audit context, no records; orders the rules do not decide, none either.
  CHECK(ask(body).audit_records.empty());
  replace(body, "\"code\": \"2201623\"", "\"code\": \"197361\"");
  replace(body, "\"code\": \"J0013\"", "\"code\": \"A4660\"");
  replace(body, "\"code\": \"G2082\"", "\"code\": \"A4660\"");
  crd::HookAnswer out = ask(body, crd::Hook::order_sign, s);
  REQUIRE(out.status == 200);
  CHECK(out.audit_records.empty());
}

TEST_CASE("appointment-book and order-dispatch answer through the order they book or dispatch", "[crd]") {
  std::string body = esketamine_hook();
  Json request = parse(body);
  // The administration ServiceRequest, cut from the draft orders (without its `basedOn`).
  const YamlNode* entries =
      get(request, get(request, get(request, &request.root(), "context"), "draftOrders"), "entry");
  const YamlNode* admin = get(request, items(request, entries).at(1), "resource");
  REQUIRE(string_of(request.tree, get(request, admin, "id")) == std::optional<std::string_view>("admin1"));
  std::size_t end = body.find("\n     }\n    }\n   ]", admin->pos);
  REQUIRE(end != std::string::npos);
  std::string service_request = body.substr(admin->pos, end + 7 - admin->pos);
  std::size_t based = service_request.find("\"basedOn\"");
  REQUIRE(based != std::string::npos);
  service_request.replace(based, std::string_view("\"basedOn\"").size(), "\"partOf\"");

  std::string booked = body;
  replace(booked, "\"hook\": \"order-sign\"", "\"hook\": \"appointment-book\"");
  replace(booked, "\"draftOrders\"", R"("appointments": {"resourceType": "Bundle", "entry": [{"resource": {
    "resourceType": "Appointment", "id": "apt1", "status": "proposed", "start": "2026-03-02T09:00:00Z",
    "basedOn": [{"reference": "ServiceRequest/admin1"}],
    "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}]}}]},
    "unused")");
  replace(booked, "\"prefetch\": {", "\"prefetch\": {\"serviceRequest\": " + service_request + ",");
  crd::HookAnswer a = ask(booked, crd::Hook::appointment_book);
  INFO(a.body);
  REQUIRE(a.status == 200);
  Json j = parse(a.body);
  auto exts = coverage_extensions(j);
  REQUIRE(exts.size() == 1);
  CHECK(ci_problems(j, *exts[0]).empty());
  const YamlNode* resource = get(j, items(j, get(j, &j.root(), "systemActions")).at(0), "resource");
  CHECK(string_of(j.tree, get(j, resource, "resourceType")) == std::optional<std::string_view>("Appointment"));
  CHECK_FALSE(sub_value(j, *exts[0], "covered").empty());

  std::string dispatched = body;
  replace(dispatched, "\"hook\": \"order-sign\"", "\"hook\": \"order-dispatch\"");
  replace(dispatched, "\"draftOrders\"",
          R"("order": "ServiceRequest/admin1", "performer": "Organization/o1", "unused")");
  crd::HookAnswer missing = ask(dispatched, crd::Hook::order_dispatch);
  CHECK(missing.status == 412);  // the dispatched order itself is prefetch
  replace(dispatched, "\"prefetch\": {", "\"prefetch\": {\"order\": " + service_request + ",");
  crd::HookAnswer d = ask(dispatched, crd::Hook::order_dispatch);
  INFO(d.body);
  REQUIRE(d.status == 200);
  Json k = parse(d.body);
  REQUIRE(coverage_extensions(k).size() == 1);
  CHECK(ci_problems(k, *coverage_extensions(k)[0]).empty());
}

TEST_CASE("every Inferno hook request gets a well-formed answer or a well-formed error", "[crd]") {
  for (const auto& entry : fs::directory_iterator(repo("tests/data/crd"))) {
    std::string name = entry.path().filename().string();
    if (name.find("hook_request") == std::string::npos) continue;
    std::string body = read_file(entry.path().string());
    Json request = parse(body);
    std::string hook(string_of(request.tree, get(request, &request.root(), "hook")).value_or(""));
    INFO(name);
    for (crd::Hook service : crd::every_hook) {
      crd::HookAnswer a = ask(body, service);
      Json j = parse(a.body);
      if (a.status == 200) {
        CHECK(get(j, &j.root(), "cards"));
        for (const YamlNode* e : coverage_extensions(j)) CHECK(ci_problems(j, *e).empty());
      } else {
        CHECK((a.status == 400 || a.status == 412 || a.status == 422));
        CHECK(string_of(j.tree, get(j, &j.root(), "resourceType")) ==
              std::optional<std::string_view>("OperationOutcome"));
        CHECK_FALSE(items(j, get(j, &j.root(), "issue")).empty());
      }
      // The Inferno requests carry no prefetch: their own hook asks for it (412).
      if (hook == crd::hook_name(service)) CHECK(a.status == 412);
    }
  }
}

namespace {

// A FHIR server on a loopback port serving the Inferno examples, as an EHR's would.
struct LoopbackFhir {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::vector<std::string> authorizations;
  std::mutex mutex;
  LoopbackFhir() {
    auto resource = [](const std::string& file) { return read_file(repo("tests/data/crd/" + file)); };
    server.Get(R"(/r4/(.*))", [this, resource](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mutex);
        authorizations.push_back(req.get_header_value("Authorization"));
      }
      std::string path = req.matches[1];
      auto searchset = [](const std::string& type, const std::string& body) {
        return fmt::format(R"({{"resourceType": "Bundle", "type": "searchset",
          "link": [{{"relation": "self", "url": "{}?patient=example"}}], "entry": [{}]}})",
                           type, body.empty() ? "" : "{\"resource\": " + body + "}");
      };
      if (path == "Patient/example")
        return res.set_content(resource("crd_patient_example.json"), "application/fhir+json");
      if (path == "Coverage")
        return res.set_content(searchset("Coverage", resource("crd_coverage_example.json")), "application/fhir+json");
      if (path == "PractitionerRole")
        return res.set_content(searchset("PractitionerRole", resource("crd_practitioner_role_example.json")),
                               "application/fhir+json");
      if (path == "ServiceRequest/example")
        return res.set_content(resource("crd_service_request_example.json"), "application/fhir+json");
      std::string type = path.substr(0, path.find('/'));
      res.set_content(searchset(type, ""), "application/fhir+json");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~LoopbackFhir() {
    server.stop();
    thread.join();
  }
};

}  // namespace

TEST_CASE("serve answers the Inferno hooks, fetching prefetch from the EHR's FHIR server", "[crd][server]") {
  LoopbackFhir ehr;
  // A registry with the fixtures' payer beside Acme.
  fs::path dir = fs::temp_directory_path() / ("covcheck-crd-registry-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "payers.yaml") << "payers:\n  - id: payer-xyz\n    name: Payer XYZ\n    rules: [\""
                                     << repo("rules/acme") << "\"]\n";
  std::ostringstream log_text;
  server::AccessLog log(&log_text);
  server::ServiceOptions options;
  options.rules = {dir.string()};
  options.port = 0;
  options.public_url = "https://covcheck.example/";
  server::Service service(options, log);
  REQUIRE(service.load().ok);
  int port = service.bind();
  std::thread thread([&] { service.listen(); });
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);

  auto discovery = client.Get("/cds-services");
  REQUIRE(discovery);
  CHECK(discovery->status == 200);

  std::string fhir = fmt::format("http://127.0.0.1:{}/r4", ehr.port);
  for (const char* hook : {"order_sign", "order_select"}) {
    std::string body = read_file(repo(std::string("tests/data/crd/") + hook + "_hook_request.json"));
    replace(body, "https://example/r4", fhir);
    std::string id = std::string("covcheck-") + (std::string(hook) == "order_sign" ? "order-sign" : "order-select");
    auto res = client.Post(("/cds-services/" + id).c_str(), body, "application/json");
    REQUIRE(res);
    INFO(res->body);
    CHECK(res->status == 200);
    Json j = parse(res->body);
    // The pacemaker's patient has Payer XYZ; the draft MedicationRequest names no ketamine
    // service: a card says the rules do not decide it, and no system action claims coverage.
    CHECK(coverage_extensions(j).empty());
    auto cards = items(j, get(j, &j.root(), "cards"));
    REQUIRE(cards.size() == 1);
    CHECK_THAT(std::string(string_of(j.tree, get(j, cards[0], "summary")).value_or("")),
               Catch::Contains("Payer XYZ: no coverage rules"));
  }
  {
    std::lock_guard lock(ehr.mutex);
    REQUIRE_FALSE(ehr.authorizations.empty());
    CHECK(ehr.authorizations.front() == "Bearer SAMPLE_TOKEN");
  }
  // An unknown service, a wrong media type, a questionnaire nobody was given.
  CHECK(client.Post("/cds-services/nothing", "{}", "application/json")->status == 404);
  CHECK(client.Post("/cds-services/covcheck-order-sign", "{}", "text/plain")->status == 415);
  CHECK(client.Get("/fhir/Questionnaire/none")->status == 404);
  CHECK(client.Get("/cds-services/covcheck-order-sign")->status == 405);

  service.stop();
  thread.join();
  fs::remove_all(dir);
}
