// Properties of the semantics over seeded, reproducible generated rule sets and cases
// (tests/unit/rule_generator.hpp): information monotonicity, order independence,
// determinism, and the formatter's round trip. A failure prints the seed and the rule set.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dsl/format/format.hpp"
#include "dsl/syntax/ast_equal.hpp"
#include "dsl/syntax/parser.hpp"
#include "engine/answer/render.hpp"
#include "engine/session/session.hpp"
#include "pipeline_fixture.hpp"
#include "rule_generator.hpp"

using namespace covcheck;
using namespace covcheck::testing::gen;

namespace {

constexpr std::uint64_t rule_sets = 150;  // seeds 1..150; each rule set is decided on several cases
constexpr int cases_per_set = 6;

std::string describe(std::uint64_t seed, const std::vector<GeneratedFile>& files) {
  std::string out = "seed " + std::to_string(seed) + "\n";
  for (const GeneratedFile& f : files) out += "--- " + f.name + "\n" + f.text();
  return out;
}

// Everything a determination says, minus where it was said (source positions and file
// digests change when rules move or are reformatted; the answer must not). `missing`,
// `requirements` and `next_steps` are listed in rule-text order (only `reasons` has a
// specified order, by rule id), so with `sorted` they are compared as sets.
// With `unquoted`, rule text quoted in next steps (which formatting may re-spell) is elided.
std::string comparable(const engine::Determination& d, bool sorted = false, bool unquoted = false) {
  std::ostringstream o;
  o << "decision " << engine::decision_name(d.decision) << "\nat_stake";
  for (engine::Decision s : d.at_stake) o << " " << engine::decision_name(s);
  o << "\nbasis " << d.basis.value_or("null") << "\nprior_auth "
    << (d.prior_auth ? (*d.prior_auth ? "true" : "false") : "null") << "\nbenefit " << d.benefit.value_or("null")
    << "\nconflict";
  for (const std::string& b : d.benefit_conflict) o << " " << b;
  if (d.authorization)
    o << "\nauthorization " << d.authorization->days.value_or(-1) << " " << d.authorization->months.value_or(-1) << " "
      << d.authorization->units.value_or(-1);
  for (const engine::Reason& r : d.reasons)
    o << "\nreason " << r.rule << " " << r.effect << " " << r.message << " " << r.decisive << " "
      << r.cite.value_or("");
  std::vector<std::string> listed;
  for (const engine::MissingFact& m : d.missing) {
    std::vector<std::string> rules = m.rules;
    if (sorted) std::sort(rules.begin(), rules.end());
    std::string line = "missing " + m.fact + ":";
    for (const std::string& r : rules) line += " " + r;
    listed.push_back(line);
  }
  for (const engine::RequirementStatus& r : d.requirements)
    listed.push_back("requirement " + r.item + " " + r.status + " " + r.rule);
  for (std::string n : d.next_steps) {
    for (std::size_t open = n.find('`'); unquoted && open != std::string::npos; open = n.find('`', open + 3)) {
      std::size_t close = n.find('`', open + 1);
      if (close == std::string::npos) break;
      n.replace(open, close - open + 1, "`_`");
    }
    listed.push_back("next " + n);
  }
  if (sorted) std::sort(listed.begin(), listed.end());
  for (const std::string& l : listed) o << "\n" << l;
  for (const engine::CaseWarning& w : d.warnings) o << "\nwarning " << w.message;
  for (const engine::PolicyRef& p : d.policies) o << "\npolicy " << p.kind << " " << p.name << " " << p.version;
  return o.str();
}

const char* name(engine::Decision d) { return engine::decision_name(d); }

}  // namespace

TEST_CASE("information monotonicity: filling an absent field keeps a definite decision", "[properties][monotonicity]") {
  int checked = 0, definite = 0;
  for (std::uint64_t seed = 1; seed <= rule_sets; ++seed) {
    SeededChoices choices(seed);
    std::vector<GeneratedFile> files = RuleSetGenerator<SeededChoices>(choices, {}).generate();
    GeneratedProgram g = build_program(with_schema(files));
    INFO(describe(seed, files));
    INFO(g.diagnostics);
    REQUIRE(g.program);
    CaseGenerator<SeededChoices> cases(choices);
    for (int n = 0; n < cases_per_set; ++n) {
      GeneratedCase k = cases.generate();
      std::string errors;
      std::optional<engine::Determination> d = decide(g, k.yaml(), &errors);
      INFO(k.yaml() << errors);
      REQUIRE(d);
      auto [lo, hi] = outcome_bounds(*d);
      engine::Decision first = d->decision;
      bool first_definite = lo == hi && first != engine::Decision::pend;
      for (std::string field = cases.fill(k); !field.empty(); field = cases.fill(k)) {
        std::optional<engine::Determination> e = decide(g, k.yaml(), &errors);
        INFO("after filling " << field << ":\n" << k.yaml() << errors);
        REQUIRE(e);
        auto [lo2, hi2] = outcome_bounds(*e);
        // The outcomes still possible only narrow: a definite decision never changes.
        CHECK(lo <= lo2);
        CHECK(hi2 <= hi);
        if (first_definite) CHECK(name(e->decision) == std::string(name(first)));
        lo = lo2;
        hi = hi2;
        ++checked;
      }
      definite += first_definite ? 1 : 0;
    }
  }
  CHECK(checked > 1000);  // the generator really exercises the property
  CHECK(definite > 50);
}

TEST_CASE("with presence tests, every change of a definite decision traces to a presence test on the filled field",
          "[properties][monotonicity]") {
  int changes = 0;
  for (std::uint64_t seed = 1; seed <= rule_sets; ++seed) {
    SeededChoices choices(seed * 7919);
    RuleSetOptions options;
    options.presence_tests = true;
    std::vector<GeneratedFile> files = RuleSetGenerator<SeededChoices>(choices, options).generate();
    GeneratedProgram g = build_program(with_schema(files));
    INFO(describe(seed, files));
    REQUIRE(g.program);
    std::string rules;
    for (const GeneratedFile& f : files) rules += f.text();
    CaseGenerator<SeededChoices> cases(choices);
    for (int n = 0; n < cases_per_set; ++n) {
      GeneratedCase k = cases.generate();
      std::optional<engine::Determination> d = decide(g, k.yaml());
      REQUIRE(d);
      for (std::string field = cases.fill(k); !field.empty(); field = cases.fill(k)) {
        std::optional<engine::Determination> e = decide(g, k.yaml());
        REQUIRE(e);
        auto [lo, hi] = outcome_bounds(*d);
        auto [lo2, hi2] = outcome_bounds(*e);
        if (lo2 < lo || hi2 > hi) {
          ++changes;
          INFO("filling " << field << " moved " << name(lo) << ".." << name(hi) << " to " << name(lo2) << ".."
                          << name(hi2) << "\n"
                          << k.yaml());
          CHECK((rules.find(field + " is known") != std::string::npos ||
                 rules.find(field + " is unknown") != std::string::npos));
        }
        d = std::move(e);
      }
    }
  }
  CHECK(changes > 0);  // presence tests do make decisions move, and every move was explained
}

TEST_CASE("order independence: reordering rules within and across files changes no determination",
          "[properties][order]") {
  for (std::uint64_t seed = 1; seed <= rule_sets; ++seed) {
    SeededChoices choices(seed * 104729);
    RuleSetOptions options;
    options.presence_tests = seed % 3 == 0;
    options.max_rules = 8;
    std::vector<GeneratedFile> files = RuleSetGenerator<SeededChoices>(choices, options).generate();
    GeneratedProgram g = build_program(with_schema(files));
    INFO(describe(seed, files));
    REQUIRE(g.program);

    std::vector<GeneratedFile> shuffled = files;
    for (GeneratedFile& f : shuffled) {
      std::reverse(f.rules.begin(), f.rules.end());
      if (f.rules.size() > 2) std::rotate(f.rules.begin(), f.rules.begin() + 1, f.rules.end());
    }
    auto reordered_files = with_schema(shuffled);
    std::reverse(reordered_files.begin(), reordered_files.end());  // modules and schema first
    GeneratedProgram h = build_program(reordered_files);
    REQUIRE(h.program);

    CaseGenerator<SeededChoices> cases(choices);
    for (int n = 0; n < cases_per_set; ++n) {
      std::string yaml = cases.generate().yaml();
      std::optional<engine::Determination> a = decide(g, yaml);
      std::optional<engine::Determination> b = decide(h, yaml);
      REQUIRE(a);
      REQUIRE(b);
      INFO(yaml);
      CHECK(comparable(*a, true) == comparable(*b, true));
    }
  }
}

TEST_CASE("determinism: the same inputs give byte-identical JSON", "[properties][determinism]") {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    SeededChoices choices(seed * 31337);
    std::vector<GeneratedFile> files = RuleSetGenerator<SeededChoices>(choices, {}).generate();
    GeneratedProgram g = build_program(with_schema(files));
    GeneratedProgram h = build_program(with_schema(files));
    REQUIRE(g.program);
    REQUIRE(h.program);
    CaseGenerator<SeededChoices> cases(choices);
    for (int n = 0; n < cases_per_set; ++n) {
      std::string yaml = cases.generate().yaml();
      std::optional<engine::Determination> a = decide(g, yaml), again = decide(g, yaml), b = decide(h, yaml);
      REQUIRE((a && again && b));
      std::string json = engine::render_json(*a, g.sources, true);
      CHECK(json == engine::render_json(*again, g.sources, true));
      CHECK(json == engine::render_json(*b, h.sources, true));
    }
  }
  // The reference policies and their example cases, through two independent pipelines.
  namespace fs = std::filesystem;
  const std::string root = COVCHECK_SOURCE_DIR;
  testing::Pipeline one({root + "/rules/acme", root + "/rules/mandates"});
  testing::Pipeline two({root + "/rules/acme", root + "/rules/mandates"});
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(root + "/rules/acme/cases"))
    if (e.path().extension() == ".yaml") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  REQUIRE(paths.size() > 10);
  for (const fs::path& path : paths) {
    auto a = one.run_file(path.string()), b = two.run_file(path.string());
    if (!a.determination) continue;
    REQUIRE(b.determination);
    INFO(path);
    CHECK(engine::render_json(*a.determination, one.sources(), true) ==
          engine::render_json(*b.determination, two.sources(), true));
  }
}

TEST_CASE("fmt round trip: a formatted rule set parses to an equal AST and decides every case identically",
          "[properties][fmt]") {
  auto format_all = [](const std::vector<std::pair<std::string, std::string>>& files, std::string& problem) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [file_name, text] : files) {
      dsl::SourceRegistry sources;
      dsl::Diagnostics diagnostics;
      dsl::FileId id = sources.add(file_name, text);
      std::optional<std::string> formatted = dsl::format_source(sources, id, diagnostics);
      if (!formatted) {
        problem = file_name + " did not format:\n" + dsl::render_all(diagnostics, sources);
        return out;
      }
      dsl::FileId fid = sources.add(file_name + " (formatted)", *formatted);
      dsl::ast::NodeId n1 = 0, n2 = 0;
      auto before = dsl::parse_file(sources, id, n1, diagnostics);
      auto after = dsl::parse_file(sources, fid, n2, diagnostics);
      if (!before || !after) {
        problem =
            file_name + ": the formatted text does not parse:\n" + *formatted + dsl::render_all(diagnostics, sources);
        return out;
      }
      if (auto diff = dsl::ast_difference(*before, *after)) {
        problem = file_name + ": " + *diff + "\n" + *formatted;
        return out;
      }
      out.emplace_back(file_name, std::move(*formatted));
    }
    return out;
  };

  for (std::uint64_t seed = 1; seed <= 80; ++seed) {
    SeededChoices choices(seed * 65537);
    RuleSetOptions options;
    options.presence_tests = seed % 2 == 0;
    std::vector<GeneratedFile> files = RuleSetGenerator<SeededChoices>(choices, options).generate();
    auto sources = with_schema(files);
    std::string problem;
    auto formatted = format_all(sources, problem);
    INFO(describe(seed, files));
    INFO(problem);
    REQUIRE(problem.empty());
    GeneratedProgram g = build_program(sources), h = build_program(formatted);
    REQUIRE(g.program);
    REQUIRE(h.program);
    CaseGenerator<SeededChoices> cases(choices);
    for (int n = 0; n < cases_per_set; ++n) {
      std::string yaml = cases.generate().yaml();
      std::optional<engine::Determination> a = decide(g, yaml), b = decide(h, yaml);
      REQUIRE((a && b));
      INFO(yaml);
      CHECK(comparable(*a, false, true) == comparable(*b, false, true));
    }
  }
}

TEST_CASE("fmt round trip over every rule file of the repository", "[properties][fmt]") {
  namespace fs = std::filesystem;
  const fs::path root = COVCHECK_SOURCE_DIR;
  std::vector<fs::path> paths;
  for (const auto& e : fs::recursive_directory_iterator(root / "rules"))
    if (e.path().extension() == ".cpl") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  REQUIRE(paths.size() > 5);
  for (const fs::path& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    dsl::SourceRegistry sources;
    dsl::Diagnostics diagnostics;
    dsl::FileId id = sources.add(path.string(), buffer.str());
    std::optional<std::string> formatted = dsl::format_source(sources, id, diagnostics);
    INFO(path << "\n" << dsl::render_all(diagnostics, sources));
    REQUIRE(formatted);
    dsl::FileId fid = sources.add(path.string() + " (formatted)", *formatted);
    dsl::ast::NodeId n1 = 0, n2 = 0;
    auto before = dsl::parse_file(sources, id, n1, diagnostics);
    auto after = dsl::parse_file(sources, fid, n2, diagnostics);
    REQUIRE(before);
    REQUIRE(after);
    CHECK(dsl::ast_difference(*before, *after) == std::nullopt);
    dsl::SourceRegistry again_sources;
    dsl::FileId again = again_sources.add("again", *formatted);
    CHECK(dsl::format_source(again_sources, again, diagnostics) == formatted);  // idempotent
  }
}

TEST_CASE("bounded traces: the answer apart from its trace does not depend on how many elements it shows",
          "[properties][trace]") {
  for (std::uint64_t seed = 1; seed <= 80; ++seed) {
    SeededChoices choices(seed * 7919);
    std::vector<GeneratedFile> files = RuleSetGenerator<SeededChoices>(choices, {}).generate();
    GeneratedProgram g = build_program(with_schema(files));
    REQUIRE(g.program);
    CaseGenerator<SeededChoices> cases(choices);
    for (int n = 0; n < cases_per_set; ++n) {
      std::string yaml = cases.generate().yaml();
      std::string every;
      engine::DecisionSession session(*g.program, g.sources);
      for (std::uint32_t elements : {engine::every_trace_element, 0u, 1u}) {
        engine::CaseInput input;
        input.text = yaml;
        input.name = "case.yaml";
        engine::SessionOptions options;
        options.trace = true;
        options.trace_elements = elements;
        engine::CaseOutcome& r = session.decide(input, options);
        if (!r.determination) break;
        std::string answer = comparable(*r.determination);
        if (elements == engine::every_trace_element) {
          every = answer;
          continue;
        }
        INFO(describe(seed, files) << "--- case\n" << yaml << "--- trace elements " << elements);
        CHECK(answer == every);
        CHECK_FALSE(engine::render_json(*r.determination, session.sources(), true).empty());
      }
    }
  }
}
