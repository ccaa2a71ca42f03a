// Plausibility of case values, declared in the shipped schema (rules/schema/case.cpl):
// instrument scales, history dates after the date of service (warnings), checks run in one
// round with the loader's errors, shape and code-system hints; YAML and JSON agree.
#include <catch2/catch.hpp>

#include <string>

#include <fmt/format.h>

#include "engine/session/session.hpp"
#include "pipeline_fixture.hpp"
#include "rule_text_fixture.hpp"

using namespace covcheck;

namespace {

testing::Pipeline& acme() {
  static testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme"});
  REQUIRE(p.ok());
  return p;
}

struct Outcome {
  std::string diagnostics;  // rendered, with file:line:col
  bool decided = false;
  std::size_t errors = 0, warnings = 0, checks = 0;
};

// Decides `text` registered as `name`, read by the reader named `format` ("yaml", "json").
Outcome run(const std::string& text, std::string_view format = "yaml", const std::string& name = "case.txt") {
  testing::Pipeline& p = acme();
  engine::DecisionSession session(p.program(), p.sources());
  engine::CaseInput input;
  input.text = text;
  input.name = name;
  input.format = format;
  engine::CaseOutcome& r = session.decide(input, {});
  Outcome o;
  o.diagnostics = dsl::render_all(r.diagnostics, session.sources());
  o.decided = r.determination.has_value();
  for (const dsl::Diagnostic& d : r.diagnostics.items()) {
    o.errors += d.severity == dsl::Severity::error;
    o.warnings += d.severity == dsl::Severity::warning;
    o.checks += d.code == "case.check";
  }
  return o;
}

// A case of one line of JSON, which is also flow-style YAML: the same text through every reader.
std::string one_line_case(const std::string& members) {
  return R"({"id": "p", "date_of_service": "2026-03-02", "diagnoses": [{"code": "F33.2", "primary": true}], )" +
         members + "}";
}

}  // namespace

TEST_CASE("a score off its instrument's scale is an error naming the value and the range", "[plausibility]") {
  struct Scale {
    const char* instrument;
    int top;
    const char* name;
  };
  const Scale scales[] = {{"phq9", 27, "PHQ-9"}, {"madrs", 60, "MADRS"}, {"hamd", 52, "HAM-D (17-item)"},
                          {"gad7", 21, "GAD-7"}, {"pcl5", 80, "PCL-5"},  {"pain_nrs", 10, "pain NRS"}};
  for (const Scale& s : scales) {
    INFO(s.instrument);
    auto with = [&](int score) {
      return one_line_case(R"("assessments": [{"instrument": ")" + std::string(s.instrument) + R"(", "score": )" +
                           std::to_string(score) + R"(, "date": "2026-02-20"}])");
    };
    Outcome top = run(with(s.top));
    CHECK(top.checks == 0);
    CHECK(top.decided);
    Outcome zero = run(with(0));
    CHECK(zero.checks == 0);
    Outcome over = run(with(s.top + 1));
    CHECK_FALSE(over.decided);
    CHECK(over.checks == 1);
    CHECK_THAT(over.diagnostics,
               Catch::Contains(fmt::format("error: assessments[0].score: {} score {} is outside the scale 0–{}", s.name,
                                           s.top + 1, s.top)));
  }
}

TEST_CASE("the scale error points at the score's line:col", "[plausibility]") {
  Outcome o = run("id: p\ndate_of_service: 2026-03-02\nassessments:\n  - instrument: phq9\n    score: 99\n");
  CHECK_THAT(o.diagnostics, Catch::Contains("case.txt:5:12: error: assessments[0].score: PHQ-9 score 99 is outside "
                                            "the scale 0–27 [case.check]"));
}

TEST_CASE("a value is reported once although several checks fail on it", "[plausibility]") {
  // 99 is off the PHQ-9 scale; -3 is negative, which the sign check names (the scale checks
  // bound the top only, so each value gets the one message that fits it).
  Outcome o = run(one_line_case(R"("assessments": [{"instrument": "phq9", "score": 99}])"));
  CHECK(o.checks == 1);
  CHECK_THAT(o.diagnostics, Catch::Contains("PHQ-9 score 99 is outside the scale 0–27"));
  Outcome negative = run(one_line_case(R"("assessments": [{"instrument": "phq9", "score": -3}])"));
  CHECK(negative.checks == 1);
  CHECK_THAT(negative.diagnostics, Catch::Contains("an assessment score must not be negative"));
  // Without an instrument only the sign is known to be wrong.
  Outcome bare = run(one_line_case(R"("assessments": [{"score": -3}])"));
  CHECK(bare.checks == 1);
  CHECK_THAT(bare.diagnostics, Catch::Contains("assessments[0].score: an assessment score must not be negative"));
  // A scale check whose instrument is unknown does not apply.
  CHECK(run(one_line_case(R"("assessments": [{"score": 99}])")).checks == 0);
}

TEST_CASE("a history date after the date of service is a warning and the case is decided", "[plausibility]") {
  Outcome o = run(one_line_case(R"("assessments": [{"instrument": "phq9", "score": 21, "date": "2026-03-20"}])"));
  CHECK(o.decided);
  CHECK(o.errors == 0);
  CHECK(o.warnings == 1);
  CHECK_THAT(o.diagnostics, Catch::Contains("warning: assessments[0].date: the assessment is dated 2026-03-20, after "
                                            "the date of service [case.check]"));
  Outcome t = run(one_line_case(
      R"("treatments": [{"name": "sertraline", "class": "ssri", "start": "2026-04-01", "end": "2026-05-01", "outcome": "failed"}], )"
      R"("current_medications": [{"name": "bupropion", "class": "atypical", "start": "2026-03-03"}])"));
  CHECK(t.decided);
  CHECK(t.errors == 0);
  CHECK(t.warnings == 3);
  CHECK_THAT(t.diagnostics,
             Catch::Contains("treatments[0].start: the treatment starts on 2026-04-01, after the date of service"));
  CHECK_THAT(t.diagnostics,
             Catch::Contains("treatments[0].end: the treatment ends on 2026-05-01, after the date of service"));
  CHECK_THAT(
      t.diagnostics,
      Catch::Contains("current_medications[0].start: the medication starts on 2026-03-03, after the date of service"));
  // The date of service itself is not after itself; a birth date after it stays an error.
  CHECK(run(one_line_case(R"("assessments": [{"instrument": "phq9", "score": 21, "date": "2026-03-02"}])")).warnings ==
        0);
  Outcome born = run(one_line_case(R"("patient": {"birth_date": "2026-05-01"})"));
  CHECK_FALSE(born.decided);
  CHECK_THAT(born.diagnostics,
             Catch::Contains("error: patient.birth_date: the birth date is after the date of service"));
}

TEST_CASE("type errors and consistency errors come in one round", "[plausibility]") {
  const std::string text = one_line_case(
      R"("request": {"sessions": "eight"}, "treatments": [{"name": "sertraline", "start": "2025-06-01", "end": "2025-04-01"}])");
  for (std::string_view syntax : {"yaml", "json"}) {
    Outcome o = run(text, syntax);
    CHECK_FALSE(o.decided);
    CHECK(o.errors == 2);
    CHECK_THAT(o.diagnostics, Catch::Contains("`request.sessions` must be an integer, found string `\"eight\"`"));
    CHECK_THAT(o.diagnostics, Catch::Contains("error: treatments[0].end: a treatment cannot end before it starts"));
  }
}

TEST_CASE("a check over a value the loader refused is skipped", "[plausibility]") {
  // The end is no date: its own error only, never "ends before it starts".
  Outcome date = run(one_line_case(R"("treatments": [{"start": "2025-06-01", "end": "someday"}])"));
  CHECK(date.errors == 1);
  CHECK(date.checks == 0);
  CHECK_THAT(date.diagnostics, Catch::Contains("invalid date `someday` in `treatments[0].end`"));
  // The score is no number: no scale error beside the type error.
  Outcome score = run(one_line_case(R"("assessments": [{"instrument": "phq9", "score": "lots"}])"));
  CHECK(score.errors == 1);
  CHECK(score.checks == 0);
  // The instrument is not one: the scale checks do not apply to the score.
  Outcome instrument = run(one_line_case(R"("assessments": [{"instrument": "phq10", "score": 99}])"));
  CHECK(instrument.errors == 1);
  CHECK(instrument.checks == 0);
  // A document that cannot be read is not checked at all.
  Outcome syntax =
      run(R"({"id": "p", "date_of_service": "2026-03-02", "patient": {"birth_date": "2027-01-01"},)", "json");
  CHECK(syntax.checks == 0);
}

TEST_CASE("shape errors show the schema's shape with its key field", "[plausibility]") {
  Outcome scalar = run("id: p\ndiagnoses: F33.2\n");
  CHECK_THAT(scalar.diagnostics, Catch::Contains("`diagnoses` must be a list, found string `F33.2`"));
  CHECK_THAT(scalar.diagnostics, Catch::Contains("help: write a list of `diagnosis` records: `[{code: F33.2}]`"));
  Outcome element = run("id: p\ndiagnoses: [F33.2]\n");
  CHECK_THAT(element.diagnostics,
             Catch::Contains("`diagnoses[0]` must be a mapping (a `diagnosis` record), found string `F33.2`"));
  CHECK_THAT(element.diagnostics, Catch::Contains("help: write a `diagnosis` record: `{code: F33.2}`"));
  Outcome mapping = run("id: p\ndiagnoses: {code: F33.2}\n");
  CHECK_THAT(mapping.diagnostics,
             Catch::Contains("help: a list of `diagnosis` records: wrap the record in `[ ]` or start it with `- `"));
  // A list of scalars keeps the one-element list.
  CHECK_THAT(run("id: p\ndocuments: treatment_history\n").diagnostics,
             Catch::Contains("help: write a one-element list: `[treatment_history]`"));
}

TEST_CASE("a code of another system names the field it belongs in", "[plausibility]") {
  Outcome g = run("id: p\nrequest:\n  cpt: [G2082, J0013]\n  hcpcs: [96365]\n  diagnosis: 96365\n");
  CHECK_THAT(g.diagnostics, Catch::Contains("case.txt:3:9: error: `G2082` in `request.cpt[0]` is an HCPCS code, not a "
                                            "CPT code [case.code]"));
  CHECK_THAT(g.diagnostics, Catch::Contains("help: this is an HCPCS code: move it to `request.hcpcs`"));
  CHECK_THAT(g.diagnostics, Catch::Contains("`J0013` in `request.cpt[1]` is an HCPCS code"));
  CHECK_THAT(g.diagnostics, Catch::Contains("`96365` in `request.hcpcs[0]` is a CPT code, not an HCPCS code"));
  CHECK_THAT(g.diagnostics, Catch::Contains("help: this is a CPT code: move it to `request.cpt`"));
  CHECK_THAT(g.diagnostics, Catch::Contains("`96365` in `request.diagnosis` is a CPT code, not an ICD-10-CM code"));
  Outcome icd = run("id: p\nrequest:\n  cpt: [F33.2]\n");
  CHECK_THAT(icd.diagnostics, Catch::Contains("help: this is an ICD-10-CM code: move it to `request.diagnosis`"));
  // A three-character ICD-10-CM category may be a shortened code of the field's own system.
  CHECK_THAT(run("id: p\nrequest:\n  hcpcs: [J13]\n").diagnostics, Catch::Contains("malformed HCPCS code `J13`"));
  // Lowercase still finds its system; a code of no system keeps the format help.
  CHECK_THAT(run("id: p\nrequest:\n  cpt: [g2082]\n").diagnostics, Catch::Contains("move it to `request.hcpcs`"));
  CHECK_THAT(run("id: p\nrequest:\n  cpt: [9636]\n").diagnostics, Catch::Contains("malformed CPT code `9636`"));
}

TEST_CASE("every case reader gives the same diagnostics", "[plausibility][json]") {
  const std::string texts[] = {
      one_line_case(R"("assessments": [{"instrument": "phq9", "score": 99, "date": "2026-03-20"}])"),
      one_line_case(R"("request": {"cpt": ["G2082"], "hcpcs": ["96365"], "sessions": -1})"),
      R"({"id": "p", "diagnoses": "F33.2"})",
      R"({"id": "p", "diagnoses": ["F33.2"], "treatments": [{"start": "2025-06-01", "end": "2025-04-01"}]})",
  };
  for (const std::string& text : texts) {
    INFO(text);
    Outcome yaml = run(text, "yaml");
    Outcome json = run(text, "json");
    CHECK(yaml.diagnostics == json.diagnostics);
    CHECK(yaml.decided == json.decided);
    CHECK_FALSE(yaml.diagnostics.empty());
  }
}

TEST_CASE("check guards and severities are CPL", "[plausibility][schema]") {
  const std::string schema = R"(schema t "t" version "1"
enum benefit { pain_management, mental_health }
enum kind { a, b }
record case {
  date_of_service: date
  kind: kind
  n: int
  seen: date
  check n <= 5 when kind == a "n {value} is over 5 for a"
  check seen <= date_of_service else warning "seen on {value}, after the date of service"
}
)";
  const std::string policy = "policy p \"p\" version \"1\" default denied \"not addressed\"\nrule r cover\n";
  auto dir = testing::write_rule_dir({{"schema.cpl", schema}, {"p.cpl", policy}});
  testing::Pipeline p({dir.string()});
  REQUIRE(p.ok());
  auto first = [&](const std::string& text) {
    testing::CaseRun r = p.run_text("c.yaml", text);
    return std::make_pair(r.determination.has_value(), p.render(r.case_diagnostics));
  };
  auto [over, over_text] = first("kind: a\nn: 7\n");
  CHECK_FALSE(over);
  CHECK_THAT(over_text, Catch::Contains("c.yaml:2:4: error: n: n 7 is over 5 for a [case.check]"));
  CHECK(first("kind: b\nn: 7\n").first);  // the guard is false: the check does not apply
  CHECK(first("n: 7\n").first);           // the guard is unknown: nor here
  auto [late, late_text] = first("date_of_service: 2026-03-02\nseen: 2026-04-01\n");
  CHECK(late);
  CHECK_THAT(late_text, Catch::Contains("warning: seen: seen on 2026-04-01, after the date of service"));

  // A guard must be a condition; `else` must be followed by `warning`; braces hold `{value}`.
  auto fails = [&](const std::string& check, const std::string& code) {
    INFO(check);
    std::string text = schema;
    text.insert(text.rfind('}'), "  " + check + "\n");
    auto bad = testing::write_rule_dir({{"schema.cpl", text}, {"p.cpl", policy}});
    testing::Pipeline q({bad.string()});
    CHECK_FALSE(q.ok());
    CHECK_THAT(q.diagnostics_text(), Catch::Contains(code));
  };
  fails("check n <= 5 when n \"x\"", "check.type_mismatch");
  fails("check n <= 5 else error \"x\"", "parse.expected_warning");
  fails("check n <= 5 \"n is {n}\"", "schema.check_message");
}
