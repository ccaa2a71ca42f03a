// Evaluation semantics: Kleene logic, count bounds, the decision lattice, overrides,
// routing, versions, missing facts and next steps — each pinned on small rule sets.
#include <catch2/catch.hpp>

#include <algorithm>

#include "engine/answer/render.hpp"
#include "rule_text_fixture.hpp"

using namespace covcheck;
using covcheck::testing::decision_text;
using covcheck::testing::policy_pipeline;

namespace {

const std::string header = "policy p \"Test\" version \"1\" default denied \"not addressed\"\n";

engine::Determination decide(testing::Pipeline& p, const std::string& case_yaml) {
  REQUIRE(p.ok());
  auto run = p.run_text("case.yaml", case_yaml);
  INFO(run.first_error());
  REQUIRE(run.determination);
  return *run.determination;
}

std::vector<std::string> reason_ids(const engine::Determination& d) {
  std::vector<std::string> ids;
  for (const auto& r : d.reasons) ids.push_back(r.rule);
  return ids;
}

std::vector<std::string> missing_facts(const engine::Determination& d) {
  std::vector<std::string> out;
  for (const auto& m : d.missing) out.push_back(m.fact);
  return out;
}

}  // namespace

TEST_CASE("unknown and false is false; unknown or true is true", "[evaluate][kleene]") {
  auto p = policy_pipeline(header + R"(
rule r1 when person.flag and x > 5 cover
rule r2 when person.flag or x > 5 cover require y > 0
)");
  // person.flag unknown, x = 3: r1's `when` is false (definite), r2's is unknown.
  auto d = decide(p, "date_of_service: 2026-01-01\nx: 3\ny: 1\n");
  CHECK(decision_text(d.decision) == "pend");
  CHECK(missing_facts(d) == std::vector<std::string>{"person.flag"});
  // x = 9: r2 applies whatever the flag says.
  auto d2 = decide(p, "date_of_service: 2026-01-01\nx: 9\ny: 1\n");
  CHECK(decision_text(d2.decision) == "covered");
}

TEST_CASE("count keeps bounds over undecided elements", "[evaluate][count]") {
  // One trial certainly failed, two undecided (outcome unknown).
  const std::string trials = R"(date_of_service: 2026-01-01
trials:
  - {cls: a, outcome: failed}
  - {cls: b}
  - {cls: c}
)";
  auto at_least = [&](int n) {
    auto p = policy_pipeline(
        header + "rule r cover require count(trials t: t.outcome == failed) >= " + std::to_string(n) + "\n");
    return decision_text(decide(p, trials).decision);
  };
  CHECK(at_least(1) == "covered");
  CHECK(at_least(2) == "pend");
  CHECK(at_least(3) == "pend");
  CHECK(at_least(4) == "denied");
}

TEST_CASE("count distinct bounds follow the brief", "[evaluate][count]") {
  const std::string trials = R"(date_of_service: 2026-01-01
trials:
  - {cls: a, outcome: failed}
  - {cls: a, outcome: failed}
  - {outcome: failed}
)";
  auto distinct_at_least = [&](int n) {
    auto p = policy_pipeline(header + "rule r cover require count distinct(trials t: t.outcome == failed ; t.cls) >= " +
                             std::to_string(n) + "\n");
    return decision_text(decide(p, trials).decision);
  };
  // Known keys {a}; one qualifying element with an unknown key: bounds 1..2.
  CHECK(distinct_at_least(1) == "covered");
  CHECK(distinct_at_least(2) == "pend");
  CHECK(distinct_at_least(3) == "denied");
}

TEST_CASE("the most severe outcome wins: excluded over covered", "[evaluate][lattice]") {
  auto p = policy_pipeline(header + R"(
rule cov cover
rule excl when s == "x" exclude "no"
)");
  CHECK(decision_text(decide(p, "s: x\n").decision) == "excluded");
  CHECK(decision_text(decide(p, "s: y\n").decision) == "covered");
  auto d = decide(p, "date_of_service: 2026-01-01\n");
  CHECK(decision_text(d.decision) == "pend");
  REQUIRE(d.at_stake.size() == 2);
  CHECK(decision_text(d.at_stake[0]) == "covered");
  CHECK(decision_text(d.at_stake[1]) == "excluded");
}

TEST_CASE("a definite exclusion decides even when coverage is undecided", "[evaluate][lattice]") {
  auto p = policy_pipeline(header + R"(
rule cov cover require x > 1
rule excl when s == "x" exclude
)");
  auto d = decide(p, "s: x\n");
  CHECK(decision_text(d.decision) == "excluded");
  CHECK(d.missing.empty());
}

TEST_CASE("the default decides when no coverage rule applies", "[evaluate][default]") {
  auto p = policy_pipeline(header + "rule cov when x > 1 cover\n");
  auto d = decide(p, "x: 0\n");
  CHECK(decision_text(d.decision) == "denied");
  REQUIRE(d.basis);
  CHECK(*d.basis == "default");
  auto p2 = policy_pipeline("policy p \"T\" version \"1\" default covered\nrule r when x > 5 deny \"too big\"\n");
  CHECK(decision_text(decide(p2, "x: 1\n").decision) == "covered");
  CHECK(decision_text(decide(p2, "x: 9\n").decision) == "denied");
}

TEST_CASE("alternative coverage paths: the best one counts", "[evaluate][lattice]") {
  auto p = policy_pipeline(header + R"(
rule path_a cover require x > 5
rule path_b cover require y > 5
)");
  CHECK(decision_text(decide(p, "x: 9\ny: 0\n").decision) == "covered");
  CHECK(decision_text(decide(p, "x: 0\ny: 0\n").decision) == "denied");
  // One path failed, the other unknown: a possible coverage path behind a denied one.
  CHECK(decision_text(decide(p, "x: 0\n").decision) == "pend");
}

TEST_CASE("overrides by id and by tag", "[evaluate][overrides]") {
  auto p = policy_pipeline(header + R"(
rule investigational tag experimental when s == "k" exclude
rule mandate when s == "k" and person.flag overrides tagged experimental cover require x > 0
)");
  CHECK(decision_text(decide(p, "s: k\nperson: {flag: false}\nx: 1\n").decision) == "excluded");
  CHECK(decision_text(decide(p, "s: k\nperson: {flag: true}\nx: 1\n").decision) == "covered");
  // The mandate applies but its criteria fail: denied, not the exclusion it overrode.
  auto d = decide(p, "s: k\nperson: {flag: true}\nx: 0\n");
  CHECK(decision_text(d.decision) == "denied");
  CHECK(reason_ids(d) == std::vector<std::string>{"mandate"});
  // Whether the mandate applies is unknown: the exclusion may or may not hold.
  CHECK(decision_text(decide(p, "s: k\nx: 1\n").decision) == "pend");
}

TEST_CASE("routing: conflicts are reported and the benefit can be read", "[evaluate][routing]") {
  auto p = policy_pipeline(header + R"(
rule to_pain when x > 0 route pain_management
rule to_mh when y > 0 route mental_health
rule mh_cover when benefit == mental_health cover
)");
  auto d = decide(p, "x: 0\ny: 1\n");
  REQUIRE(d.benefit);
  CHECK(*d.benefit == "mental_health");
  CHECK(decision_text(d.decision) == "covered");
  auto conflict = decide(p, "x: 1\ny: 1\n");
  CHECK_FALSE(conflict.benefit);
  CHECK(conflict.benefit_conflict == std::vector<std::string>{"mental_health", "pain_management"});
  auto none = decide(p, "x: 0\ny: 0\n");
  CHECK_FALSE(none.benefit);
  CHECK(decision_text(none.decision) == "denied");
}

TEST_CASE("presence tests are definite", "[evaluate][presence]") {
  auto p = policy_pipeline(header + "rule r cover require s is known else pend \"send s\"\n");
  auto d = decide(p, "x: 1\n");
  CHECK(decision_text(d.decision) == "pend");
  CHECK(d.at_stake.empty());  // a definite pend: the rule says so, nothing is undecided
}

TEST_CASE("documents: missing pends a coverage path and is reported", "[evaluate][documents]") {
  auto p = policy_pipeline(header + "rule r cover require document lmn\n");
  auto present = decide(p, "documents: [lmn]\n");
  CHECK(decision_text(present.decision) == "covered");
  REQUIRE(present.requirements.size() == 1);
  CHECK(present.requirements[0].status == "present");
  auto missing = decide(p, "documents: [notes]\n");
  CHECK(decision_text(missing.decision) == "pend");
  CHECK(missing.requirements[0].status == "missing");
  auto unknown = decide(p, "x: 1\n");
  CHECK(unknown.requirements[0].status == "unknown");
}

TEST_CASE("missing facts name input paths with list indexes", "[evaluate][missing]") {
  auto p = policy_pipeline(header + "rule r cover require count(trials t: t.duration >= 6 weeks) >= 2\n");
  auto d = decide(p, R"(date_of_service: 2026-03-01
trials:
  - {start: 2025-01-01, end: 2025-03-01}
  - {start: 2025-01-01, outcome: failed}
)");
  CHECK(decision_text(d.decision) == "pend");
  CHECK(missing_facts(d) == std::vector<std::string>{"trials[1].end"});
  auto none = decide(p, "date_of_service: 2026-03-01\n");
  CHECK(missing_facts(none) == std::vector<std::string>{"trials"});
}

TEST_CASE("durations: end exclusive, ongoing runs to the date of service", "[evaluate][dates]") {
  auto p = policy_pipeline(header + "rule r cover require any trials t: t.duration >= 42 days\n");
  CHECK(decision_text(
            decide(p, "date_of_service: 2026-03-01\ntrials: [{start: 2026-01-01, end: 2026-02-12}]\n").decision) ==
        "covered");
  CHECK(decision_text(
            decide(p, "date_of_service: 2026-03-01\ntrials: [{start: 2026-01-01, end: 2026-02-11}]\n").decision) ==
        "denied");
  CHECK(decision_text(
            decide(p, "date_of_service: 2026-02-12\ntrials: [{start: 2026-01-01, outcome: ongoing}]\n").decision) ==
        "covered");
}

TEST_CASE("ages are completed years; 29 February turns over on 1 March", "[evaluate][dates]") {
  auto p = policy_pipeline(header + "rule r cover require person.age >= 18\n");
  CHECK(decision_text(decide(p, "date_of_service: 2026-02-28\nperson: {birth_date: 2008-02-29}\n").decision) ==
        "denied");
  CHECK(decision_text(decide(p, "date_of_service: 2026-03-01\nperson: {birth_date: 2008-02-29}\n").decision) ==
        "covered");
}

TEST_CASE("windows and calendar months", "[evaluate][dates]") {
  auto p = policy_pipeline(header + R"(
rule r cover require person.birth_date within 30 days before date_of_service
rule m when s == "m" cover require date_of_service + 1 months == 2026-02-28
)");
  CHECK(decision_text(decide(p, "date_of_service: 2026-03-31\nperson: {birth_date: 2026-03-01}\n").decision) ==
        "covered");
  CHECK(decision_text(decide(p, "date_of_service: 2026-03-31\nperson: {birth_date: 2026-02-28}\n").decision) ==
        "denied");
  CHECK(decision_text(decide(p, "date_of_service: 2026-01-31\ns: m\nperson: {birth_date: 2000-01-01}\n").decision) ==
        "covered");
}

TEST_CASE("versions are chosen by date; --as-of replaces it", "[evaluate][versions]") {
  auto dir = testing::write_rule_dir({
      {"schema.cpl", testing::test_schema},
      {"v1.cpl",
       "policy p \"T\" version \"1\" effective 2025-01-01 .. 2025-12-31 default denied\nrule r cover require x > 1\n"},
      {"v2.cpl", "policy p \"T\" version \"2\" effective 2026-01-01 .. default denied\nrule r cover require x > 5\n"},
  });
  testing::Pipeline p({dir.string()});
  REQUIRE(p.ok());
  CHECK(decision_text(p.run_text("a", "date_of_service: 2025-06-01\nx: 3\n").determination->decision) == "covered");
  CHECK(decision_text(p.run_text("b", "date_of_service: 2026-06-01\nx: 3\n").determination->decision) == "denied");
  CHECK(decision_text(p.run_text("c", "date_of_service: 2026-06-01\nx: 3\n", dsl::parse_iso_date("2025-06-01"))
                          .determination->decision) == "covered");
  auto early = p.run_text("d", "date_of_service: 2024-06-01\nx: 3\n");
  CHECK_FALSE(early.determination);
  CHECK_THAT(early.first_error(), Catch::Contains("no policy in force on 2024-06-01"));
  auto undated = p.run_text("e", "x: 3\n");
  REQUIRE(undated.determination);
  CHECK(decision_text(undated.determination->decision) == "pend");
  CHECK_FALSE(undated.determination->basis);
  CHECK(missing_facts(*undated.determination) == std::vector<std::string>{"date_of_service"});
}

TEST_CASE("advice runs after the decision and adds next steps", "[evaluate][advice]") {
  auto p = policy_pipeline(header + R"(
rule r cover require x > 1 else deny "x too small"
advice appeal when decision == denied next "appeal within 180 days"
)");
  auto d = decide(p, "x: 0\n");
  CHECK(decision_text(d.decision) == "denied");
  REQUIRE_FALSE(d.next_steps.empty());
  CHECK(d.next_steps.back() == "appeal within 180 days");
  CHECK(reason_ids(d) == std::vector<std::string>{"r"});
  CHECK(decide(p, "x: 5\n").next_steps.empty());
}

TEST_CASE("an advice's warning lands on the answer's warnings, not its next steps", "[evaluate][advice]") {
  auto p = policy_pipeline(header + R"(
rule r cover require x > 1 else deny "x too small"
advice contradiction cite "§9" when x == 0 warning "x is 0, which the record contradicts"
)");
  auto d = decide(p, "x: 0\n");
  CHECK(decision_text(d.decision) == "denied");
  REQUIRE(d.warnings.size() == 1);
  CHECK(d.warnings[0].message == "x is 0, which the record contradicts (§9)");
  CHECK(d.warnings[0].at.file == dsl::no_file);  // about the case as a whole
  for (const std::string& step : d.next_steps) CHECK(step.find("contradicts") == std::string::npos);
  CHECK(decide(p, "x: 5\n").warnings.empty());  // the advice does not apply
  CHECK(decide(p, "{}\n").warnings.empty());    // nor when its condition is unknown
}

TEST_CASE("schema checks reject impossible case values", "[evaluate][validation]") {
  auto p = policy_pipeline(header + "rule r cover\n");
  auto run = p.run_text("bad.yaml", "x: -1\n");
  CHECK_FALSE(run.determination);
  CHECK_THAT(run.first_error(), Catch::Contains("x: must not be negative"));
}

TEST_CASE("prior authorization follows the deciding coverage rule", "[evaluate][prior_auth]") {
  auto p = policy_pipeline(header + R"(
rule r when s == "e" cover require prior_auth require x > 1
)");
  auto covered = decide(p, "s: e\nx: 2\n");
  REQUIRE(covered.prior_auth);
  CHECK(*covered.prior_auth);
  auto not_applicable = decide(p, "s: f\nx: 2\n");
  REQUIRE(not_applicable.prior_auth);
  CHECK_FALSE(*not_applicable.prior_auth);
  CHECK_FALSE(decide(p, "x: 2\n").prior_auth);  // unknown whether the rule applies
}

TEST_CASE("module params take the in-force policy's value, else their default", "[evaluate][params]") {
  const std::string module = R"(module claims "Claims" 
param filing_days: duration = 90 days
rule timely when date_of_service is known require x <= 0 or date_of_service + filing_days >= 2026-06-01 else deny "late"
)";
  auto with_default = policy_pipeline(header + "rule r cover\n", {{"claims.cpl", module}});
  // 2026-02-01 + 90 days = 2026-05-02, before 2026-06-01; + 180 days = 2026-07-31.
  CHECK(decision_text(decide(with_default, "date_of_service: 2026-02-01\nx: 1\n").decision) == "denied");
  auto with_set =
      policy_pipeline(header + "set claims.filing_days = 90 days\nrule r cover\n", {{"claims.cpl", module}});
  CHECK(decision_text(decide(with_set, "date_of_service: 2026-02-01\nx: 1\n").decision) == "denied");
  auto longer = policy_pipeline(header + "set claims.filing_days = 180 days\nrule r cover\n", {{"claims.cpl", module}});
  CHECK(decision_text(decide(longer, "date_of_service: 2026-02-01\nx: 1\n").decision) == "covered");
}

TEST_CASE("dated code-set entries follow the evaluation date", "[evaluate][codesets]") {
  auto p = policy_pipeline(header + R"(
codeset accepted = icd10 { F33.*, F34.1 effective 2025-05-01 .. }
rule r cover require any codes c: c in accepted
)");
  CHECK(decision_text(decide(p, "date_of_service: 2025-06-01\ncodes: [F34.1]\n").decision) == "covered");
  CHECK(decision_text(decide(p, "date_of_service: 2025-04-30\ncodes: [F34.1]\n").decision) == "denied");
  CHECK(decision_text(decide(p, "date_of_service: 2025-04-30\ncodes: [F33.2]\n").decision) == "covered");
}

TEST_CASE("code-set wildcards, ranges and difference", "[evaluate][codesets]") {
  auto p = policy_pipeline(header + R"(
codeset depression = icd10 { F32.0 .. F32.5, F32.9, F32.A, F33.* } - icd10 { F33.9 }
rule r cover require any codes c: c in depression
)");
  auto decided = [&](const std::string& code) { return decision_text(decide(p, "codes: [" + code + "]\n").decision); };
  CHECK(decided("F32.4") == "covered");
  CHECK(decided("F32.51") == "covered");  // below the range's upper bound
  CHECK(decided("F32.81") == "denied");   // premenstrual dysphoric disorder is not in the range
  CHECK(decided("F33.2") == "covered");
  CHECK(decided("F33.9") == "denied");  // taken out by the difference
  CHECK(decided("F34.1") == "denied");
}

TEST_CASE("a module rule overrides a policy rule by qualified id", "[evaluate][overrides]") {
  auto p = policy_pipeline(
      header + "rule excl when s == \"k\" exclude\nrule base cover\n",
      {{"mandate.cpl", "module m \"Mandate\"\nrule m1 when s == \"k\" and x > 0 overrides p.excl cover\n"}});
  auto d = decide(p, "s: k\nx: 1\n");
  CHECK(decision_text(d.decision) == "covered");
  CHECK(reason_ids(d) == std::vector<std::string>{"base", "m.m1"});
  REQUIRE_FALSE(d.trace.empty());
  bool overridden_shown = false;
  for (const auto& t : d.trace)
    if (t.rule == "excl") overridden_shown = t.overridden_by == std::vector<std::string>{"m.m1"};
  CHECK(overridden_shown);
}

TEST_CASE("within ... of is a window on both sides", "[evaluate][dates]") {
  auto p = policy_pipeline(header + "rule r cover require person.birth_date within 10 days of date_of_service\n");
  CHECK(decision_text(decide(p, "date_of_service: 2026-03-11\nperson: {birth_date: 2026-03-21}\n").decision) ==
        "covered");
  CHECK(decision_text(decide(p, "date_of_service: 2026-03-11\nperson: {birth_date: 2026-03-01}\n").decision) ==
        "covered");
  CHECK(decision_text(decide(p, "date_of_service: 2026-03-11\nperson: {birth_date: 2026-03-22}\n").decision) ==
        "denied");
}

TEST_CASE("next steps name the fact, its value and the bound in words", "[evaluate][next_steps]") {
  auto p = policy_pipeline(header + "rule r cover require person.age >= 18 else deny \"Adults only\"\n");
  auto d = decide(p, "date_of_service: 2026-03-01\nperson: {birth_date: 2009-03-02}\n");
  REQUIRE(d.next_steps.size() == 1);
  CHECK(d.next_steps[0] == "Adults only: Person: age is 16; 18 or more is required");
  auto unknown = decide(p, "date_of_service: 2026-03-01\n");
  REQUIRE(unknown.next_steps.size() == 1);
  CHECK(unknown.next_steps[0] == "Adults only: Person: birth date not stated");
}

TEST_CASE("a define with a quantifier keeps the caller's variable intact", "[evaluate][defines]") {
  // The define's own variable must not reuse the slot of the quantifier that calls it.
  auto p = policy_pipeline(header + R"(
define any_failed = (any trials x: x.outcome == failed)
rule r cover require any trials t: any_failed and t.cls == a
)");
  CHECK(decision_text(decide(p, "trials: [{cls: a, outcome: ok}, {cls: b, outcome: failed}]\n").decision) == "covered");
  CHECK(decision_text(decide(p, "trials: [{cls: b, outcome: ok}, {cls: b, outcome: failed}]\n").decision) == "denied");
}

TEST_CASE("a define is evaluated once per case, and again once the benefit is known", "[evaluate][define]") {
  auto p = policy_pipeline(header + R"(
define mh = benefit == mental_health
rule to_mh when y > 0 route mental_health
rule keep when mh and x > 100 overrides to_mh cover
rule mh_cover when mh and x >= 0 cover
advice appeal when decision == denied next "appeal the denial"
)");
  // `keep` reads `mh` while routing runs (benefit unknown); `mh_cover` reads it after.
  auto d = decide(p, "x: 0\ny: 1\n");
  CHECK(decision_text(d.decision) == "covered");
  CHECK(d.next_steps.empty());
  // The same untraced, where defines are shared within a case.
  dsl::Diagnostics diags;
  auto c = engine::load_case(p.program().schema(), p.sources(), p.sources().add("c.yaml", "x: 0\ny: 1\n"), diags);
  REQUIRE(c);
  engine::QuickDecider quick(p.program());
  engine::QuickDetermination q;
  REQUIRE(quick.decide(*c, std::nullopt, q));
  CHECK(decision_text(q.decision) == "covered");
  auto denied = decide(p, "x: 0\ny: 0\n");
  CHECK(decision_text(denied.decision) == "denied");
  CHECK(denied.next_steps == std::vector<std::string>{"appeal the denial"});
}

TEST_CASE("a compacted case decides the same and keeps its facts", "[evaluate][case]") {
  auto p = policy_pipeline(header + R"(
rule r1 when any trials t: t.outcome == failed and count(codes c: c in icd10 { F33.* }) >= 1 cover require x > 2
)");
  REQUIRE(p.ok());
  const std::string yaml = "x: 3\ntrials: [{cls: a, outcome: failed}]\ncodes: [F33.1, Z00.0]\n";
  auto before = p.run_text("case.yaml", yaml);
  REQUIRE(before.determination);
  dsl::Diagnostics diags;
  dsl::FileId f = p.sources().add("again.yaml", yaml);
  auto c = engine::load_case(p.program().schema(), p.sources(), f, diags);
  REQUIRE(c);
  c->compact();
  CHECK(c->slots.capacity() == c->slots.size());
  CHECK(c->strings.size() == 2);
  engine::EvaluationOptions options;
  auto after = engine::evaluate(p.program(), *c, options);
  REQUIRE(after.determination);
  CHECK(after.determination->decision == before.determination->decision);
  CHECK(reason_ids(*after.determination) == reason_ids(*before.determination));
}

// ---- The case vocabulary: `none`, explicit `unknown(...)` -----------------------------------

namespace {

engine::Determination decide_vocabulary(const std::string& policy, const std::string& case_yaml) {
  auto p = testing::vocabulary_pipeline(header + policy);
  INFO(p.diagnostics_text());
  return decide(p, case_yaml);
}

}  // namespace

TEST_CASE("a fact given as none is known, equal only to none, ordered with nothing", "[evaluate][none]") {
  const std::string dos = "date_of_service: 2026-03-01\n";
  auto outcome = [&](const std::string& condition, const std::string& facts) {
    return decision_text(decide_vocabulary("rule r cover require " + condition + "\n", dos + facts).decision);
  };
  // Table of docs/language.md, "Known to be absent": none, a value, absent.
  CHECK(outcome("consultant is known", "consultant: none\n") == "covered");
  CHECK(outcome("consultant is unknown", "consultant: none\n") == "denied");
  CHECK(outcome("consultant is none", "consultant: none\n") == "covered");
  CHECK(outcome("consultant is none", "consultant: psychiatry\n") == "denied");
  CHECK(outcome("consultant is none", "") == "pend");
  CHECK(outcome("consultant is none", "consultant: null\n") == "pend");  // null is absent, as ever
  CHECK(outcome("consultant == psychiatry", "consultant: none\n") == "denied");
  CHECK(outcome("consultant != psychiatry", "consultant: none\n") == "covered");
  CHECK(outcome("not (consultant == psychiatry)", "consultant: none\n") == "covered");
  CHECK(outcome("consultant in { psychiatry, neurology }", "consultant: none\n") == "denied");
  CHECK(outcome("consultant not in { psychiatry, neurology }", "consultant: none\n") == "covered");
  CHECK(outcome("consultant == psychiatry", "") == "pend");
  CHECK(outcome("score >= 10", "score: none\n") == "denied");
  CHECK(outcome("score < 10", "score: none\n") == "denied");
  CHECK(outcome("score + 1 > 0", "score: none\n") == "denied");
  CHECK(outcome("score >= 10", "score: 12\n") == "covered");
  CHECK(outcome("discharged within 30 days before date_of_service", "discharged: none\n") == "denied");
  CHECK(outcome("date_of_service - discharged <= 30 days", "discharged: none\n") == "denied");
  CHECK(outcome("discharged within 30 days before date_of_service", "discharged: 2026-02-20\n") == "covered");
  CHECK(outcome("any visits v: v.specialty is none", "visits: [{specialty: none}]\n") == "covered");
  // The JSON spelling: the string "none".
  auto p = testing::vocabulary_pipeline(header + "rule r cover require consultant is none\n");
  REQUIRE(p.ok());
  auto run = p.run_text("case.json", R"({"date_of_service": "2026-03-01", "consultant": "none"})");
  REQUIRE(run.determination);
  CHECK(decision_text(run.determination->decision) == "covered");
}

TEST_CASE("a case says none only for fields declared `or none`", "[evaluate][none][case_loader]") {
  auto p = testing::vocabulary_pipeline(header + "rule r cover\n");
  REQUIRE(p.ok());
  auto run = p.run_text("case.yaml", "date_of_service: 2026-03-01\nprescriber: none\nlevel: none\n");
  CHECK_FALSE(run.determination);
  std::string out = p.render(run.case_diagnostics);
  CHECK_THAT(out, Catch::Contains("`none` is not a valid `specialty` in `prescriber`"));
  CHECK_THAT(out, Catch::Contains("`none` is not a valid `level` in `level`"));
  CHECK_THAT(out, Catch::Contains("this field cannot be `none` (the schema does not declare it `or none`)"));
  auto list = p.run_text("case.yaml", "date_of_service: 2026-03-01\nvisits: none\n");
  CHECK_THAT(p.render(list.case_diagnostics), Catch::Contains("write `[]` to say there are none"));
}

TEST_CASE("`unknown(...)` is unknown and `missing` names the facts it waits for", "[evaluate][unknown]") {
  const std::string policy = R"(define discharge_recent =
  if discharged is known then discharged within 30 days before date_of_service else unknown(discharged)
rule r cover require discharge_recent else deny "A discharge in the last 30 days is required"
rule q cover require score > 100
)";
  auto d = decide_vocabulary(policy, "date_of_service: 2026-03-01\n");
  CHECK(decision_text(d.decision) == "pend");
  auto facts = missing_facts(d);
  std::sort(facts.begin(), facts.end());
  CHECK(facts == std::vector<std::string>{"discharged", "score"});
  auto given = decide_vocabulary(policy, "date_of_service: 2026-03-01\ndischarged: 2026-02-20\nscore: 1\n");
  CHECK(decision_text(given.decision) == "covered");
  auto none = decide_vocabulary(policy, "date_of_service: 2026-03-01\ndischarged: none\nscore: 1\n");
  CHECK(decision_text(none.decision) == "denied");
  // The facts named need not be the ones the condition read.
  auto other = decide_vocabulary("rule r cover require if level == high then true else unknown(consultant, score)\n",
                                 "date_of_service: 2026-03-01\nlevel: low\n");
  CHECK(decision_text(other.decision) == "pend");
  auto waited = missing_facts(other);
  std::sort(waited.begin(), waited.end());
  CHECK(waited == std::vector<std::string>{"consultant", "score"});
  // `if` without `else` stays what it was: unknown when the condition is false.
  auto bare = decide_vocabulary("rule r cover require if level == high then true\n",
                                "date_of_service: 2026-03-01\nlevel: low\n");
  CHECK(decision_text(bare.decision) == "pend");
}

TEST_CASE("synonyms load as the member they stand for", "[evaluate][synonyms]") {
  auto p = testing::vocabulary_pipeline(header +
                                        "rule r cover require prescriber == psychiatry and consultant == neurology\n");
  REQUIRE(p.ok());
  for (const char* c :
       {"prescriber: 2084P0800X\nconsultant: 2084n0400x\n", "prescriber: PSYCHIATRIST\nconsultant: Neurology\n",
        "prescriber: psychiatry\nconsultant: neurology\n"}) {
    auto run = p.run_text("case.yaml", std::string("date_of_service: 2026-03-01\n") + c);
    INFO(c << p.render(run.case_diagnostics));
    REQUIRE(run.determination);
    CHECK(run.case_diagnostics.empty());
    CHECK(decision_text(run.determination->decision) == "covered");
  }
  auto bad = p.run_text("case.yaml", "date_of_service: 2026-03-01\nprescriber: psychiatrst\n");
  CHECK_FALSE(bad.determination);
  CHECK_THAT(p.render(bad.case_diagnostics), Catch::Contains("did you mean `psychiatry`?"));
}

TEST_CASE("a dated criterion applies only inside its own range", "[evaluate][dated_criteria]") {
  auto p = policy_pipeline(header + R"(
rule r "Coverage" cover
  require y >= 1 cite "§1"
  require x > 5 cite "§2" effective 2026-01-01 .. else deny "x must exceed 5 from 2026"
rule late "Old limit" require x <= 10 cite "§3" effective .. 2025-12-31 else deny "x at most 10 until 2025"
)");
  auto criterion = [](const engine::Determination& d, const std::string& rule, std::size_t i) {
    for (const auto& t : d.trace)
      if (t.rule == rule && i < t.criteria.size()) return t.criteria[i].result;
    return std::string("absent");
  };
  // Before its range the §2 criterion is neither met nor failed: the path covers on §1 alone.
  auto before = decide(p, "date_of_service: 2025-12-01\nx: 1\ny: 1\n");
  CHECK(decision_text(before.decision) == "covered");
  CHECK(criterion(before, "r", 1) == "not in force on 2025-12-01");
  CHECK(criterion(before, "r", 0) == "true");
  // In its range it decides, both ways, and pends on a missing fact.
  auto failed = decide(p, "date_of_service: 2026-02-01\nx: 1\ny: 1\n");
  CHECK(decision_text(failed.decision) == "denied");
  REQUIRE(failed.reasons.size() == 1);
  CHECK(failed.reasons[0].message == "x must exceed 5 from 2026");
  CHECK(failed.reasons[0].cite == "§2");
  CHECK(criterion(failed, "r", 1) == "false");
  CHECK(decision_text(decide(p, "date_of_service: 2026-02-01\nx: 9\ny: 1\n").decision) == "covered");
  auto open = decide(p, "date_of_service: 2026-02-01\ny: 1\n");
  CHECK(decision_text(open.decision) == "pend");
  CHECK(missing_facts(open) == std::vector<std::string>{"x"});
  // A dated criterion of a restriction: out of range, it restricts nothing.
  auto high = decide(p, "date_of_service: 2026-02-01\nx: 20\ny: 1\n");
  CHECK(decision_text(high.decision) == "covered");
  CHECK(reason_ids(high) == std::vector<std::string>{"r"});
  CHECK(criterion(high, "late", 0) == "not in force on 2026-02-01");
  auto old = decide(p, "date_of_service: 2025-06-01\nx: 20\ny: 1\n");
  CHECK(decision_text(old.decision) == "denied");
  CHECK(reason_ids(old) == std::vector<std::string>{"late", "r"});
  CHECK(criterion(old, "r", 1) == "not in force on 2025-06-01");
  // `--as-of` replaces the date of service for the range, as for rules and policies.
  auto as_of = p.run_text("case.yaml", "date_of_service: 2025-12-01\nx: 1\ny: 1\n", dsl::parse_iso_date("2026-03-01"));
  REQUIRE(as_of.determination);
  CHECK(decision_text(as_of.determination->decision) == "denied");
  // Without any date the range cannot be read: the case pends on its date.
  auto undated = decide(p, "x: 1\ny: 1\n");
  CHECK(decision_text(undated.decision) == "pend");
  CHECK(missing_facts(undated) == std::vector<std::string>{"date_of_service"});
}

TEST_CASE("the checklist says a dated criterion is not in force on the date", "[evaluate][dated_criteria][checklist]") {
  auto p = policy_pipeline(header + R"(
rule r "Coverage" cover
  require document lmn effective 2026-01-01 ..
  require x > 5 cite "§2" effective 2026-01-01 .. else deny "x must exceed 5"
)");
  auto d = decide(p, "date_of_service: 2025-12-01\nx: 1\n");
  CHECK(decision_text(d.decision) == "covered");
  CHECK(d.requirements.empty());  // the letter is not required yet
  REQUIRE(d.checklist.size() == 1);
  REQUIRE(d.checklist[0].criteria.size() == 2);
  CHECK(d.checklist[0].criteria[0].status == "not_applicable");
  CHECK_THAT(d.checklist[0].criteria[0].text, Catch::EndsWith(": not in force on 2025-12-01"));
  CHECK(d.checklist[0].criteria[1].status == "not_applicable");
  CHECK(d.checklist[0].criteria[1].text == "x must exceed 5: not in force on 2025-12-01");
  CHECK(d.checklist[0].criteria[1].cite == "§2");
  auto later = decide(p, "date_of_service: 2026-01-01\nx: 1\ndocuments: [lmn]\n");
  CHECK(decision_text(later.decision) == "denied");
  REQUIRE(later.requirements.size() == 1);
  CHECK(later.requirements[0].status == "present");
  CHECK(later.checklist[0].criteria[1].status == "not_met");
}

TEST_CASE("an authorization computed from the case", "[evaluate][grant_expr]") {
  auto p = policy_pipeline(header + R"(
rule r cover
  require x >= 1
  authorize min(y, 8) units, max(1, y - 6) weeks
)");
  auto few = decide(p, "date_of_service: 2026-01-01\nx: 1\ny: 6\n");
  CHECK(decision_text(few.decision) == "covered");
  REQUIRE(few.authorization);
  CHECK(few.authorization->units == 6);
  CHECK(few.authorization->days == 7);
  auto many = decide(p, "date_of_service: 2026-01-01\nx: 1\ny: 12\n");
  REQUIRE(many.authorization);
  CHECK(many.authorization->units == 8);
  CHECK(many.authorization->days == 42);
  CHECK_FALSE(many.authorization->units_unknown);
  // The amount is unknown, the coverage is not: granted, of an amount the case leaves open.
  auto open = decide(p, "date_of_service: 2026-01-01\nx: 1\n");
  CHECK(decision_text(open.decision) == "covered");
  REQUIRE(open.authorization);
  CHECK_FALSE(open.authorization->units);
  CHECK(open.authorization->units_unknown);
  CHECK(open.authorization->days_unknown);
  CHECK(open.missing.empty());
  std::string json = engine::render_json(open, p.sources(), false);
  CHECK_THAT(json, Catch::Contains("\"authorization\": {\n    \"days\": null,\n    \"units\": null\n  }"));
  CHECK_THAT(engine::render_text(open, p.sources(), false),
             Catch::Contains("authorization: days unknown, units unknown"));
  // No coverage, no authorization, computed or not.
  CHECK_FALSE(decide(p, "date_of_service: 2026-01-01\nx: 0\ny: 3\n").authorization);
}
