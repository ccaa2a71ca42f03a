// The checker: every name resolved, every expression typed against the schema, every
// declaration validated; all errors reported (not just the first), sorted by position.
#include <catch2/catch.hpp>

#include "rule_text_fixture.hpp"

using namespace covcheck;
using covcheck::testing::policy_pipeline;

namespace {

const std::string header = "policy p \"Test\" version \"1\" default denied\n";

// The rendered diagnostics of a rule set that must not compile.
std::string errors_of(const std::string& policy, std::vector<std::pair<std::string, std::string>> extra = {}) {
  auto p = policy_pipeline(policy, std::move(extra));
  CHECK_FALSE(p.ok());
  return p.diagnostics_text();
}

}  // namespace

TEST_CASE("unknown names and fields get a did-you-mean", "[checker]") {
  std::string out = errors_of(header + "rule r when persn.age >= 18 cover\nrule q when person.agee >= 18 cover\n");
  CHECK_THAT(out, Catch::Contains("unknown name `persn`"));
  CHECK_THAT(out, Catch::Contains("did you mean `person`?"));
  CHECK_THAT(out, Catch::Contains("record `person` has no field `agee`"));
  CHECK_THAT(out, Catch::Contains("did you mean `age`?"));
  CHECK_THAT(out, Catch::Contains("2 errors"));
  // Sorted by position: the first rule's error comes first.
  CHECK(out.find("persn") < out.find("agee"));
}

TEST_CASE("type mismatches: a date compared with an integer", "[checker]") {
  std::string out = errors_of(header + "rule r when date_of_service > 18 cover\n");
  CHECK_THAT(out, Catch::Contains("cannot apply `>` to date and int"));
  CHECK_THAT(out, Catch::Contains("policy.cpl:2:13: error"));
}

TEST_CASE("durations in days do not compare with calendar months", "[checker]") {
  std::string out = errors_of(header + "rule r cover require any trials t: t.duration >= 6 months\n");
  CHECK_THAT(out, Catch::Contains("cannot compare a duration in days with calendar months"));
}

TEST_CASE("malformed codes are errors at the entry", "[checker]") {
  std::string out =
      errors_of(header + "codeset bad = icd10 { F3.2, F33.* }\nrule r cover require any codes c: c in bad\n");
  CHECK_THAT(out, Catch::Contains("malformed ICD-10-CM code `F3.2`"));
  std::string cpt = errors_of(header + "rule r cover require \"9636\" in codes\n");
  CHECK_THAT(cpt, Catch::Contains("malformed ICD-10-CM code `9636`"));
}

TEST_CASE("enumeration members are checked with a suggestion", "[checker]") {
  std::string out = errors_of(header + "rule r cover require any trials t: t.outcome == faild\n");
  CHECK_THAT(out, Catch::Contains("`faild` is not a value of `outcome`"));
  CHECK_THAT(out, Catch::Contains("did you mean `failed`?"));
}

TEST_CASE("duplicate rule ids within one policy version", "[checker]") {
  std::string out = errors_of(header + "rule r cover\nrule r cover\n");
  CHECK_THAT(out, Catch::Contains("rule id `r` is used twice in policy `p`"));
  CHECK_THAT(out, Catch::Contains("first used here"));
}

TEST_CASE("unknown override targets", "[checker]") {
  std::string out = errors_of(header + "rule excl exclude\nrule r overrides exlc cover\n");
  CHECK_THAT(out, Catch::Contains("`overrides exlc`: no such rule"));
  CHECK_THAT(out, Catch::Contains("did you mean `excl`?"));
}

TEST_CASE("override cycles are errors", "[checker]") {
  std::string out = errors_of(header + "rule a overrides b exclude\nrule b overrides a exclude\n");
  CHECK_THAT(out, Catch::Contains("override cycle"));
}

TEST_CASE("recursive defines are errors", "[checker]") {
  std::string out = errors_of(header + "define a = b\ndefine b = a\nrule r when a cover\n");
  CHECK_THAT(out, Catch::Contains("defines cannot be recursive"));
}

TEST_CASE("unused code sets and imports are warnings, not errors", "[checker]") {
  auto p = policy_pipeline(header + "import \"lib.cpl\"\ncodeset unused = icd10 { F33.* }\nrule r cover\n",
                           {{"lib.cpl", "codeset other = icd10 { G90.5* }\n"}});
  REQUIRE(p.ok());
  std::string out = p.diagnostics_text();
  CHECK_THAT(out, Catch::Contains("warning: code set `unused` is never used"));
  CHECK_THAT(out, Catch::Contains("warning: nothing from `lib.cpl` is used"));
}

TEST_CASE("overlapping versions of one policy do not compile", "[checker]") {
  std::string out = errors_of("policy p \"T\" version \"1\" effective 2025-01-01 .. 2025-12-31 default denied\n",
                              {{"v2.cpl", "policy p \"T\" version \"2\" effective 2025-06-01 .. default denied\n"}});
  CHECK_THAT(out, Catch::Contains("are both in force on some dates"));
}

TEST_CASE("routing conditions may not read the benefit", "[checker]") {
  std::string out = errors_of(header + "rule r when benefit == pain_management route mental_health\n");
  CHECK_THAT(out, Catch::Contains("a routing rule's condition may not read `benefit`"));
}

TEST_CASE("only advice reads the decision", "[checker]") {
  std::string out = errors_of(header + "rule r when decision == denied exclude\n");
  CHECK_THAT(out, Catch::Contains("only advice rules may read `decision`"));
}

TEST_CASE("a warning clause belongs to advice", "[checker]") {
  std::string out = errors_of(header + "rule r when x > 1 exclude\n  warning \"odd\"\n");
  CHECK_THAT(out, Catch::Contains("`warning` belongs to an advice rule"));
  auto advice = policy_pipeline(header + "rule r when x > 1 exclude\nadvice a when x > 1 warning \"odd\"\n");
  INFO(advice.diagnostics_text());
  CHECK(advice.ok());
}

TEST_CASE("a rule mixing cover and a direct effect is rejected", "[checker]") {
  std::string out = errors_of(header + "rule r cover exclude\n");
  CHECK_THAT(out, Catch::Contains("both covers and has a direct effect"));
}

TEST_CASE("quantifiers need lists and fields of list elements need quantifiers", "[checker]") {
  std::string out = errors_of(header + "rule r when trials.cls == a cover\nrule q when any x y: y > 1 cover\n");
  CHECK_THAT(out, Catch::Contains("`trials` is a list; a field of its elements needs a quantifier"));
  CHECK_THAT(out, Catch::Contains("`x` is int, not a list"));
}

TEST_CASE("a policy needs a default decision", "[checker]") {
  std::string out = errors_of("policy p \"T\" version \"1\"\nrule r cover\n");
  CHECK_THAT(out, Catch::Contains("the policy header of `p` needs a `default`"));
}

TEST_CASE("documents and benefits are checked against the schema", "[checker]") {
  std::string out = errors_of(header + "rule r cover require document lnm route mental_helth\n");
  CHECK_THAT(out, Catch::Contains("`lnm` is not a document of `document`"));
  CHECK_THAT(out, Catch::Contains("did you mean `lmn`?"));
  CHECK_THAT(out, Catch::Contains("`mental_helth` is not a benefit"));
}

TEST_CASE("the shipped rule sets compile without errors", "[checker][shipped]") {
  testing::Pipeline p(
      {std::string(COVCHECK_SOURCE_DIR) + "/rules/acme", std::string(COVCHECK_SOURCE_DIR) + "/rules/mandates"});
  INFO(p.diagnostics_text());
  CHECK(p.ok());
}

TEST_CASE("an import used only through a local union is used", "[checker]") {
  auto p = policy_pipeline(
      header +
          "import \"lib.cpl\"\ncodeset both = crps | icd10 { F33.* }\nrule r cover require any codes c: c in both\n",
      {{"lib.cpl", "codeset crps = icd10 { G90.5* }\n"}});
  REQUIRE(p.ok());
  CHECK(p.diagnostics_text().find("unused") == std::string::npos);
}

TEST_CASE("an effective range that ends before it starts is an error at the range", "[checker][dates]") {
  SECTION("on a policy") {
    std::string out = errors_of(
        "policy p \"Test\" version \"1\" effective 2026-12-31 .. 2026-01-01 default denied\n"
        "rule r cover\n");
    CHECK_THAT(out, Catch::Contains("policy.cpl:1:39: error: the effective range of policy `p` ends before it starts "
                                    "(2026-12-31 is after 2026-01-01): it is never in force [check.reversed_range]"));
    CHECK_THAT(out, Catch::Contains("^^^^^^^^^^^^^^^^^^^^^^^^"));
    CHECK_THAT(out, Catch::Contains("help: write the earlier date first: `effective 2026-01-01 .. 2026-12-31`"));
  }
  SECTION("on a module") {
    std::string out = errors_of(header + "rule r cover\n",
                                {{"m.cpl", "module m \"M\" effective 2027-01-01 .. 2026-06-30\nrule q cover\n"}});
    CHECK_THAT(out, Catch::Contains("m.cpl:1:24: error: the effective range of module `m` ends before it starts"));
  }
  SECTION("on a rule") {
    std::string out = errors_of(header + "rule r effective 2026-03-02 .. 2026-03-01 cover\n");
    CHECK_THAT(out, Catch::Contains("policy.cpl:2:18: error: the effective range of rule `r` ends before it starts "
                                    "(2026-03-02 is after 2026-03-01)"));
  }
  SECTION("on a dated code-set entry, once however often the code set is used") {
    std::string out = errors_of(header +
                                "codeset s = icd10 { F33.*, F34.1 effective 2026-01-01 .. 2025-01-01 }\n"
                                "rule r cover require any codes c: c in s\nrule q cover require any codes c: c in s\n");
    CHECK_THAT(out, Catch::Contains("policy.cpl:2:44: error: the effective range of `F34.1` ends before it starts"));
    CHECK_THAT(out, Catch::Contains("1 error"));
    std::string wildcard = errors_of(
        header + "rule r cover require any codes c: c in icd10 { F33.* effective 2026-02-01 .. 2026-01-31 }\n");
    CHECK_THAT(wildcard, Catch::Contains("the effective range of `F33.*` ends before it starts"));
  }
}

TEST_CASE("one-day, open and ordered effective ranges are accepted", "[checker][dates]") {
  for (const char* range : {"2026-03-01 .. 2026-03-01", "2026-01-01 ..", ".. 2026-12-31", "2026-01-01 .. 2026-12-31"}) {
    INFO(range);
    auto p = policy_pipeline(std::string("policy p \"Test\" version \"1\" effective ") + range +
                             " default denied\nrule r effective " + range +
                             " cover require any codes c: c in icd10 { F33.* effective " + range + " }\n");
    CHECK(p.ok());
  }
}

TEST_CASE("`unknown(...)` names fields of the case and takes the other branch's type", "[checker][unknown]") {
  const std::string policy = header + R"(define level_known = if level is known then level == high else unknown(level)
define when_discharged = if discharged is known then discharged else unknown(discharged, consultant)
rule r cover require level_known and when_discharged <= date_of_service
rule s cover require any visits v: (if v.date is known then v.date else unknown(v.date)) <= date_of_service
)";
  auto ok = testing::vocabulary_pipeline(policy);
  INFO(ok.diagnostics_text());
  CHECK(ok.ok());
  auto bad =
      testing::vocabulary_pipeline(header +
                                   "rule r cover require if level is known then level == high else unknown(1)\n"
                                   "rule q cover require if level is known then level == high else unknown(levl)\n");
  CHECK_FALSE(bad.ok());
  std::string out = bad.diagnostics_text();
  CHECK_THAT(out, Catch::Contains("[check.unknown_fact]"));
  CHECK_THAT(out, Catch::Contains("`unknown(...)` names the facts it waits for: this is not a field of the case"));
  CHECK_THAT(out, Catch::Contains("unknown name `levl`"));
  // The branches must still agree: `unknown(x)` is as typed as the other side.
  auto mismatch = testing::vocabulary_pipeline(
      header + "rule r cover require (if level is known then unknown(level) else 3) == level\n");
  CHECK_FALSE(mismatch.ok());
  CHECK_THAT(mismatch.diagnostics_text(), Catch::Contains("[check.type_mismatch]"));
}

TEST_CASE("`is none` tests only fields declared `or none`", "[checker][none]") {
  auto ok = testing::vocabulary_pipeline(header +
                                         "rule r when consultant is none cover\n"
                                         "rule s cover require any visits v: v.specialty is none\n");
  INFO(ok.diagnostics_text());
  CHECK(ok.ok());
  auto bad =
      testing::vocabulary_pipeline(header + "rule r when prescriber is none cover\nrule s when 1 is none cover\n");
  CHECK_FALSE(bad.ok());
  std::string out = bad.diagnostics_text();
  CHECK_THAT(
      out, Catch::Contains("`prescriber` is never none: the schema does not declare it `or none` [check.not_or_none]"));
  CHECK_THAT(out,
             Catch::Contains("add `or none` to the declaration of `prescriber` in the schema, or test `is unknown`"));
  CHECK_THAT(out, Catch::Contains("`is none` tests a field of the case"));
}

TEST_CASE("the schema checks `or none` fields and synonyms", "[checker][schema][none][synonyms]") {
  auto with_schema = [](const std::string& schema) {
    testing::Pipeline p({testing::write_rule_dir({{"schema.cpl", schema}, {"policy.cpl", header}}).string()});
    CHECK_FALSE(p.ok());
    return p.diagnostics_text();
  };
  const std::string head = "schema v \"S\" version \"1\"\nenum benefit { medical }\nenum e { alpha, beta }\n";
  std::string none = with_schema(head +
                                 "record case { a: bool or none  b: string or none  c: list of e or none\n"
                                 "  d: int or none default 3  e: e or none }\n");
  CHECK_THAT(none, Catch::Contains("`a` cannot be declared `or none`: a bool says it with `false` [schema.or_none]"));
  CHECK_THAT(none, Catch::Contains("`b` cannot be declared `or none`: the text `none` is a valid string"));
  CHECK_THAT(none, Catch::Contains("`c` cannot be declared `or none`: a list says it has nothing with `[]`"));
  CHECK_THAT(none, Catch::Contains("`d` cannot be declared `or none`: a field with a default is never absent"));
  CHECK_THAT(none, Catch::Contains("4 errors"));
  std::string syn =
      with_schema(head +
                  "record case { e: e }\n"
                  "synonyms ee { alpha: \"A\" }\n"
                  "synonyms e {\n  alpah: \"A\"\n  alpha: \"first\", \"BETA\", \"\"\n  beta: \"First\"\n}\n");
  CHECK_THAT(syn,
             Catch::Contains("synonyms for `ee`, which is not an enumeration of the schema [schema.unknown_enum]"));
  CHECK_THAT(syn, Catch::Contains("did you mean `e`?"));
  CHECK_THAT(syn, Catch::Contains("`alpah` is not a member of enum `e` [schema.unknown_member]"));
  CHECK_THAT(syn, Catch::Contains("did you mean `alpha`?"));
  CHECK_THAT(syn, Catch::Contains("`BETA` is already the member `beta` of `e` [schema.synonym]"));
  CHECK_THAT(syn, Catch::Contains("a synonym cannot be empty"));
  CHECK_THAT(syn, Catch::Contains("`First` is already a synonym of `alpha`"));
  // In a policy, synonyms add to the schema's enumeration: `extend synonyms`.
  auto outside = testing::vocabulary_pipeline(header + "synonyms level { low: \"L\" }\n");
  CHECK_FALSE(outside.ok());
  CHECK_THAT(outside.diagnostics_text(),
             Catch::Contains("in a policy or module, synonyms add to the schema's enumeration"));
  CHECK_THAT(outside.diagnostics_text(), Catch::Contains("write `extend synonyms level { … }`"));
}

TEST_CASE("an unknown name is reported once per file, with its other uses and the import to add", "[checker]") {
  std::string rules = header +
                      "rule r when adult and person.flag cover\n"
                      "rule q when adult cover require adult\n"
                      "rule s when adult or adult cover\n";
  // `adult` declared in a loaded file this one does not import.
  std::string out = errors_of(rules, {{"common.cpl", "define adult = person.age >= 18\n"}});
  CHECK_THAT(out, Catch::Contains("unknown name `adult`"));
  CHECK_THAT(out, Catch::Contains("1 error"));
  CHECK_THAT(out, Catch::Contains("also used here"));
  CHECK_THAT(out, Catch::Contains("and 1 more use in this file, reported once"));  // 5 uses: 1 + 3 + 1
  CHECK_THAT(out, Catch::Contains("which this file does not import"));
  CHECK_THAT(out, Catch::Contains("help: add `import \"common.cpl\"`"));

  // Declared in a file beside this one that is not loaded at all: still named.
  auto dir = covcheck::testing::write_rule_dir({{"schema.cpl", covcheck::testing::test_schema},
                                                {"policy.cpl", rules},
                                                {"common.cpl", "define adult = person.age >= 18\n"}});
  covcheck::testing::Pipeline p({(dir / "schema.cpl").string(), (dir / "policy.cpl").string()});
  CHECK_FALSE(p.ok());
  CHECK_THAT(p.diagnostics_text(), Catch::Contains("`adult` is declared in `common.cpl` beside this file"));
  CHECK_THAT(p.diagnostics_text(), Catch::Contains("help: add `import \"common.cpl\"`"));

  // Declared nowhere: the did-you-mean stays.
  out = errors_of(header + "rule r when adlt_age > 1 and adlt_age < 9 cover\ndefine adult_age = 1\n");
  CHECK_THAT(out, Catch::Contains("did you mean `adult_age`?"));
  CHECK_THAT(out, Catch::Contains("1 error"));
}

TEST_CASE("a misspelt field gives no follow-on error for the member compared with it", "[checker]") {
  std::string out = errors_of(header + "rule r cover require any trials t: t.clss == a\n");
  CHECK_THAT(out, Catch::Contains("has no field `clss`"));
  CHECK_THAT(out, !Catch::Contains("unknown name `a`"));
  CHECK_THAT(out, Catch::Contains("1 error"));
}

TEST_CASE("type mismatches name the fix: a unit for a duration, no quotes around a number", "[checker]") {
  std::string out = errors_of(header + "rule r cover require any trials t: t.duration >= 42\n");
  CHECK_THAT(out, Catch::Contains("cannot apply `>=` to duration and int"));
  CHECK_THAT(out, Catch::Contains("write `42 days`"));
  out = errors_of(header + "rule r when person.age >= \"18\" cover\n");
  CHECK_THAT(out, Catch::Contains("cannot apply `>=` to int and string"));
  CHECK_THAT(out, Catch::Contains("drop the quotes: `18`"));
  out = errors_of(header + "rule r when person.age >= \"eighteen\" cover\n");
  CHECK_THAT(out, !Catch::Contains("drop the quotes"));
}

TEST_CASE("a define named like an enumeration member hides the member", "[checker]") {
  std::string out =
      errors_of(header + "define b(t) = t.outcome == ok\nrule r cover require any trials t: t.cls == b\n");
  CHECK_THAT(out, Catch::Contains("define `b` hides the member `b` of `cls`"));
  CHECK_THAT(out, Catch::Contains("the define is declared here"));
  CHECK_THAT(out, Catch::Contains("write the member as a string: `\"b\"`"));
  CHECK_THAT(out, !Catch::Contains("takes arguments"));
}

TEST_CASE("a criterion's effective range is checked like a rule's", "[checker][dated_criteria]") {
  std::string out = errors_of(header + "rule r cover\n  require x > 1 effective 2026-06-01 .. 2026-01-01\n");
  CHECK_THAT(out, Catch::Contains("policy.cpl:3:27: error"));
  CHECK_THAT(out, Catch::Contains("the effective range of a criterion of rule `r` ends before it starts"));
  CHECK_THAT(out, Catch::Contains("write the earlier date first: `effective 2026-01-01 .. 2026-06-01`"));
  // The criterion itself is still type-checked.
  std::string typed = errors_of(header + "rule r cover\n  require x effective 2026-01-01 ..\n");
  CHECK_THAT(typed, Catch::Contains("policy.cpl:3:11: error"));
  CHECK_THAT(typed, Catch::Contains("`require` needs a condition (bool), found int"));
  CHECK(policy_pipeline(header + "rule r cover require x > 1 effective 2026-01-01 .. require document lmn effective "
                                 ".. 2025-12-31\n")
            .ok());
}

TEST_CASE("`authorize` amounts computed from the case must be integers", "[checker][grant_expr]") {
  CHECK(policy_pipeline(header + "rule r cover authorize min(x, 8) units, (max(y, 1, 2) * 2) weeks\n").ok());
  std::string dec = errors_of(header + "rule r cover authorize min(x, 1.5) units\n");
  CHECK_THAT(dec, Catch::Contains("policy.cpl:2:24: error"));
  CHECK_THAT(dec, Catch::Contains("`authorize` needs an integer amount, found decimal"));
  std::string date = errors_of(header + "rule r cover authorize date_of_service days\n");
  CHECK_THAT(date, Catch::Contains("`authorize` needs an integer amount, found date"));
  std::string arg = errors_of(header + "rule r cover authorize min(x, s) units\n");
  CHECK_THAT(arg, Catch::Contains("policy.cpl:2:31: error"));
  CHECK_THAT(arg, Catch::Contains("`min` takes numbers, found string"));
  std::string arity = errors_of(header + "rule r cover authorize max(x) units\n");
  CHECK_THAT(arity, Catch::Contains("`max` takes two or more numbers"));
  std::string unknown = errors_of(header + "rule r cover authorize mni(x, 8) units\n");
  CHECK_THAT(unknown, Catch::Contains("unknown function or define `mni`"));
  CHECK_THAT(unknown, Catch::Contains("did you mean `min`?"));
  // Still only in coverage rules.
  std::string outside = errors_of(header + "rule r require x > 1 authorize min(x, 8) units\n");
  CHECK_THAT(outside, Catch::Contains("`authorize` belongs to a coverage rule"));
}
