// The decision session: one session deciding YAML and JSON cases one after another, the
// field paths its diagnostics carry, and the diagnostic JSON shape with every key present.
#include <catch2/catch.hpp>

#include "engine/answer/json_writer.hpp"
#include "engine/answer/render.hpp"
#include "engine/answer/render_diagnostics.hpp"
#include "engine/cases/yaml_tree.hpp"
#include "engine/session/session.hpp"
#include "pipeline_fixture.hpp"

using namespace covcheck;

namespace {

testing::Pipeline& acme() {
  static testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme", COVCHECK_SOURCE_DIR "/rules/mandates"});
  REQUIRE(p.ok());
  return p;
}

const std::string good_yaml =
    "id: y1\ndate_of_service: 2026-03-02\npatient: {birth_date: 1987-05-14, sex: female}\n"
    "request: {service: esketamine_nasal, hcpcs: [J0013, G2082], site: office, sessions: 8, period_days: 28,\n"
    "  prescriber_specialty: psychiatry, rems_certified_site: true}\n"
    "diagnoses: [{code: F33.2, primary: true}]\ndocuments: [letter_of_medical_necessity]\n";
const std::string good_json =
    R"({"id":"j1","date_of_service":"2026-03-02","patient":{"birth_date":"1987-05-14","sex":"female"},)"
    R"("request":{"service":"esketamine_nasal","hcpcs":["J0013","G2082"],"site":"office","sessions":8,)"
    R"("period_days":28,"prescriber_specialty":"psychiatry","rems_certified_site":true},)"
    R"("diagnoses":[{"code":"F33.2","primary":true}],"documents":["letter_of_medical_necessity"]})";

engine::CaseInput input(std::string_view text, std::string_view name, std::string_view media_type = {}) {
  engine::CaseInput in;
  in.text = text;
  in.name = name;
  in.media_type = media_type;
  return in;
}

// The field paths of the outcome's diagnostics with `code`.
std::vector<std::string> fields(const engine::CaseOutcome& o, std::string_view code) {
  std::vector<std::string> out;
  for (const dsl::Diagnostic& d : o.diagnostics.items())
    if (d.code == code) out.push_back(d.field.value_or("<null>"));
  return out;
}

}  // namespace

TEST_CASE("one session decides YAML, JSON and bad cases in turn, nothing carried over", "[session]") {
  testing::Pipeline& p = acme();
  engine::DecisionSession session(p.program(), p.sources());
  const std::size_t rule_files = p.sources().size();

  engine::CaseOutcome& a = session.decide(input(good_yaml, "a.yaml"), {});
  REQUIRE(a.determination);
  CHECK(a.determination->case_id == "y1");
  CHECK(session.sources().size() == rule_files);  // nothing to locate: the case is not copied
  const std::string first = engine::render_json_line(*a.determination, session.sources(), false);

  engine::CaseOutcome& b = session.decide(input(good_json, "request", "application/json"), {});
  REQUIRE(b.determination);
  CHECK(b.determination->case_id == "j1");

  // YAML that does not parse: no id is read, so the last case's must not show.
  engine::CaseOutcome& c = session.decide(input("id: [unclosed\n", "c.yaml"), {});
  CHECK_FALSE(c.answered());
  REQUIRE(c.case_id);
  CHECK_FALSE(c.case_id->has_value());
  CHECK(session.sources().size() == rule_files + 1);  // registered, to locate the error
  CHECK(session.sources().describe(c.diagnostics.items().front().span).rfind("c.yaml:", 0) == 0);

  // The same text again gives the same answer, byte for byte.
  engine::CaseOutcome& d = session.decide(input(good_yaml, "a.yaml"), {});
  REQUIRE(d.determination);
  CHECK(engine::render_json_line(*d.determination, session.sources(), false) == first);
  CHECK(session.sources().size() == rule_files);
}

TEST_CASE("a case with warnings is registered to locate them, unless the caller never shows them", "[session]") {
  testing::Pipeline& p = acme();
  engine::DecisionSession session(p.program(), p.sources());
  const std::size_t rule_files = p.sources().size();
  const std::string warned = good_yaml + "unknown_field: 1\n";
  engine::CaseOutcome& shown = session.decide(input(warned, "w.yaml"), {});
  REQUIRE(shown.determination);
  REQUIRE(shown.determination->warnings.size() == 1);
  const engine::Decision decision = shown.determination->decision;
  CHECK(session.sources().size() == rule_files + 1);  // registered: the warning prints with w.yaml:6:1

  engine::SessionOptions quiet;
  quiet.locate_warnings = false;
  engine::CaseOutcome& hidden = session.decide(input(warned, "w.yaml"), quiet);
  REQUIRE(hidden.determination);
  CHECK(hidden.determination->warnings.size() == 1);  // still in the answer, without a place
  CHECK(hidden.determination->decision == decision);
  CHECK(session.sources().size() == rule_files);  // the text was not copied
}

TEST_CASE("a case given as a YAML tree inside a registered file is read there and not registered again", "[session]") {
  testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme", COVCHECK_SOURCE_DIR "/rules/mandates"});
  REQUIRE(p.ok());
  // A suite-like file whose `case:` value is the case, indented under it (a bad date on line 4).
  std::string text = "name: t\ncase:\n";
  std::string body = good_yaml;
  std::size_t at = body.find("2026-03-02");
  REQUIRE(at != std::string::npos);
  body.replace(at, 10, "2026-13-45");
  for (std::size_t start = 0; start < body.size();) {
    std::size_t nl = body.find('\n', start);
    text += "  " + body.substr(start, nl - start + 1);
    start = nl + 1;
  }
  dsl::FileId file = p.sources().add("suite.yaml", text);
  engine::YamlTree tree;
  REQUIRE(engine::parse_first_yaml_document(text, tree, 64).problems.empty());
  const engine::YamlNode& top = tree.nodes[tree.root];
  REQUIRE(top.kind == engine::YamlNode::Kind::mapping);
  tree.root = tree.children[top.first + 3];  // the value of the second pair, `case`

  engine::DecisionSession session(p.program(), p.sources());
  const std::size_t registered = p.sources().size();
  engine::CaseInput in;
  in.format = "yaml";
  in.format = "value";
  in.value = &tree;
  in.file = file;
  engine::CaseOutcome& bad = session.decide(in, {});
  CHECK_FALSE(bad.answered());
  CHECK(session.sources().size() == registered);  // the suite's own file names the error
  REQUIRE_FALSE(bad.diagnostics.items().empty());
  CHECK(session.sources().describe(bad.diagnostics.items().front().span).rfind("suite.yaml:4:", 0) == 0);

  // The same tree with the case put right decides as the text does.
  text.replace(text.find("2026-13-45"), 10, "2026-03-02");
  dsl::FileId good_file = p.sources().add("good-suite.yaml", text);
  engine::YamlTree good_tree;
  REQUIRE(engine::parse_first_yaml_document(text, good_tree, 64).problems.empty());
  good_tree.root = good_tree.children[good_tree.nodes[good_tree.root].first + 3];
  engine::DecisionSession again(p.program(), p.sources());
  in.format = "value";
  in.value = &good_tree;
  in.file = good_file;
  engine::CaseOutcome& from_tree = again.decide(in, {});
  REQUIRE(from_tree.determination);
  const std::string answer = engine::render_json_line(*from_tree.determination, again.sources(), false);
  engine::CaseOutcome& from_text = again.decide(input(good_yaml, "a.yaml"), {});
  REQUIRE(from_text.determination);
  CHECK(engine::render_json_line(*from_text.determination, again.sources(), false) == answer);
}

TEST_CASE("compact outcomes and undecidable cases", "[session]") {
  testing::Pipeline& p = acme();
  engine::DecisionSession session(p.program(), p.sources());
  engine::SessionOptions compact;
  compact.compact = true;
  engine::CaseOutcome& q = session.decide(input(good_json, "x.json"), compact);
  REQUIRE(q.quick);
  CHECK_FALSE(q.determination);
  std::string line;
  engine::CompactWriter(p.program()).write(*q.quick, *q.case_id, line);
  CHECK(line.rfind("{\"case\":\"j1\",\"decision\":", 0) == 0);

  std::string late = good_yaml;
  late.replace(late.find("2026-03-02"), 10, "2031-03-02");
  engine::CaseOutcome& u = session.decide(input(late, "late.yaml"), compact);
  CHECK_FALSE(u.answered());
  CHECK(u.undecidable);
  CHECK(u.error_message().find("no policy in force") != std::string::npos);
}

TEST_CASE("case diagnostics carry the field path where they are made", "[session][case]") {
  testing::Pipeline& p = acme();
  engine::DecisionSession session(p.program(), p.sources());
  std::string yaml =
      "id: f1\ndate_of_service: 2026-02-30\npatinet: {}\n"
      "patient: {sex: femal, birth_date: 1987-05-14}\n"
      "request: {service: esketamine_nasal, sessions: eight, period_days: 99999999999999999999}\n"
      "diagnoses: [{code: f332}, {code: F33.2, primary: true}, {code: F33.1, primary: true}]\n"
      "treatments: [{name: a, class: ssri}, {name: b, class: snri, adequate_dose: maybe}]\n";
  engine::CaseOutcome& o = session.decide(input(yaml, "f.yaml"), {});
  CHECK_FALSE(o.answered());
  CHECK(fields(o, "case.date") == std::vector<std::string>{"date_of_service"});
  CHECK(fields(o, "case.unknown_field") == std::vector<std::string>{"patinet"});
  CHECK(fields(o, "case.enum") == std::vector<std::string>{"patient.sex"});
  CHECK(fields(o, "case.range") == std::vector<std::string>{"request.period_days"});
  CHECK(fields(o, "case.code") == std::vector<std::string>{"diagnoses[0].code"});
  CHECK(fields(o, "case.exclusive") == std::vector<std::string>{"diagnoses[2].primary"});
  std::vector<std::string> types = fields(o, "case.type");
  CHECK(types == std::vector<std::string>{"request.sessions", "treatments[1].adequate_dose"});

  engine::CaseOutcome& dup =
      session.decide(input(R"({"id":"d","patient":{"sex":"female","sex":"male"}})", "d.json"), {});
  CHECK(fields(dup, "case.duplicate_key") == std::vector<std::string>{"patient.sex"});

  // A schema `check` names the fact it tested.
  std::string negative = good_yaml;
  negative.replace(negative.find("sessions: 8"), 11, "sessions: -1");
  engine::CaseOutcome& chk = session.decide(input(negative, "n.yaml"), {});
  CHECK(fields(chk, "case.check") == std::vector<std::string>{"request.sessions"});
}

TEST_CASE("a diagnostic as JSON has every key, null when it does not apply", "[session][json]") {
  dsl::SourceRegistry sources;
  dsl::FileId f = sources.add("case.yaml", "id: x\npatient: {sex: femal}\n");
  dsl::Diagnostics ds;
  dsl::Diagnostic& located = ds.error("case.enum", dsl::SourceSpan{f, 16, 21}, "bad sex");
  located.field = "patient.sex";
  located.help = "did you mean `female`?";
  located.notes.push_back({std::nullopt, "a note without a place"});
  ds.error("eval.no_policy_in_force", {}, "no policy in force on 2031-03-02");
  engine::JsonWriter w(false);
  engine::write_diagnostics(w, ds, sources);
  CHECK(
      w.str() ==
      R"([{"severity":"error","code":"case.enum","message":"bad sex","source":"case.yaml","line":2,"column":11,)"
      R"("span":{"begin":16,"end":21},"at":"case.yaml:2:11","field":"patient.sex","help":"did you mean `female`?",)"
      R"("notes":[{"message":"a note without a place","source":null,"line":null,"column":null,"span":null,"at":null}]},)"
      R"({"severity":"error","code":"eval.no_policy_in_force","message":"no policy in force on 2031-03-02",)"
      R"("source":null,"line":null,"column":null,"span":null,"at":null,"field":null,"help":null,"notes":[]}])");
}
