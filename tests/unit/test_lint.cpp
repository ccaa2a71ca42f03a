// Linter tests: each finding kind on a small rule text, the absence of false positives on
// near misses, ignore comments, and the shipped rules linting clean.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "dsl/lint/lint.hpp"
#include "rule_text_fixture.hpp"

using namespace covcheck;

namespace {

const char* header = "policy p \"P\" version \"1\"\n  default denied \"No\"\n";

struct Linted {
  std::vector<dsl::Diagnostic> findings;
  std::string text;
  bool has(const std::string& code) const {
    return std::any_of(findings.begin(), findings.end(), [&](const dsl::Diagnostic& d) { return d.code == code; });
  }
  std::size_t count(const std::string& code) const {
    return static_cast<std::size_t>(
        std::count_if(findings.begin(), findings.end(), [&](const dsl::Diagnostic& d) { return d.code == code; }));
  }
};

Linted lint_text(const std::string& body, std::vector<std::pair<std::string, std::string>> extra = {}) {
  testing::Pipeline p = testing::policy_pipeline(std::string(header) + body, std::move(extra));
  REQUIRE(p.ok());
  dsl::Diagnostics ds = dsl::lint_rule_set(*p.program().checked, p.sources());
  return {ds.items(), p.render(ds)};
}

}  // namespace

TEST_CASE("lint: contradictory conditions make a rule unreachable", "[lint]") {
  SECTION("one enum fact, two values") {
    auto l = lint_text("rule r \"R\" cite \"1\" when person.flag and s == \"a\" and s == \"b\" deny \"x\"\n");
    REQUIRE(l.has("lint.unreachable_rule"));
    CHECK(l.findings[0].severity == dsl::Severity::error);
  }
  SECTION("an empty numeric range, integers") {
    CHECK(lint_text("rule r \"R\" cite \"1\" when x > 5 and x < 6 deny \"x\"\n").has("lint.unreachable_rule"));
    CHECK(!lint_text("rule r \"R\" cite \"1\" when x > 5 and x < 7 deny \"x\"\n").has("lint.unreachable_rule"));
  }
  SECTION("through a define") {
    auto l = lint_text("define big = x >= 10\nrule r \"R\" cite \"1\" when big and x < 3 deny \"x\"\n");
    CHECK(l.has("lint.unreachable_rule"));
  }
  SECTION("a negated conjunction beside its parts") {
    auto l =
        lint_text("rule r \"R\" cite \"1\" when x > 1 and person.flag and not (x > 1 and person.flag) deny \"x\"\n");
    CHECK(l.has("lint.unreachable_rule"));
  }
  SECTION("unknown and a value") {
    CHECK(lint_text("rule r \"R\" cite \"1\" when x is unknown and x == 3 deny \"x\"\n").has("lint.unreachable_rule"));
    CHECK(!lint_text("rule r \"R\" cite \"1\" when x is unknown or x == 3 deny \"x\"\n").has("lint.unreachable_rule"));
  }
  SECTION("enum members that leave nothing") {
    auto l = lint_text("rule r \"R\" cite \"1\" when any trials t: t.cls in { a, b } and t.cls == c deny \"x\"\n");
    CHECK(l.has("lint.never_true"));  // the filter; the rule itself is judged through `any`
  }
}

TEST_CASE("lint: disjoint and overlapping code sets", "[lint]") {
  std::string sets = "codeset dep = icd10 { F32.0 .. F32.5, F33.* }\ncodeset crps = icd10 { G90.5* }\n";
  SECTION("disjoint sets for one code") {
    auto l = lint_text(sets + "rule r \"R\" cite \"1\" when any codes c: c in dep and c in crps deny \"x\"\n");
    CHECK(l.has("lint.never_true"));
  }
  SECTION("sets that share codes") {
    auto l =
        lint_text(sets + "rule r \"R\" cite \"1\" when any codes c: c in dep and c in icd10 { F33.1 } deny \"x\"\n");
    CHECK(!l.has("lint.never_true"));
    CHECK(!l.has("lint.unreachable_rule"));
  }
  SECTION("entries that subsume each other") {
    auto l = lint_text(
        "codeset dep = icd10 { F33.*, F33.1, F32.0 .. F32.5, F32.51 }\n"
        "rule r \"R\" cite \"1\" when any codes c: c in dep deny \"x\"\n");
    CHECK(l.count("lint.codeset_overlap") == 2);
  }
  SECTION("neighbouring entries do not overlap") {
    auto l = lint_text(
        "codeset dep = icd10 { F32.0 .. F32.5, F32.9, F33.*, F34.1 }\n"
        "rule r \"R\" cite \"1\" when any codes c: c in dep deny \"x\"\n");
    CHECK(!l.has("lint.codeset_overlap"));
  }
}

TEST_CASE("lint: always and never true", "[lint]") {
  CHECK(lint_text("rule r \"R\" cite \"1\" when any trials t: t.cls in { a, b, c } deny \"x\"\n")
            .has("lint.always_true"));
  CHECK(
      !lint_text("rule r \"R\" cite \"1\" when any trials t: t.cls in { a, b } deny \"x\"\n").has("lint.always_true"));
  CHECK(lint_text("rule r \"R\" cite \"1\" cover require count(trials t: t.cls == a) >= 0 cite \"2\"\n")
            .has("lint.always_true"));
  auto never = lint_text("rule r \"R\" cite \"1\" cover require x > 3 and x < 2 cite \"2\" else deny \"no\"\n");
  REQUIRE(never.has("lint.never_true"));
  CHECK(never.findings[0].severity == dsl::Severity::error);
  CHECK(lint_text("rule r \"R\" cite \"1\" when x > 1 or 2 > 3 deny \"x\"\n").has("lint.never_true"));
}

TEST_CASE("lint: shadowed rules and overlapping routes", "[lint]") {
  SECTION("an override with a weaker condition shadows") {
    auto l = lint_text(
        "rule a \"A\" cite \"1\" when x > 1 and person.flag exclude \"x\"\n"
        "rule b \"B\" cite \"2\" when person.flag overrides a cover\n");
    CHECK(l.has("lint.shadowed_rule"));
  }
  SECTION("a narrower override does not") {
    auto l = lint_text(
        "rule a \"A\" cite \"1\" when person.flag exclude \"x\"\n"
        "rule b \"B\" cite \"2\" when person.flag and x > 1 overrides a cover\n");
    CHECK(!l.has("lint.shadowed_rule"));
  }
  SECTION("routes") {
    auto overlap = lint_text(
        "rule a \"A\" cite \"1\" when x > 1 route pain_management\n"
        "rule b \"B\" cite \"2\" when person.flag route mental_health\n");
    CHECK(overlap.has("lint.route_overlap"));
    auto apart = lint_text(
        "rule a \"A\" cite \"1\" when x > 1 route pain_management\n"
        "rule b \"B\" cite \"2\" when x <= 1 route mental_health\n");
    CHECK(!apart.has("lint.route_overlap"));
  }
}

TEST_CASE("lint: unused declarations, citations, versions", "[lint]") {
  SECTION("a code set reachable only through an unused define") {
    auto l = lint_text(
        "codeset s = icd10 { F33.* }\ndefine d = any codes c: c in s\n"
        "rule r \"R\" cite \"1\" when x > 1 deny \"x\"\n");
    CHECK(l.has("check.unused_codeset"));
    CHECK(l.has("check.unused_define"));
  }
  SECTION("missing citations") {
    auto l = lint_text("rule r \"R\" when x > 1 cover require x < 9 require document lmn require prior_auth\n");
    CHECK(l.count("lint.missing_cite") == 3);
  }
  SECTION("a gap between versions") {
    std::string v2 = "policy p \"P\" version \"2\"\n  effective 2026-02-01 ..\n  default denied \"No\"\n";
    testing::Pipeline p = testing::policy_pipeline(
        "policy p \"P\" version \"1\"\n  effective 2025-01-01 .. 2025-12-31\n  default denied \"No\"\n",
        {{"v2.cpl", v2}});
    REQUIRE(p.ok());
    dsl::Diagnostics ds = dsl::lint_rule_set(*p.program().checked, p.sources());
    REQUIRE(ds.items().size() == 1);
    CHECK(ds.items()[0].code == "lint.version_gap");
    CHECK(ds.items()[0].message.find("2026-01-01 to 2026-01-31") != std::string::npos);
  }
}

TEST_CASE("lint: ignore comments silence one finding on one line", "[lint]") {
  auto l = lint_text(
      "# covcheck:ignore lint.missing_cite\nrule r \"R\" when x > 1 deny \"x\"\n"
      "rule s \"S\" when x > 2 deny \"x\"  # covcheck:ignore lint.never_true\n");
  REQUIRE(l.count("lint.missing_cite") == 1);
  CHECK(l.text.find("rule `s`") != std::string::npos);
}

TEST_CASE("lint: a scope an absent fact can open", "[lint][unknown]") {
  // `x` is read by the scope of every coverage rule: the policy's subject, never reported.
  auto subject = lint_text("rule a \"A\" cite \"1\" when x > 1 cover\nrule b \"B\" cite \"2\" when x <= 1 cover\n");
  CHECK(!subject.has("lint.unguarded_unknown"));
  // `y` narrows one path: absent, it leaves that path open.
  auto open =
      lint_text("rule a \"A\" cite \"1\" when x > 1 and y == 2 cover\nrule b \"B\" cite \"2\" when x <= 1 cover\n");
  REQUIRE(open.count("lint.unguarded_unknown") == 1);
  CHECK(open.text.find("an absent `y` leaves the coverage path `a` open") != std::string::npos);
  CHECK(open.text.find("`y is known and ...`") != std::string::npos);
  // Guarded either way, the absence decides the scope.
  for (const char* guarded : {"y is known and y == 2", "y is unknown or y == 2", "not (y is known) or y != 2"}) {
    auto l = lint_text(std::string("rule a \"A\" cite \"1\" when x > 1 and (") + guarded +
                       ") cover\nrule b \"B\" cite \"2\" when x <= 1 cover\n");
    INFO(guarded);
    CHECK(!l.has("lint.unguarded_unknown"));
  }
  // An explicit `else unknown(y)` states the reading: the path waits for `y` on purpose.
  auto waits = lint_text(
      "define narrow = if y is known then y == 2 else unknown(y)\n"
      "rule a \"A\" cite \"1\" when x > 1 and narrow cover\nrule b \"B\" cite \"2\" when x <= 1 cover\n");
  CHECK(!waits.has("lint.unguarded_unknown"));
  // ... but only for the fact it names.
  auto other = lint_text(
      "define narrow = if y is known then y == 2 and s == \"a\" else unknown(y)\n"
      "rule a \"A\" cite \"1\" when x > 1 and narrow cover\nrule b \"B\" cite \"2\" when x <= 1 cover\n");
  CHECK(other.count("lint.unguarded_unknown") == 1);
  // A negative test, and one inside a define, are reported at the rule's own text.
  auto negative = lint_text(
      "define narrow = not (y == 2)\nrule a \"A\" cite \"1\" when x > 1 and narrow cover\n"
      "rule b \"B\" cite \"2\" when x <= 1 cover\n");
  REQUIRE(negative.count("lint.unguarded_unknown") == 1);
  CHECK(negative.text.find("when x > 1 and narrow") != std::string::npos);
  // A restriction is not judged: an exclusion an absent fact may trigger rightly pends.
  auto restriction = lint_text(
      "rule a \"A\" cite \"1\" when x > 1 cover\n"
      "rule e \"E\" cite \"2\" when x > 1 and person.flag exclude \"no\"\n");
  CHECK(!restriction.has("lint.unguarded_unknown"));
  // Lists, benefit and the evaluation date are not judged.
  auto skipped = lint_text(
      "rule a \"A\" cite \"1\" when x > 1 cover\n"
      "rule e \"E\" cite \"2\" when x > 1 and (any trials t: t.cls == a) and benefit == mental_health "
      "and date_of_service > 2026-01-01 cover\n");
  CHECK(!skipped.has("lint.unguarded_unknown"));
  // Silenced like every finding.
  auto ignored = lint_text(
      "rule a \"A\" cite \"1\" when x > 1 and y == 2 cover  # covcheck:ignore lint.unguarded_unknown\n"
      "rule b \"B\" cite \"2\" when x <= 1 cover\n");
  CHECK(!ignored.has("lint.unguarded_unknown"));
}

TEST_CASE("lint: criteria without a message, `if` without `else`", "[lint][unknown]") {
  auto l = lint_text(
      "rule r \"R\" cite \"1\" cover\n  require x > 1 cite \"2\"\n  require y > 1 cite \"3\" else pend\n"
      "  require s == \"a\" cite \"4\" else deny \"S must be a\"\n  require document lmn cite \"5\"\n");
  CHECK(l.count("lint.criterion_without_message") == 2);
  CHECK(l.text.find("this criterion of rule `r` has no `else` message") != std::string::npos);
  auto bare = lint_text(
      "define d = if x > 1 then y\ndefine e = if x > 1 then y else unknown(y)\n"
      "rule r \"R\" cite \"1\" cover require d + e > 2 cite \"2\" else deny \"no\"\n");
  CHECK(bare.count("lint.if_without_else") == 1);
  CHECK(bare.text.find("write `else unknown(FACT, ...)`") != std::string::npos);
}

TEST_CASE("lint: the shipped rules lint clean", "[lint]") {
  testing::Pipeline p({std::string(COVCHECK_SOURCE_DIR) + "/rules"});
  REQUIRE(p.ok());
  dsl::Diagnostics ds = dsl::lint_rule_set(*p.program().checked, p.sources());
  INFO(p.render(ds));
  CHECK(ds.empty());
}

TEST_CASE("lint: a field declared `or none` can differ from every member", "[lint][none]") {
  auto lint_vocabulary = [](const std::string& body) {
    testing::Pipeline p = testing::vocabulary_pipeline(std::string(header) + body);
    REQUIRE(p.ok());
    dsl::Diagnostics ds = dsl::lint_rule_set(*p.program().checked, p.sources());
    return p.render(ds);
  };
  // `prescriber` has three members and no none: differing from all three never holds.
  CHECK(lint_vocabulary("rule r \"R\" cite \"1\" when prescriber != psychiatry and prescriber != neurology "
                        "and prescriber != other deny \"x\"\n")
            .find("[lint.unreachable_rule]") != std::string::npos);
  // `consultant` may be none, which differs from all three: the rule can apply.
  CHECK(lint_vocabulary("rule r \"R\" cite \"1\" when consultant != psychiatry and consultant != neurology "
                        "and consultant != other deny \"x\"\n")
            .find("[lint.unreachable_rule]") == std::string::npos);
  // `not (score < 5)` is not `score >= 5` when score may be none: both negations hold for none.
  CHECK(lint_vocabulary("rule r \"R\" cite \"1\" when not (score < 5) and not (score >= 5) deny \"x\"\n")
            .find("[lint.unreachable_rule]") == std::string::npos);
  CHECK(lint_vocabulary("rule r \"R\" cite \"1\" when score >= 5 and score < 5 deny \"x\"\n")
            .find("[lint.unreachable_rule]") != std::string::npos);
}
