// `covcheck test --mutate` and `--update`, and the suite forms of issue 14: mutants made from
// the AST, a boundary test killing its mutant, expectations rewritten by span with comments
// kept, `reasons_include`, and YAML merge keys across tests.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "engine/cases/yaml_tree.hpp"
#include "tests/unit/rule_text_fixture.hpp"
#include "tools/covcheck/suite.hpp"
#include "tools/covcheck/suite_mutate.hpp"
#include "tools/covcheck/suite_run.hpp"
#include "tools/covcheck/suite_update.hpp"

namespace fs = std::filesystem;
using namespace covcheck;
using namespace covcheck::cli;

namespace {

const char* policy = R"(policy p "Test" version "1" default denied "not addressed"
rule r1 "One" cite "§1"
  when x > 0 and not person.flag
  cover
  require y >= 2 cite "§1.1"
    else deny "y too small"
rule r2 "Two" cite "§2"
  when any trials t: t.cls in { a, b }
  exclude "excluded"
)";

struct Fixture {
  fs::path dir;
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  std::optional<Suite> suite;
  RuleSets sets;
  std::vector<std::vector<PreparedCase>> cases;
  explicit Fixture(const std::string& tests) {
    dir = testing::write_rule_dir({{"schema.cpl", testing::test_schema}, {"policy.cpl", policy}});
    fs::create_directories(dir / "tests");
    std::ofstream(dir / "tests" / "suite.yaml", std::ios::binary) << "rules: [..]\ntests:\n" << tests;
    suite = load_suite((dir / "tests" / "suite.yaml").string(), sources, diagnostics);
    INFO(dsl::render_all(diagnostics, sources));
    REQUIRE(suite);
    std::vector<Suite> one{*suite};
    REQUIRE(build_rule_sets(one, sources, diagnostics, sets) == engine::RuleSetStatus::ok);
    cases.emplace_back();
    for (const SuiteTest& t : suite->tests) cases[0].push_back(prepare_case(t));
  }
  const engine::Program& program() const { return *sets.programs[0]; }
  std::size_t policy_file() const {
    const auto& files = program().checked->files;
    for (std::size_t i = 0; i < files.files.size(); ++i)
      if (files.canonical_paths[i].ends_with("policy.cpl")) return i;
    FAIL("policy.cpl not loaded");
    return 0;
  }
  // A session per run: the suite and rule files are registered by then.
  TestResult run(std::size_t i) {
    engine::DecisionSession session(program(), sources);
    return run_test(suite->tests[i], cases[0][i], session);
  }
};

bool has_change(const std::vector<Mutant>& ms, std::uint32_t line, std::uint32_t column, const std::string& change) {
  for (const Mutant& m : ms)
    if (m.line == line && m.column == column && m.change == change) return true;
  return false;
}

}  // namespace

TEST_CASE("mutants come from the AST, each one local change of the text", "[suite][mutate]") {
  Fixture f(
      "  - name: a\n    case: {date_of_service: 2026-01-05, person: {flag: false}, trials: [], x: 1, y: 2}\n    "
      "expect: {decision: covered}\n");
  std::vector<Mutant> ms = mutants_of_file(f.program(), f.policy_file(), f.sources);
  INFO(ms.size());
  CHECK(has_change(ms, 3, 10, "`>` → `>=`"));
  CHECK(has_change(ms, 3, 12, "`0` → `1`"));
  CHECK(has_change(ms, 3, 14, "`and` → `or`"));
  CHECK(has_change(ms, 3, 18, "`not person.flag` → `person.flag`"));
  CHECK(has_change(ms, 5, 13, "`>=` → `>`"));
  CHECK(has_change(ms, 6, 10, "`deny` → `pend`"));
  CHECK(has_change(ms, 8, 33, "`a` → `c`"));  // the next member the set does not hold
  CHECK(has_change(ms, 9, 3, "`exclude` → `deny`"));
  for (const Mutant& m : ms) {
    CHECK(m.text != std::string(f.sources.file(f.program().checked->files.files[f.policy_file()].file).text()));
    CHECK(m.canonical == f.program().checked->files.canonical_paths[f.policy_file()]);
  }
}

TEST_CASE("a boundary test kills the boundary mutant", "[suite][mutate]") {
  std::string at_boundary =
      "  - name: y at 2\n    case: {date_of_service: 2026-01-05, person: {flag: false}, trials: [], x: 1, y: 2}\n    "
      "expect: {decision: covered}\n";
  std::string inside =
      "  - name: y at 5\n    case: {date_of_service: 2026-01-05, person: {flag: false}, trials: [], x: 1, y: 5}\n    "
      "expect: {decision: covered}\n";
  auto survivors = [](Fixture& f) {
    MutationOptions options;
    options.threads = 2;
    MutationReport r = run_mutation({*f.suite}, f.sets, f.cases, f.sources, options);
    REQUIRE(r.files.size() == 1);
    CHECK(r.mutants + r.not_compiled == r.generated);
    return r.survivors;
  };
  Fixture weak(inside);
  CHECK(has_change(survivors(weak), 5, 13, "`>=` → `>`"));
  Fixture strong(at_boundary);
  CHECK_FALSE(has_change(survivors(strong), 5, 13, "`>=` → `>`"));
}

TEST_CASE("update: failing values are rewritten by span, keeping comments and layout", "[suite][update]") {
  Fixture f(
      "  - name: wrong\n"
      "    case: {date_of_service: 2026-01-05, person: {flag: false}, trials: [], x: 1, y: 1}\n"
      "    expect:\n"
      "      decision: covered   # the comment stays\n"
      "      reasons: []\n"
      "      next_steps_contain: nowhere\n");
  TestResult r = f.run(0);
  REQUIRE_FALSE(r.passed);
  std::vector<ExpectationEdit> edits = expectation_edits(r, f.sources);
  REQUIRE(edits.size() == 3);
  CHECK(edits[0].text == "denied");
  CHECK(edits[1].text == "[r1]");
  CHECK_FALSE(edits[2].problem.empty());  // next_steps_contain is for the analyst to write
  std::string text = apply_edits(f.sources.file(f.suite->file).text(), edits);
  CHECK_THAT(text, Catch::Contains("      decision: denied   # the comment stays\n      reasons: [r1]\n"));
  CHECK_THAT(text, Catch::Contains("next_steps_contain: nowhere"));
}

TEST_CASE("reasons_include, citations in next steps, and merge keys across tests", "[suite][run]") {
  Fixture f(
      "  - name: base\n"
      "    case: &base {date_of_service: 2026-01-05, person: {flag: false}, trials: [], x: 1, y: 1}\n"
      "    expect: {reasons_include: [r1], next_steps_contain: \"(§1.1)\"}\n"
      "  - name: merged\n"
      "    case: {<<: *base, y: 3}\n"
      "    expect: {decision: covered, reasons_include: [r1]}\n"
      "  - name: wrong subset\n"
      "    case: *base\n"
      "    expect: {reasons_include: [r1, r2], next_steps_contain: \"(§9)\"}\n");
  CHECK(f.run(0).passed);
  CHECK(f.run(1).passed);
  TestResult wrong = f.run(2);
  REQUIRE(wrong.mismatches.size() == 2);
  CHECK(wrong.mismatches[0].key == "reasons_include");
  CHECK(wrong.mismatches[1].key == "next_steps");
}

TEST_CASE("merge keys copy a bounded number of pairs, own keys first", "[suite][yaml]") {
  engine::YamlTree tree;
  engine::YamlParse ok = engine::parse_first_yaml_document("a: &a {x: 1, y: 2}\nb: {<<: *a, y: 3}\n", tree, 64);
  REQUIRE(ok.problems.empty());
  const engine::YamlNode& root = tree.nodes[tree.root];
  const engine::YamlNode& b = tree.nodes[tree.children[root.first + 3]];
  REQUIRE(b.count == 4);  // y (its own), then x (merged); the anchor's y is not copied
  CHECK(tree.scalar(tree.nodes[tree.children[b.first]]) == "y");
  CHECK(tree.scalar(tree.nodes[tree.children[b.first + 1]]) == "3");
  CHECK(tree.scalar(tree.nodes[tree.children[b.first + 2]]) == "x");

  // 2,000 merges of a 100-pair anchor copy 200,000 pairs: refused, not built.
  std::string text = "a: &a {";
  for (int i = 0; i < 100; ++i) text += "k" + std::to_string(i) + ": 1, ";
  text += "z: 1}\nl:\n";
  for (int i = 0; i < 2000; ++i) text += "  - {<<: *a}\n";
  engine::YamlTree big;
  engine::YamlParse refused = engine::parse_first_yaml_document(text, big, 64);
  REQUIRE(refused.problems.size() == 1);
  CHECK(refused.problems[0].code == "case.too_large");
  CHECK_THAT(refused.problems[0].message, Catch::Contains("merge keys"));
}
