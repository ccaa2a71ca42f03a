// The untraced evaluation (test forms read in place, eager conditions, routing memos) against
// the traced one, which evaluates every op through eval(): every rule's condition, criteria,
// applicability and the decision must agree, on the shipped rule sets with their example
// cases, on the peer workload's committed sample, on hand-written edge cases and on
// generated rule sets (tests/unit/rule_generator.hpp).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "engine/cases/case_loader.hpp"
#include "engine/cases/json_case_loader.hpp"
#include "engine/eval/decider.hpp"
#include "tests/unit/pipeline_fixture.hpp"
#include "tests/unit/rule_generator.hpp"
#include "tests/unit/rule_text_fixture.hpp"

namespace fs = std::filesystem;
using namespace covcheck;

namespace {

struct Pair {
  explicit Pair(const engine::Program& p) : untraced(p), traced(p) {}
  engine::Decider untraced, traced;
};

// Decides `c` both ways and compares everything the decision is made of.
void agree(Pair& d, const engine::Case& c, std::optional<std::int32_t> as_of = std::nullopt) {
  engine::DecideStatus a = d.untraced.decide(c, as_of, false);
  engine::DecideStatus b = d.traced.decide(c, as_of, true);
  REQUIRE(a == b);
  if (a != engine::DecideStatus::decided) return;
  const engine::Program& p = d.untraced.program();
  for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
    INFO("rule " << p.rules[r].checked->display_id);
    const engine::RuleState& x = d.untraced.rule(r);
    const engine::RuleState& y = d.traced.rule(r);
    CHECK(x.active == y.active);
    CHECK(x.evaluated == y.evaluated);
    if (x.when_done && y.when_done) CHECK(x.when == y.when);
    CHECK(x.applies == y.applies);
    CHECK(x.lo == y.lo);
    CHECK(x.hi == y.hi);
    CHECK(x.decisive == y.decisive);
    if (x.evaluated)
      for (std::size_t i = 0; i < p.rules[r].criteria.size(); ++i)
        CHECK(d.untraced.criterion(r, i) == d.traced.criterion(r, i));
  }
  CHECK(d.untraced.decision() == d.traced.decision());
  CHECK(d.untraced.lowest() == d.traced.lowest());
  CHECK(d.untraced.highest() == d.traced.highest());
  CHECK(d.untraced.prior_auth() == d.traced.prior_auth());
  CHECK(d.untraced.benefit() == d.traced.benefit());
  CHECK(d.untraced.reasons() == d.traced.reasons());
}

std::optional<engine::Case> load_yaml(const engine::Program& program, dsl::SourceRegistry& sources,
                                      const std::string& name, const std::string& text) {
  dsl::Diagnostics diags;
  dsl::FileId f = sources.add(name, text);
  auto c = engine::load_case(program.schema(), sources, f, diags);
  if (c) engine::validate_case(program, *c, diags);
  if (diags.has_errors()) return std::nullopt;
  return c;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the peer workload plans its conditions eagerly, each distinct fact once", "[plan]") {
  testing::Pipeline p({COVCHECK_SOURCE_DIR "/bench/workload"});
  REQUIRE(p.ok());
  const engine::Program& program = p.program();
  // `drug == esketamine` is inlined wherever `esk` is used, yet it is one eager slot.
  std::vector<std::uint32_t> slots;
  for (std::uint32_t i = 0; i < program.ops.size(); ++i) {
    const engine::TestForm& t = program.tests[i];
    if (t.kind == engine::TestKind::equal_member && t.eager != engine::no_op) slots.push_back(t.eager);
  }
  REQUIRE(slots.size() > 3);
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  // drug == ketamine, drug == esketamine, site.setting == home, benefit == mental_health,
  // benefit == pain_management
  CHECK(slots.size() == 5);
  CHECK(program.eager.before_routing.facts.size() > 15);
  CHECK(!program.eager.after_routing.links.empty());  // `mh`, `pain`: they read the benefit
  CHECK(program.routing_memos.size() == 2);
}

TEST_CASE("untraced decisions agree with traced ones on the peer workload's sample", "[plan]") {
  testing::Pipeline p({COVCHECK_SOURCE_DIR "/bench/workload"});
  REQUIRE(p.ok());
  Pair d(p.program());
  engine::JsonCaseLoader loader;
  engine::Case c;
  std::istringstream lines(read(COVCHECK_SOURCE_DIR "/tests/data/workload/cases.jsonl"));
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line);) {
    dsl::Diagnostics diags;
    REQUIRE(loader.load(p.program().schema(), line, line.size(), dsl::no_file, diags, c));
    INFO(line);
    agree(d, c);
    ++n;
  }
  CHECK(n == 3000);
}

TEST_CASE("untraced decisions agree with traced ones on every Acme example case", "[plan]") {
  testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme", COVCHECK_SOURCE_DIR "/rules/mandates"});
  REQUIRE(p.ok());
  Pair d(p.program());
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(COVCHECK_SOURCE_DIR "/rules/acme/cases")) {
    INFO(e.path().string());
    auto c = load_yaml(p.program(), p.sources(), e.path().string(), read(e.path()));
    if (!c) continue;
    agree(d, *c);
    agree(d, *c, dsl::parse_iso_date("2026-06-01"));
    ++n;
  }
  CHECK(n > 20);
}

TEST_CASE("untraced decisions agree on routing, defines over the benefit and absent records", "[plan]") {
  auto p = testing::policy_pipeline(R"(policy p "P" version "1" default denied
codeset dep = icd10 { F32*, F33.1 .. F33.9 }
define big = x > 5
define mh = benefit == mental_health
define depressed = any codes c: c in dep
rule route_m "M" when big and depressed route mental_health
rule route_p "P" when y >= 3 or s == "pain" route pain_management
rule cover_m "Covered for mental health" when mh and person.flag cover
  require big or person.age >= 18 else pend "age"
  require document lmn
rule deny_none "No benefit" when not (benefit in { mental_health, pain_management }) deny
rule deny_text "Text" when s != "ok" and big deny
rule pend_age "Age" when person.birth_date is unknown and mh pend
rule over "Overrides deny_text" when y == 7 overrides deny_text cover
rule no_route "Overrides route_p" when s == "other" and (mh or x == 9) overrides route_p deny
)");
  INFO(p.diagnostics_text());
  REQUIRE(p.ok());
  Pair d(p.program());
  const char* xs[] = {"", "x: 3\n", "x: 9\n"};
  const char* ys[] = {"", "y: 1\n", "y: 3\n", "y: 7\n"};
  const char* ss[] = {"", "s: ok\n", "s: pain\n", "s: other\n"};
  const char* codes[] = {"", "codes: []\n", "codes: [F32.1]\n", "codes: [Z00.0, F33.5]\n", "codes: [F33.0]\n"};
  const char* persons[] = {"", "person: {flag: true}\n", "person: {flag: false, birth_date: 2000-01-01}\n",
                           "person: {birth_date: 2015-01-01}\n"};
  const char* docs[] = {"", "documents: []\n", "documents: [notes, lmn]\n"};
  std::size_t n = 0;
  for (const char* x : xs)
    for (const char* y : ys)
      for (const char* s : ss)
        for (const char* code : codes)
          for (const char* person : persons)
            for (const char* doc : docs) {
              std::string text = std::string("date_of_service: 2026-03-01\n") + x + y + s + code + person + doc;
              INFO(text);
              auto c = load_yaml(p.program(), p.sources(), "case.yaml", text);
              REQUIRE(c);
              agree(d, *c);
              ++n;
            }
  CHECK(n == 3 * 4 * 4 * 5 * 4 * 3);
}

TEST_CASE("untraced decisions agree with traced ones on generated rule sets", "[plan][properties]") {
  using namespace testing::gen;
  std::size_t checked = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    SeededChoices choices(seed);
    std::vector<GeneratedFile> files = RuleSetGenerator<SeededChoices>(choices, {}).generate();
    GeneratedProgram g = build_program(with_schema(files));
    INFO("seed " << seed << "\n" << g.diagnostics);
    REQUIRE(g.program);
    Pair d(*g.program);
    CaseGenerator<SeededChoices> cases(choices);
    for (int k = 0; k < 40; ++k) {
      std::string yaml = cases.generate().yaml();
      INFO(yaml);
      auto c = load_yaml(*g.program, g.sources, "case.yaml", yaml);
      REQUIRE(c);
      agree(d, *c);
      ++checked;
    }
  }
  CHECK(checked == 60 * 40);
}
