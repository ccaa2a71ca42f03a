// The decision-only evaluator (QuickDecider, behind `batch --compact`) against evaluate():
// decision, basis, prior_auth, benefit and reasons must agree on every Acme example case,
// on the evaluator tests' policies and across reuse of one decider for many cases.
#include <filesystem>

#include <catch2/catch.hpp>

#include "engine/cases/case_loader.hpp"
#include "engine/eval/evaluate.hpp"
#include "tests/unit/pipeline_fixture.hpp"
#include "tests/unit/rule_text_fixture.hpp"

namespace fs = std::filesystem;
using namespace covcheck;

namespace {

// Compares the quick result with the full determination of the same case.
void agree(const engine::Program& program, const engine::Case& c, engine::QuickDecider& quick,
           std::optional<std::int32_t> as_of = std::nullopt) {
  engine::EvaluationOptions options;
  options.as_of = as_of;
  engine::Evaluation full = engine::evaluate(program, c, options);
  engine::QuickDetermination q;
  bool decided = quick.decide(c, as_of, q);
  REQUIRE(decided == (full.determination.has_value() && !full.errors.has_errors()));
  if (!decided) return;
  const engine::Determination& d = *full.determination;
  CHECK(engine::decision_name(q.decision) == std::string(engine::decision_name(d.decision)));
  std::string basis = !q.dated ? "null" : q.basis_rules ? "rules" : "default";
  CHECK(basis == d.basis.value_or("null"));
  CHECK(q.prior_auth == d.prior_auth);
  const auto& members = program.checked->schema.enums[program.checked->benefit_enum.value_or(0)].members;
  std::string benefit = q.benefit == engine::no_member ? "null" : members.at(q.benefit);
  CHECK(benefit == d.benefit.value_or("null"));
  std::vector<std::string> ids, expected;
  for (std::uint32_t r : q.reasons) ids.push_back(program.rules[r].checked->display_id);
  for (const engine::Reason& r : d.reasons) expected.push_back(r.rule);
  CHECK(ids == expected);
}

std::optional<engine::Case> load(testing::Pipeline& p, const std::string& name, const std::string& text) {
  dsl::Diagnostics diags;
  dsl::FileId f = p.sources().add(name, text);
  auto c = engine::load_case(p.program().schema(), p.sources(), f, diags);
  if (c) engine::validate_case(p.program(), *c, diags);
  if (diags.has_errors()) return std::nullopt;
  return c;
}

}  // namespace

TEST_CASE("quick decider agrees with evaluate on every Acme example case", "[batch][quick]") {
  testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme", COVCHECK_SOURCE_DIR "/rules/mandates"});
  REQUIRE(p.ok());
  engine::QuickDecider quick(p.program());  // one decider for all: state must not leak between cases
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(COVCHECK_SOURCE_DIR "/rules/acme/cases")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() > 20);
  for (int round = 0; round < 2; ++round) {
    for (const fs::path& f : files) {
      INFO(f.string());
      dsl::Diagnostics diags;
      std::ifstream in(f);
      std::stringstream text;
      text << in.rdbuf();
      auto c = load(p, f.string(), text.str());
      if (!c) continue;
      agree(p.program(), *c, quick);
      agree(p.program(), *c, quick, dsl::parse_iso_date("2026-06-01"));
      agree(p.program(), *c, quick, dsl::parse_iso_date("2031-01-01"));  // no policy in force
    }
  }
}

TEST_CASE("quick decider agrees on overrides, unknown facts and count distinct", "[batch][quick]") {
  auto p = testing::policy_pipeline(R"(policy p "P" version "1" default denied
rule cover_a "A" when x > 0 cover require count distinct(trials t: t.outcome == failed ; t.cls) >= 2
rule route_m "M" when y > 0 route mental_health
rule deny_b "B" tag t1 when benefit == mental_health and s == "no" deny
rule mand "Mandate" when x > 5 overrides tagged t1 cover require prior_auth
rule pend_doc "Doc" when x > 1 require document lmn
)");
  REQUIRE(p.ok());
  engine::QuickDecider quick(p.program());
  const char* cases[] = {
      "x: 1\ny: 1\ns: \"no\"\ntrials: [{cls: a, outcome: failed}, {cls: b, outcome: failed}]\n",
      "x: 7\ny: 1\ns: \"no\"\ndocuments: [lmn]\ntrials: [{cls: a, outcome: failed}, {cls: a, outcome: failed}]\n",
      "y: 1\ns: \"no\"\n",
      "x: 3\ntrials: [{cls: a}, {outcome: failed}, {cls: c, outcome: ok}]\n",
      "x: 2\ndocuments: []\n",
      "id: none\n",
  };
  for (const char* text : cases) {
    INFO(text);
    auto c = load(p, "case.yaml", text);
    REQUIRE(c);
    agree(p.program(), *c, quick);
  }
}
