// `covcheck dump` stages as library calls: the AST dump shows every expression node once,
// the checked dump annotates every expression of the rules with a type and names with what
// they resolve to. Byte-exact outputs are pinned by tests/e2e/dump.sh (tests/golden/dump).
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "dsl/syntax/ast_dump.hpp"
#include "dsl/syntax/parser.hpp"
#include "engine/compile/pipeline.hpp"

namespace {

namespace dsl = covcheck::dsl;
const std::string small_dir = std::string(COVCHECK_SOURCE_DIR) + "/tests/golden/dump/small";

const char* policy_text = R"(policy p "P" version "1" default denied
codeset cs = icd10 { F33.*, G90.5* }
define grown(t) = t.weeks >= 6
rule r "R" cite "§1"
  when any diagnoses d: d.code in cs
  require count(trials t: grown(t)) >= 2 else deny "two"
)";

}  // namespace

TEST_CASE("the AST dump shows every expression node once, with its span", "[dump]") {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  dsl::FileId id = sources.add("p.cpl", policy_text);
  dsl::ast::NodeId next = 0;
  auto file = dsl::parse_file(sources, id, next, diagnostics);
  REQUIRE(file);
  std::string dump = dsl::dump_ast(*file, sources);
  std::multiset<unsigned> ids;
  std::regex node(" #([0-9]+) @[0-9]+:[0-9]+-[0-9]+:[0-9]+");
  for (auto it = std::sregex_iterator(dump.begin(), dump.end(), node); it != std::sregex_iterator(); ++it) {
    ids.insert(static_cast<unsigned>(std::stoul((*it)[1])));
  }
  CHECK(ids.size() == file->node_count);
  CHECK(std::set<unsigned>(ids.begin(), ids.end()).size() == file->node_count);
  CHECK_THAT(dump, Catch::Contains("Rule r \"R\" @4:1-6:57"));
  CHECK_THAT(dump, Catch::Contains("when: Quantifier any d #"));
  CHECK_THAT(dump, Catch::Contains("Requirement[0] criterion @6:3-6:57"));
  CHECK_THAT(dump, Catch::Contains("else denied \"two\""));
  CHECK_THAT(dump, Catch::Contains("CodeSetLiteral icd10 { F33.*, G90.5* }"));
}

TEST_CASE("the parse-tree dump names grammar rules with positions", "[dump]") {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  std::string tree = dsl::dump_parse_tree(sources, sources.add("p.cpl", policy_text), diagnostics);
  CHECK_FALSE(diagnostics.has_errors());
  CHECK_THAT(tree, Catch::Contains("rule_item 4:1-6:57"));
  CHECK_THAT(tree, Catch::Contains("code_token 2:22-2:27 `F33.*`"));
}

TEST_CASE("the checked dump types every rule expression and resolves names", "[dump]") {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  covcheck::engine::RuleSetBuild built = covcheck::engine::build_rule_set({small_dir}, sources, diagnostics);
  INFO(dsl::render_all(diagnostics, sources));
  REQUIRE(built.program);
  std::string dump = dsl::dump_checked(*built.program->checked, sources);
  CHECK_THAT(dump, Catch::Contains("Define adequate(t: trial) : bool"));
  CHECK_THAT(dump, Catch::Contains("object: NameRef t #1 @8:22-8:23 : trial -> parameter 0 of define adequate"));
  CHECK_THAT(dump, Catch::Contains("Rule cover_esk (coverage) in small 1"));
  CHECK_THAT(dump, Catch::Contains("-> member benefit.mental_health"));
  CHECK_THAT(dump, Catch::Contains("-> variable bound by #"));
  // Every expression line carries a type.
  std::size_t expressions = 0;
  std::istringstream lines(dump);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" #") == std::string::npos || line.find(": ") == std::string::npos) continue;
    if (line.find("digest") != std::string::npos) continue;
    ++expressions;
    INFO(line);
    CHECK(line.find(" @") < line.rfind(" : "));
  }
  CHECK(expressions > 20);
}

TEST_CASE("the AST dump shows `unknown(...)`, `is none`, `or none` and synonyms", "[dump][unknown][none][synonyms]") {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  dsl::FileId id = sources.add("s.cpl", R"(schema s "S" version "1"
enum e { a, b }
record case { f: e or none  g: date }
synonyms e { a: "A", "alpha" }
define d = if f is none then unknown(g, f) else g
)");
  dsl::ast::NodeId next = 0;
  auto file = dsl::parse_file(sources, id, next, diagnostics);
  REQUIRE(file);
  std::string dump = dsl::dump_ast(*file, sources);
  CHECK_THAT(dump, Catch::Contains("FieldDecl f: e or none @3:15-3:27"));
  CHECK_THAT(dump, Catch::Contains("SynonymsDecl e @4:1-4:31"));
  CHECK_THAT(dump, Catch::Contains("SynonymEntry a: \"A\", \"alpha\" @4:14-4:29"));
  CHECK_THAT(dump, Catch::Contains("condition: Presence is none #"));
  CHECK_THAT(dump, Catch::Contains("then: UnknownValue (2 facts) #"));
  CHECK_THAT(dump, Catch::Contains("facts[1]: NameRef f #"));
}
