// The `covcheck test` machinery: suite validation (file:line:col, did-you-mean), inline
// cases, expectation comparison, filters, coverage counts, and the LCOV and JUnit writers.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/unit/rule_text_fixture.hpp"
#include "tools/covcheck/suite.hpp"
#include "tools/covcheck/suite_coverage.hpp"
#include "tools/covcheck/suite_report.hpp"
#include "tools/covcheck/suite_run.hpp"

namespace fs = std::filesystem;
using namespace covcheck;
using namespace covcheck::cli;

namespace {

const char* policy = R"(policy p "Test" version "1" default denied "not addressed"
rule r1 "One" cite "§1"
  when x > 0
  cover
  require y >= 2 cite "§1.1"
  require document lmn cite "§1.2"
rule r2 "Two" cite "§2"
  when y > 5
  exclude "negative x"
)";

// A rule folder (test schema + policy) with a tests/ folder holding `suite_text`.
struct Fixture {
  fs::path dir;
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  explicit Fixture(const std::string& suite_text) {
    dir = testing::write_rule_dir({{"schema.cpl", testing::test_schema}, {"policy.cpl", policy}});
    fs::create_directories(dir / "tests");
    std::ofstream(dir / "tests" / "suite.yaml", std::ios::binary) << suite_text;
  }
  std::string suite_path() const { return (dir / "tests" / "suite.yaml").string(); }
  std::optional<Suite> load() { return load_suite(suite_path(), sources, diagnostics); }
  std::string rendered() { return dsl::render_all(diagnostics, sources); }
};

const char* suite_head = "rules: [..]\ntests:\n";

struct Ran {
  std::vector<TestResult> results;
  Coverage coverage;
};

Ran run_all(Fixture& f, const Suite& suite) {
  RuleSets sets;
  std::vector<Suite> one{suite};
  REQUIRE(build_rule_sets(one, f.sources, f.diagnostics, sets) == engine::RuleSetStatus::ok);
  INFO(f.rendered());
  REQUIRE(sets.programs.size() == 1);
  Ran ran;
  ran.coverage.add_program(*sets.programs[0], f.sources);
  engine::DecisionSession session(*sets.programs[0], f.sources);
  for (const SuiteTest& t : suite.tests) {
    TestResult r = run_test(t, session);
    if (r.determination) ran.coverage.add(*r.determination, session.sources());
    ran.results.push_back(std::move(r));
  }
  return ran;
}

}  // namespace

TEST_CASE("suite keys are validated with file:line:col and did-you-mean", "[suite]") {
  Fixture f(std::string(suite_head) + "  - name: a\n    case: {x: 1}\n    expect: {decison: covered}\n");
  CHECK_FALSE(f.load());
  std::string out = f.rendered();
  CHECK_THAT(out, Catch::Contains("tests/suite.yaml:5:14: error: unknown expectation key `decison`"));
  CHECK_THAT(out, Catch::Contains("did you mean `decision`?"));
}

TEST_CASE("suite values are validated", "[suite]") {
  Fixture f(std::string(suite_head) +
            "  - name: a\n    case: {x: 1}\n    as_of: 2026-02-30\n    expect: {decision: coverd, prior_auth: maybe}\n"
            "  - name: a\n    case: missing.yaml\n    expect: {error: x, decision: pend}\n");
  CHECK_FALSE(f.load());
  std::string out = f.rendered();
  CHECK_THAT(out, Catch::Contains(":5:12: error: `as_of` `2026-02-30` is not a date"));
  CHECK_THAT(out, Catch::Contains(":6:24: error: `decision` `coverd` is not one of covered, pend, denied, excluded"));
  CHECK_THAT(out, Catch::Contains("`prior_auth` must be true, false or null"));
  CHECK_THAT(out, Catch::Contains(":7:11: error: another test of this suite is named `a`"));
  CHECK_THAT(out, Catch::Contains(":8:11: error: case file `missing.yaml` does not exist"));
  CHECK_THAT(out, Catch::Contains("`error` cannot be combined with other expectations"));
}

TEST_CASE("a suite needs rules and tests, and rule paths must exist", "[suite]") {
  Fixture f("rules: [../nowhere]\n");
  CHECK_FALSE(f.load());
  std::string out = f.rendered();
  CHECK_THAT(out, Catch::Contains(":1:9: error: rule path `../nowhere` does not exist"));
  CHECK_THAT(out, Catch::Contains("error: the suite has no `tests`"));
}

TEST_CASE("find_suites takes tests/*.yaml below a folder", "[suite]") {
  Fixture f(std::string(suite_head) + "  - name: a\n    case: {x: 1}\n    expect: {decision: covered}\n");
  std::ofstream(f.dir / "not-a-suite.yaml") << "x: 1\n";
  dsl::Diagnostics d;
  std::vector<std::string> found = find_suites({f.dir.string()}, d);
  REQUIRE(found.size() == 1);
  CHECK_THAT(found[0], Catch::EndsWith("tests/suite.yaml"));
  find_suites({(f.dir / "nope").string()}, d);
  CHECK(d.has_errors());
}

TEST_CASE("inline cases keep the suite's line:col in their diagnostics", "[suite][run]") {
  Fixture f(std::string(suite_head) +
            "  - name: bad enum\n"
            "    case:\n"
            "      date_of_service: 2026-01-05\n"
            "      trials: [{cls: z}]\n"
            "    expect: {decision: covered}\n");
  std::optional<Suite> suite = f.load();
  INFO(f.rendered());
  REQUIRE(suite);
  Ran ran = run_all(f, *suite);
  REQUIRE(ran.results.size() == 1);
  CHECK_FALSE(ran.results[0].passed);
  CHECK_THAT(ran.results[0].case_diagnostics, Catch::Contains("tests/suite.yaml:6:22: error:"));
}

TEST_CASE("expectations pass and fail key by key, with the deciding trace", "[suite][run]") {
  Fixture f(std::string(suite_head) +
            "  - name: covered\n"
            "    case: {date_of_service: 2026-01-05, x: 1, y: 3, documents: [lmn]}\n"
            "    expect: {decision: covered, reasons: [r1], missing: [], requirements: {lmn: present}}\n"
            "  - name: wrong\n"
            "    case: {date_of_service: 2026-01-05, x: 1, y: 1, documents: []}\n"
            "    expect: {decision: covered, reasons: [r1], requirements: {lmn: present}}\n"
            "  - name: excluded\n"
            "    case: {date_of_service: 2026-01-05, x: 0, y: 9}\n"
            "    expect: {decision: excluded, reasons: [r2], prior_auth: false, benefit: null}\n"
            "  - name: unknown y\n"
            "    case: {date_of_service: 2026-01-05, x: 1, documents: [lmn]}\n"
            "    expect: {decision: pend, missing: [y]}\n");
  std::optional<Suite> suite = f.load();
  INFO(f.rendered());
  REQUIRE(suite);
  Ran ran = run_all(f, *suite);
  REQUIRE(ran.results.size() == 4);
  CHECK(ran.results[0].passed);
  CHECK(ran.results[2].passed);
  CHECK(ran.results[3].passed);
  const TestResult& wrong = ran.results[1];
  REQUIRE_FALSE(wrong.passed);
  REQUIRE(wrong.mismatches.size() == 2);
  CHECK(wrong.mismatches[0].key == "decision");
  CHECK(wrong.mismatches[0].expected == "covered");
  CHECK(wrong.mismatches[0].actual == "denied");
  CHECK(wrong.mismatches[1].key == "requirements");
  CHECK(wrong.mismatches[1].actual == "{lmn: missing}");
  std::string text = render_failure(wrong, f.sources);
  CHECK_THAT(text, Catch::StartsWith("FAIL "));
  CHECK_THAT(text, Catch::Contains("tests/suite.yaml:6:11: wrong"));
  CHECK_THAT(text, Catch::Contains("policy.cpl:5:3: r1 `y >= 2` is false (§1.1)"));
  CHECK_THAT(text, Catch::Contains("policy.cpl:6:3: r1 document `lmn` is missing (§1.2)"));
  CHECK_THAT(text, Catch::Contains("decisive deny r1"));

  // Coverage: r1's when true 3 / false 1; `y >= 2` true 1, false 1, unknown 1 (not evaluated when r1 does not apply).
  std::vector<const CoverageItem*> items = ran.coverage.items();
  auto find = [&](CoverageItem::Kind kind, std::uint32_t line) -> const CoverageItem* {
    for (const CoverageItem* i : items)
      if (i->kind == kind && i->line == line) return i;
    return nullptr;
  };
  const CoverageItem* when = find(CoverageItem::Kind::when, 3);
  REQUIRE(when);
  CHECK(when->counts.yes == 3);
  CHECK(when->counts.no == 1);
  const CoverageItem* y = find(CoverageItem::Kind::criterion, 5);
  REQUIRE(y);
  CHECK(y->counts.yes == 1);
  CHECK(y->counts.no == 1);
  CHECK(y->counts.unknown == 1);
  const CoverageItem* r2_when = find(CoverageItem::Kind::when, 8);
  REQUIRE(r2_when);
  CHECK(r2_when->counts.yes == 1);
  CHECK(r2_when->counts.no == 2);
  CHECK(r2_when->counts.unknown == 1);
  // Conditions: r1 when, y >= 2, lmn, r2 when: all both ways.
  std::vector<FileCoverage> summary = ran.coverage.summary();
  REQUIRE(summary.back().file == "total");
  CHECK(summary.back().conditions == 4);
  CHECK(summary.back().directions == 8);
  CHECK(below_minimum(ran.coverage, 100).empty());
}

TEST_CASE("coverage reports conditions never made both true and false", "[suite][coverage]") {
  Fixture f(std::string(suite_head) +
            "  - name: covered\n"
            "    case: {date_of_service: 2026-01-05, x: 1, y: 3, documents: [lmn]}\n"
            "    expect: {decision: covered}\n");
  std::optional<Suite> suite = f.load();
  REQUIRE(suite);
  Ran ran = run_all(f, *suite);
  std::vector<FileCoverage> summary = ran.coverage.summary();
  // r1 when true only, y true only, lmn present only, r2 when false only: 4 of 8.
  CHECK(summary.back().directions == 4);
  CHECK(summary.back().percent() == Approx(50.0));
  std::string report = render_coverage(ran.coverage);
  CHECK_THAT(report, Catch::Contains("r1 require `y >= 2` (§1.1): never false (true 1, false 0, unknown 0)"));
  CHECK_THAT(report, Catch::Contains("rule r2: never applied"));
  REQUIRE(below_minimum(ran.coverage, 95).size() == 2);  // policy.cpl and the total
  CHECK_THAT(below_minimum(ran.coverage, 95)[0], Catch::Contains("is 50.0%, below --coverage-min 95"));
}

TEST_CASE("LCOV output is well formed", "[suite][lcov]") {
  Fixture f(std::string(suite_head) +
            "  - name: covered\n"
            "    case: {date_of_service: 2026-01-05, x: 1, y: 3, documents: [lmn]}\n"
            "    expect: {decision: covered}\n"
            "  - name: excluded\n"
            "    case: {date_of_service: 2026-01-05, x: 0, y: 9}\n"
            "    expect: {decision: excluded}\n");
  std::optional<Suite> suite = f.load();
  REQUIRE(suite);
  Ran ran = run_all(f, *suite);
  std::string lcov = render_lcov(ran.coverage);
  std::istringstream in(lcov);
  std::string line;
  std::regex record_line(
      R"((TN:.*|SF:.+|FN:\d+,[\w.]+|FNDA:\d+,[\w.]+|FNF:\d+|FNH:\d+|BRDA:\d+,\d+,[01],(\d+|-)|BRF:\d+|BRH:\d+|DA:\d+,\d+|LF:\d+|LH:\d+|end_of_record))");
  int records = 0, open = 0, brda = 0;
  bool saw_policy = false;
  while (std::getline(in, line)) {
    INFO(line);
    CHECK(std::regex_match(line, record_line));
    if (line.starts_with("SF:")) {
      ++open;
      saw_policy |= line.ends_with("policy.cpl");
    }
    if (line == "end_of_record") {
      ++records;
      --open;
    }
    brda += line.starts_with("BRDA:");
    CHECK((open == 0 || open == 1));
  }
  CHECK(open == 0);
  CHECK(records == 1);  // only policy.cpl holds rules
  CHECK(saw_policy);
  CHECK(brda == 8);  // 4 conditions x true/false
  CHECK_THAT(lcov, Catch::Contains("FN:2,r1\n"));
  CHECK_THAT(lcov, Catch::Contains("BRDA:8,3,0,1\nBRDA:8,3,1,1\n"));  // r2's when: once each way
  CHECK_THAT(lcov, Catch::Contains("BRDA:5,1,0,1\nBRDA:5,1,1,0\n"));  // y >= 2: evaluated once, true
}

TEST_CASE("JUnit XML escapes names and messages", "[suite][junit]") {
  Fixture f(std::string(suite_head) +
            "  - name: \"a <b> & 'c'\"\n"
            "    case: {date_of_service: 2026-01-05, x: 1, y: 3, documents: [lmn]}\n"
            "    expect: {decision: denied}\n");
  std::optional<Suite> suite = f.load();
  REQUIRE(suite);
  Ran ran = run_all(f, *suite);
  SuiteResult result;
  result.suite = &*suite;
  result.tests = std::move(ran.results);
  std::string xml = render_junit({result}, f.sources);
  CHECK_THAT(xml, Catch::StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
  CHECK_THAT(xml, Catch::Contains("tests=\"1\" failures=\"1\""));
  CHECK_THAT(xml, Catch::Contains("name=\"a &lt;b&gt; &amp; &#39;c&#39;\""));
  CHECK_THAT(xml, Catch::Contains("<failure message=\"decision: expected denied, got covered\""));
  CHECK_THAT(xml, Catch::EndsWith("</testsuites>\n"));
}

TEST_CASE("filters are substrings, or globs when they hold glob characters", "[suite]") {
  CHECK(filter_matches("", "anything"));
  CHECK(filter_matches("rider", "IV rider, patient 17"));
  CHECK_FALSE(filter_matches("Rider", "IV rider, patient 17"));
  CHECK(filter_matches("IV*17", "IV rider, patient 17"));
  CHECK_FALSE(filter_matches("rider*", "IV rider, patient 17"));
  CHECK(filter_matches("2025.?: *", "2025.2: oral ketamine"));
}

TEST_CASE("the shipped suites pass", "[suite][shipped]") {
  dsl::Diagnostics diagnostics;
  dsl::SourceRegistry sources;
  fs::path root = fs::path(COVCHECK_SOURCE_DIR);
  std::vector<std::string> paths =
      find_suites({(root / "rules/acme").string(), (root / "rules/mandates").string()}, diagnostics);
  REQUIRE(paths.size() >= 2);
  std::vector<Suite> suites;
  for (const std::string& p : paths)
    if (auto s = load_suite(p, sources, diagnostics)) suites.push_back(std::move(*s));
  INFO(dsl::render_all(diagnostics, sources));
  REQUIRE(suites.size() == paths.size());
  RuleSets sets;
  REQUIRE(build_rule_sets(suites, sources, diagnostics, sets) == engine::RuleSetStatus::ok);
  CHECK(sets.programs.size() == 1);  // acme+mandates and mandates+acme are one rule set
  engine::DecisionSession session(*sets.programs[0], sources);
  for (std::size_t i = 0; i < suites.size(); ++i) {
    for (const SuiteTest& t : suites[i].tests) {
      TestResult r = run_test(t, session);
      INFO(render_failure(r, sources));
      CHECK(r.passed);
    }
  }
}
