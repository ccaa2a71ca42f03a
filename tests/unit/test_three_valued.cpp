// Three-valued logic (dsl/check/three_valued.hpp) against a truth table spelled out here, apart
// from the header: the functions exhaustively, then the engine's three paths (eager tables,
// lazy tests, traced evaluation) deciding rule conditions over every pair of values.
#include <catch2/catch.hpp>

#include <string>

#include "dsl/check/three_valued.hpp"
#include "engine/cases/case_loader.hpp"
#include "engine/eval/decider.hpp"
#include "tests/unit/rule_text_fixture.hpp"

using namespace covcheck;
using dsl::Truth;

namespace {

Truth named(const std::string& s) {
  if (s == "false") return Truth::no;
  if (s == "true") return Truth::yes;
  REQUIRE(s == "unknown");
  return Truth::unknown;
}

// Kleene's strong three-valued logic, as the brief states it (`unknown and false = false`,
// `unknown or true = true`), one row per pair of operands.
struct Row {
  const char *a, *b, *a_and_b, *a_or_b;
};
const Row kleene_rows[] = {
    {"false", "false", "false", "false"},
    {"false", "unknown", "false", "unknown"},
    {"false", "true", "false", "true"},
    {"unknown", "false", "false", "unknown"},
    {"unknown", "unknown", "unknown", "unknown"},
    {"unknown", "true", "unknown", "true"},
    {"true", "false", "false", "true"},
    {"true", "unknown", "unknown", "true"},
    {"true", "true", "true", "true"},
};
struct NotRow {
  const char *a, *not_a;
};
const NotRow not_rows[] = {{"false", "true"}, {"unknown", "unknown"}, {"true", "false"}};

}  // namespace

TEST_CASE("and, or and not follow the spelled-out Kleene table", "[three_valued]") {
  for (const Row& r : kleene_rows) {
    INFO(r.a << " ? " << r.b);
    const Truth a = named(r.a), b = named(r.b);
    CHECK(dsl::and3(a, b) == named(r.a_and_b));
    CHECK(dsl::or3(a, b) == named(r.a_or_b));
    CHECK(dsl::connect(dsl::Connective::and_, a, b) == named(r.a_and_b));
    CHECK(dsl::connect(dsl::Connective::or_, a, b) == named(r.a_or_b));
    CHECK(dsl::spelling(dsl::and3(a, b)) == r.a_and_b);
  }
  for (const NotRow& r : not_rows) {
    CHECK(dsl::not3(named(r.a)) == named(r.not_a));
    for (const char* other : {"false", "unknown", "true"})  // `not` reads only its operand
      CHECK(dsl::connect(dsl::Connective::not_, named(r.a), named(other)) == named(r.not_a));
  }
  CHECK(dsl::decides(dsl::Connective::and_) == Truth::no);
  CHECK(dsl::decides(dsl::Connective::or_) == Truth::yes);
}

TEST_CASE("any and all over a list are or and and over its elements", "[three_valued]") {
  const char* lists[][3] = {{nullptr, nullptr, nullptr},    {"false", nullptr, nullptr},  {"true", "false", nullptr},
                            {"unknown", "false", nullptr},  {"unknown", "true", "false"}, {"true", "true", "true"},
                            {"unknown", "unknown", nullptr}};
  for (const auto& list : lists) {
    Truth any = Truth::no, all = Truth::yes;
    bool some_true = false, some_false = false, some_unknown = false;
    for (const char* e : list) {
      if (!e) break;
      // The expected folds go through the spelled-out rows, not and3 / or3.
      for (const Row& r : kleene_rows) {
        if (named(r.a) == any && r.b == std::string(e)) {
          any = named(r.a_or_b);
          break;
        }
      }
      for (const Row& r : kleene_rows) {
        if (named(r.a) == all && r.b == std::string(e)) {
          all = named(r.a_and_b);
          break;
        }
      }
      some_true |= named(e) == Truth::yes;
      some_false |= named(e) == Truth::no;
      some_unknown |= named(e) == Truth::unknown;
    }
    CHECK(dsl::any_of(some_true, some_unknown) == any);
    CHECK(dsl::all_of(some_false, some_unknown) == all);
  }
}

TEST_CASE("presence tests are two-valued and say whether the value is there", "[three_valued]") {
  CHECK(dsl::presence(dsl::PresenceTest::is_known, true) == Truth::yes);
  CHECK(dsl::presence(dsl::PresenceTest::is_known, false) == Truth::no);
  CHECK(dsl::presence(dsl::PresenceTest::is_unknown, true) == Truth::no);
  CHECK(dsl::presence(dsl::PresenceTest::is_unknown, false) == Truth::yes);
  CHECK(dsl::truth(std::optional<bool>{}) == Truth::unknown);
  CHECK(dsl::to_optional(Truth::yes) == std::optional<bool>(true));
  CHECK(dsl::to_optional(Truth::no) == std::optional<bool>(false));
  CHECK(!dsl::to_optional(Truth::unknown));
}

// A = `x == 1`, B = `y == 1` are true, false or unknown (absent) by the case. The same
// conditions are written twice: over facts read in place (planned eagerly) and through
// arithmetic (`x + 0 == 1`, tested lazily), and each case is decided untraced and traced.
TEST_CASE("the eager, lazy and traced paths decide connectives and presence by the table", "[three_valued][plan]") {
  auto p = testing::policy_pipeline(R"(policy p "P" version "1" default covered
rule e_and "" when x == 1 and y == 1 deny
rule e_or "" when x == 1 or y == 1 deny
rule e_not "" when not (x == 1) deny
rule e_known "" when x is known deny
rule e_unknown "" when x is unknown deny
rule l_and "" when x + 0 == 1 and y + 0 == 1 deny
rule l_or "" when x + 0 == 1 or y + 0 == 1 deny
rule l_not "" when not (x + 0 == 1) deny
rule l_known "" when x + 0 is known deny
rule l_unknown "" when x + 0 is unknown deny
)");
  INFO(p.diagnostics_text());
  REQUIRE(p.ok());
  const engine::Program& program = p.program();
  auto rule = [&](const std::string& id) {
    for (std::uint32_t r = 0; r < program.rules.size(); ++r)
      if (program.rules[r].checked->display_id == id) return r;
    FAIL("no rule " << id);
    return std::uint32_t{0};
  };
  // The two spellings take the paths they are meant to.
  for (const char* form : {"and", "or", "not", "known", "unknown"}) {
    INFO(form);
    CHECK(program.tests[program.rules[rule(std::string("e_") + form)].when].eager != engine::no_op);
    CHECK(program.tests[program.rules[rule(std::string("l_") + form)].when].eager == engine::no_op);
  }
  auto fact = [](const char* name, const std::string& value) -> std::string {
    if (value == "unknown") return "";
    return std::string(name) + (value == "true" ? ": 1\n" : ": 2\n");
  };
  engine::Decider untraced(program), traced(program);
  for (const Row& row : kleene_rows) {
    const std::string text = "date_of_service: 2026-03-01\n" + fact("x", row.a) + fact("y", row.b);
    INFO(text);
    dsl::Diagnostics diags;
    auto c = engine::load_case(program.schema(), p.sources(), p.sources().add("case.yaml", text), diags);
    REQUIRE(c);
    REQUIRE(untraced.decide(*c, std::nullopt, false) == engine::DecideStatus::decided);
    REQUIRE(traced.decide(*c, std::nullopt, true) == engine::DecideStatus::decided);
    const std::string not_a = [&] {
      for (const NotRow& n : not_rows)
        if (std::string(n.a) == row.a) return std::string(n.not_a);
      return std::string();
    }();
    const bool x_known = std::string(row.a) != "unknown";
    const std::pair<const char*, Truth> expected[] = {
        {"and", named(row.a_and_b)},
        {"or", named(row.a_or_b)},
        {"not", named(not_a)},
        {"known", x_known ? Truth::yes : Truth::no},
        {"unknown", x_known ? Truth::no : Truth::yes},
    };
    for (const auto& [form, truth] : expected) {
      for (const char* path : {"e_", "l_"}) {
        const std::uint32_t r = rule(path + std::string(form));
        INFO(path << form);
        CHECK(untraced.rule(r).applies == truth);
        CHECK(traced.rule(r).applies == truth);
      }
    }
  }
}
