// The answer's checklist and its plain words: statuses in both directions and unknown,
// sections from rule tags, every criterion listed after one has decided, sentences without
// rule code, evidence and missing facts as dotted 0-based paths.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "engine/cases/case_loader.hpp"
#include "engine/eval/plain_words.hpp"
#include "rule_text_fixture.hpp"

using namespace covcheck;

namespace {

const engine::ChecklistEntry* entry(const engine::Determination& d, const std::string& rule) {
  for (const auto& e : d.checklist)
    if (e.rule == rule) return &e;
  return nullptr;
}

const engine::ChecklistCriterion* criterion(const engine::ChecklistEntry& e, const std::string& cite) {
  for (const auto& c : e.criteria)
    if (c.cite && *c.cite == cite) return &c;
  return nullptr;
}

bool has_evidence(const engine::ChecklistCriterion& c, const std::string& field, const std::string& value) {
  return std::any_of(c.evidence.begin(), c.evidence.end(),
                     [&](const engine::Evidence& e) { return e.field == field && e.value == value; });
}

// No rule code in prose: no backquoted expression, no comparison operator.
bool plain(const std::string& text) {
  return text.find('`') == std::string::npos && text.find("==") == std::string::npos &&
         text.find(">=") == std::string::npos && text.find("<=") == std::string::npos;
}

testing::Pipeline acme() {
  const std::filesystem::path root(COVCHECK_SOURCE_DIR);
  return testing::Pipeline({(root / "rules/acme").string(), (root / "rules/mandates").string()});
}

// Esketamine prescribed by a nurse practitioner, the second trial's dose not stated, no
// claim submitted yet (§6 does not apply).
const std::string np_case = R"(id: esk-np
date_of_service: 2026-03-02
patient: {birth_date: 1987-05-14, sex: female, state: NY, pregnant: false, veteran: false}
plan: {payer: Acme Health, type: commercial, network: in, riders: []}
request:
  service: esketamine_nasal
  hcpcs: [J0013, G2082]
  site: office
  sessions: 8
  period_days: 28
  prescriber_specialty: psychiatric_nurse_practitioner
  rems_certified_site: true
diagnoses:
  - {code: F33.2, primary: true}
treatments:
  - {name: sertraline, class: ssri, start: 2025-01-10, end: 2025-03-15, adequate_dose: true, outcome: failed}
  - {name: duloxetine, class: snri, start: 2025-04-01, end: 2025-06-15, outcome: failed}
current_medications:
  - {name: bupropion XL, class: atypical}
documents: [letter_of_medical_necessity]
conditions: []
)";

}  // namespace

TEST_CASE("a decisive failure still lists every criterion of the path", "[checklist]") {
  auto p = acme();
  REQUIRE(p.ok());
  auto run = p.run_text("np.yaml", np_case);
  INFO(run.first_error());
  REQUIRE(run.determination);
  const engine::Determination& d = *run.determination;
  CHECK(engine::decision_name(d.decision) == std::string("denied"));
  const auto* s3 = entry(d, "s3_esketamine");
  REQUIRE(s3);
  CHECK(s3->section == "clinical");
  CHECK(s3->applies == "true");
  CHECK(s3->criteria.size() == 9);  // §3.1–§3.8 and the letter (§3.10); prior authorization is no criterion

  const auto* prescriber = criterion(*s3, "§3.5");
  REQUIRE(prescriber);
  CHECK(prescriber->status == "not_met");
  CHECK(has_evidence(*prescriber, "request.prescriber_specialty", "psychiatric_nurse_practitioner"));
  CHECK(prescriber->text ==
        "Esketamine must be prescribed by a psychiatrist: Request: prescriber specialty is psychiatric nurse "
        "practitioner; psychiatry is required");

  // The trial whose dose is not stated: its status in the same answer, waiting for the fact.
  const auto* trials = criterion(*s3, "§3.3");
  REQUIRE(trials);
  CHECK(trials->status == "unknown");
  CHECK(trials->missing == std::vector<std::string>{"treatments[1].adequate_dose"});
  CHECK(trials->text.find("Treatment 2 (duloxetine): adequate dose") != std::string::npos);
  CHECK(trials->text.find("not stated") != std::string::npos);

  const auto* adult = criterion(*s3, "§3.1");
  REQUIRE(adult);
  CHECK(adult->status == "met");
  const auto* letter = criterion(*s3, "§3.10");
  REQUIRE(letter);
  CHECK(letter->status == "met");
  CHECK(has_evidence(*letter, "documents", "[letter_of_medical_necessity]"));

  for (const auto& e : d.checklist)
    for (const auto& c : e.criteria) {
      INFO(c.text);
      CHECK(plain(c.text));
    }
  for (const std::string& step : d.next_steps) {
    INFO(step);
    CHECK(plain(step));
  }
}

TEST_CASE("sections come from rule tags; restrictions that do not apply are not applicable", "[checklist]") {
  auto p = acme();
  REQUIRE(p.ok());
  auto run = p.run_text("np.yaml", np_case);
  REQUIRE(run.determination);
  const engine::Determination& d = *run.determination;
  const auto* coding = entry(d, "s7_esketamine_coding");
  REQUIRE(coding);
  CHECK(coding->section == "coding");
  CHECK(coding->applies == "true");
  for (const auto& c : coding->criteria) CHECK(c.status == "met");
  // No submission date: the filing restriction does not apply, and says so per criterion.
  const auto* filing = entry(d, "s6_timely_filing");
  REQUIRE(filing);
  CHECK(filing->section == "filing");
  CHECK(filing->applies == "false");
  REQUIRE(filing->criteria.size() == 1);
  CHECK(filing->criteria[0].status == "not_applicable");
  // A coverage path that cannot apply is not listed.
  CHECK(entry(d, "s4_iv_pain") == nullptr);
}

TEST_CASE("a coding failure leaves the clinical section as it is", "[checklist]") {
  auto p = acme();
  REQUIRE(p.ok());
  std::string text = np_case;
  text.replace(text.find("psychiatric_nurse_practitioner"), std::string("psychiatric_nurse_practitioner").size(),
               "psychiatry");
  text.replace(text.find("hcpcs: [J0013, G2082]"), std::string("hcpcs: [J0013, G2082]").size(), "hcpcs: [J0013]");
  text.replace(text.find("outcome: failed}\ncurrent"), std::string("outcome: failed}").size(),
               "adequate_dose: true, outcome: failed}");
  auto run = p.run_text("coding.yaml", text);
  INFO(run.first_error());
  REQUIRE(run.determination);
  const engine::Determination& d = *run.determination;
  CHECK(engine::decision_name(d.decision) == std::string("denied"));  // the contract's decision
  const auto* coding = entry(d, "s7_esketamine_coding");
  REQUIRE(coding);
  REQUIRE(coding->criteria.size() == 2);
  CHECK(coding->criteria[1].status == "not_met");
  const auto* s3 = entry(d, "s3_esketamine");
  REQUIRE(s3);
  for (const auto& c : s3->criteria) {
    INFO(c.text);
    CHECK(c.status == "met");
  }
}

TEST_CASE("checklist statuses and sections on a small rule set", "[checklist]") {
  std::string schema = std::string(testing::test_schema) + "enum section { clinical, coding }\n";
  testing::Pipeline p(
      {testing::write_rule_dir(
           {{"schema.cpl", schema}, {"policy.cpl", R"(policy p "Test" version "1" default denied "not addressed"
rule path "The path" cite "§1"
  when x > 0
  cover
  require y > 2 cite "§1.1" else deny "y must exceed 2"
  require person.flag cite "§1.2" else deny "the flag is required"
  require document lmn cite "§1.3"
rule codes "Codes" cite "§2"
  tag coding
  when x > 0
  require s is known cite "§2.1" else deny "s is required"
rule other "Never" cite "§3"
  when x < 0
  cover
)"}}).string()});
  REQUIRE(p.ok());
  auto run = p.run_text("case.yaml", "date_of_service: 2026-01-01\nx: 1\ny: 1\ndocuments: [lmn]\n");
  INFO(run.first_error());
  REQUIRE(run.determination);
  const engine::Determination& d = *run.determination;
  const auto* path = entry(d, "path");
  REQUIRE(path);
  CHECK(path->section == "clinical");
  REQUIRE(path->criteria.size() == 3);
  CHECK(path->criteria[0].status == "not_met");
  CHECK(path->criteria[0].text == "y must exceed 2: y is 1; more than 2 is required");
  CHECK(has_evidence(path->criteria[0], "y", "1"));
  CHECK(path->criteria[1].status == "unknown");
  CHECK(path->criteria[1].missing == std::vector<std::string>{"person.flag"});
  CHECK(path->criteria[1].text == "the flag is required: Person: flag not stated");
  CHECK(path->criteria[2].status == "met");
  const auto* codes = entry(d, "codes");
  REQUIRE(codes);
  CHECK(codes->section == "coding");
  CHECK(codes->criteria[0].status == "not_met");
  CHECK(entry(d, "other") == nullptr);

  // Every criterion met, in the other direction.
  auto met =
      p.run_text("met.yaml", "date_of_service: 2026-01-01\nx: 1\ny: 3\ns: a\nperson: {flag: true}\ndocuments: [lmn]\n");
  REQUIRE(met.determination);
  CHECK(engine::decision_name(met.determination->decision) == std::string("covered"));
  for (const auto& e : met.determination->checklist)
    for (const auto& c : e.criteria) CHECK(c.status == "met");
}

TEST_CASE("without a section enumeration every rule is clinical", "[checklist]") {
  auto p = testing::policy_pipeline(R"(policy p "Test" version "1" default denied "not addressed"
rule r "R" tag coding when x > 0 cover require y > 0
)");
  REQUIRE(p.ok());
  auto run = p.run_text("case.yaml", "date_of_service: 2026-01-01\nx: 1\ny: 1\n");
  REQUIRE(run.determination);
  REQUIRE(run.determination->checklist.size() == 1);
  CHECK(run.determination->checklist[0].section == "clinical");
  CHECK(run.determination->checklist[0].criteria[0].text == "R: met");
}

TEST_CASE("facts in plain words", "[checklist][words]") {
  auto p = acme();
  REQUIRE(p.ok());
  dsl::Diagnostics diagnostics;
  dsl::FileId file = p.sources().add("w.yaml", np_case);
  auto c = engine::load_case(p.program().schema(), p.sources(), file, diagnostics);
  REQUIRE(c);
  const dsl::Schema& s = p.program().schema();
  CHECK(engine::fact_words(s, *c, "treatments[1].adequate_dose") == "Treatment 2 (duloxetine): adequate dose");
  CHECK(engine::fact_words(s, *c, "request.prescriber_specialty") == "Request: prescriber specialty");
  CHECK(engine::fact_words(s, *c, "diagnoses[0]") == "Diagnosis 1 (F33.2)");
  CHECK(engine::fact_words(s, *c, "treatments[7].start") == "Treatment 8: start");  // beyond the list: no name
  CHECK(engine::fact_words(s, *c, "no.such.path") == "no.such.path");
  CHECK(engine::fact_doc(s, "request.prescriber_specialty") == "specialty of the prescriber / ordering clinician");
  CHECK(engine::fact_doc(s, "treatments[0].outcome").empty());  // a list of members is no phrase
}
