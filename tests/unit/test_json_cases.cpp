// `.json` case files are strict JSON (engine/compile/pipeline.cpp routes them through the loader of
// `batch`), their syntax errors point at the mistake (engine/cases/json_syntax.cpp), and every
// schema diagnostic is the one the same case gets as YAML.
#include <catch2/catch.hpp>

#include <cstring>

#include "engine/cases/case_readers.hpp"
#include "engine/cases/json_case_loader.hpp"
#include "engine/cases/json_syntax.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/session/session.hpp"
#include "pipeline_fixture.hpp"

using namespace covcheck;

namespace {

testing::Pipeline& acme() {
  static testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme", COVCHECK_SOURCE_DIR "/rules/mandates"});
  REQUIRE(p.ok());
  return p;
}

// The rendered diagnostics (or the decision) of `text` registered as `name`.
std::string decide(const std::string& name, const std::string& text) {
  testing::Pipeline& p = acme();
  engine::DecisionSession session(p.program(), p.sources());
  engine::CaseInput input;
  input.text = text;
  input.name = name;
  engine::CaseOutcome& r = session.decide(input, {});
  if (r.determination) return std::string("decided ") + engine::decision_name(r.determination->decision);
  return dsl::render_all(r.diagnostics, session.sources());
}

}  // namespace

TEST_CASE("the case reader follows the format, the media type, then the name", "[json][session]") {
  auto by_name = [](std::string_view name) { return engine::choose_case_reader("", "", name, "{}").name; };
  CHECK(by_name("a.json") == "json");
  CHECK(by_name("dir.yaml/A.JSON") == "json");
  CHECK(by_name("a.yaml") == "yaml");
  CHECK(by_name("a.jsonl") == "yaml");
  CHECK(by_name("json") == "yaml");
  CHECK(by_name("<stdin>") == "yaml");
  CHECK(engine::choose_case_reader("", "application/json", "request", "").name == "json");
  CHECK(engine::choose_case_reader("", "application/yaml", "a.json", "").name == "yaml");
  CHECK(engine::choose_case_reader("", "text/plain", "request", "{}").name == "yaml");
  CHECK(engine::choose_case_reader("yaml", "application/json", "a.json", "").name == "yaml");
  CHECK(engine::case_reader_named("xml") == nullptr);
  // FHIR: by media type, and by its text when the name or media type chose JSON or nothing
  // did; a YAML media type or an explicit format is not overruled.
  const std::string_view bundle = R"({"resourceType": "Bundle", "entry": []})";
  CHECK(engine::choose_case_reader("", "application/fhir+json", "request", "{}").name == "fhir");
  CHECK(engine::choose_case_reader("", "", "a.json", bundle).name == "fhir");
  CHECK(engine::choose_case_reader("", "application/json", "request", bundle).name == "fhir");
  CHECK(engine::choose_case_reader("", "", "<stdin>", bundle).name == "fhir");
  CHECK(engine::choose_case_reader("", "application/yaml", "request", bundle).name == "yaml");
  CHECK(engine::choose_case_reader("json", "", "a.json", bundle).name == "json");
  CHECK(engine::choose_case_reader("", "", "a.json", R"({"id": "x", "note": "resourceType"})").name == "json");
  // Chosen as JSON, a text is FHIR only when `resourceType` leads (JSON cases pay no scan);
  // chosen by nothing, it is FHIR wherever the top-level member is.
  const std::string_view late = R"({"type": "collection", "resourceType": "Bundle", "entry": []})";
  CHECK(engine::choose_case_reader("", "", "a.json", late).name == "json");
  CHECK(engine::choose_case_reader("", "", "<stdin>", late).name == "fhir");
  CHECK(engine::choose_case_reader("", "application/fhir+json", "a.json", late).name == "fhir");
}

TEST_CASE("a .json case is strict JSON; the same text as .yaml is not", "[json]") {
  struct Bad {
    const char* text;
    const char* where;    // name:line:col of the error
    const char* message;  // part of it
  };
  const Bad bad[] = {
      {"{\"id\": \"a\",\n \"date_of_service\": \"2026-03-02\",\n}", "c.json:2:33", "a trailing comma before `}`"},
      {"{\"id\": \"a\", \"documents\": [\"lmn\",]}", "c.json:1:32", "a trailing comma before `]`"},
      {"{\"id\": \"a\", // why\n \"date_of_service\": \"2026-03-02\"}", "c.json:1:13",
       "comments are not allowed in JSON"},
      {"{\"id\": \"a\",\n # why\n \"date_of_service\": \"2026-03-02\"}", "c.json:2:2",
       "comments are not allowed in JSON"},
      {"{'id': 'a'}", "c.json:1:2", "keys are in double quotes in JSON, not single quotes"},
      {"{\"id\": 'a'}", "c.json:1:8", "strings are in double quotes in JSON, not single quotes"},
      {"{id: \"a\"}", "c.json:1:2", "the key `id` must be in double quotes"},
      {"{\"date_of_service\": 2026-03-02}", "c.json:1:21", "`2026-03-02` is not a JSON number"},
      {"{\"id\": yes}", "c.json:1:8", "`yes` is not a JSON value"},
      {"{\"id\" \"a\"}", "c.json:1:7", "expected `:` after the key"},
      {"{\"id\": \"a\" \"x\": 1}", "c.json:1:12", "expected `,` between members"},
      {"{\"id\": \"a\",\n \"documents\": [\"lmn\"\n", "c.json:2:15", "this `[` is never closed"},
      {"{\"id\": \"a\\q\"}", "c.json:1:10", "invalid escape `\\q`"},
      {"{\"id\": \"a\"} {\"id\": \"b\"}", "c.json:1:13", "unexpected content after the case object"},
      {"{\"id\": \"a\"}\n---\n", "c.json:2:1", "unexpected content after the case object"},
      {"\xEF\xBB\xBF{\"id\": \"a\",}", "c.json:1:11", "a trailing comma"},  // columns do not count the BOM
  };
  for (const Bad& b : bad) {
    INFO(b.text);
    std::string json = decide("c.json", b.text);
    CHECK_THAT(json, Catch::Contains(std::string(b.where) + ": error: invalid JSON: " + b.message));
    CHECK_THAT(json, Catch::Contains("[case.syntax]"));
    CHECK_THAT(json, Catch::Contains("1 error, 0 warnings"));
  }
  // YAML takes the flow-style ones (JSON-like, lenient): not a syntax error there.
  CHECK_THAT(decide("c.yaml", "{'id': 'a', \"date_of_service\": \"2026-03-02\",}"), !Catch::Contains("case.syntax"));
}

TEST_CASE("duplicate keys, encodings and emptiness in .json cases", "[json]") {
  CHECK_THAT(decide("c.json", "{\"id\": \"a\",\n \"id\": \"b\"}"),
             Catch::Contains("c.json:2:2: error: duplicate key `id` [case.duplicate_key]"));
  CHECK_THAT(decide("c.json", std::string("{\"id\": \"a\0\"}", 12)), Catch::Contains("c.json:1:10: error: NUL byte"));
  CHECK_THAT(decide("c.json", "{\"id\": \"caf\xE9\"}"), Catch::Contains("[case.encoding]"));
  CHECK_THAT(decide("c.json", ""), Catch::Contains("[case.empty]"));
  CHECK_THAT(decide("c.json", "  \n"), Catch::Contains("[case.empty]"));
  CHECK_THAT(decide("c.json", "[1, 2]"), Catch::Contains("a case must be a mapping of fields, found a list"));
  std::string deep(200, '[');
  CHECK_THAT(decide("c.json", "{\"id\": " + deep), Catch::Contains("[case.too_deep]"));
}

TEST_CASE("schema diagnostics of a .json case are those of the same case in YAML", "[json]") {
  // Flow-style YAML is JSON: the same bytes, two loaders, the same rendering (but the name).
  const char* cases[] = {
      R"({"id": "t", "date_of_service": "2026-02-30"})",
      R"({"id": "t", "date_of_service": "2026-03-02", "patient": {"sex": "femal", "birth_date": "1987-05-14"}})",
      R"({"id": "t", "date_of_service": "2026-03-02", "request": {"sessions": "eight", "hcpcs": ["J13"]}})",
      R"({"id": "t", "date_of_service": "2026-03-02", "diagnoses": [{"code": "F3.2"}], "treatmnts": []})",
      R"({"id": "t", "date_of_service": "2026-03-02", "request": {"sessions": -3, "period_days": 1.5}})",
      R"({"id": 12, "date_of_service": null, "plan": {"type": "commercial", "riders": {"iv": true}}})",
      R"({"id": "t", "date_of_service": "2026-03-02", "request": {"sessions": 99999999999999999999999}})",
  };
  for (const char* text : cases) {
    INFO(text);
    std::string json = decide("same.json", text), yaml = decide("same.yaml", text);
    CHECK(json.find("error") != std::string::npos);
    std::string json_renamed = json;
    for (std::size_t at; (at = json_renamed.find("same.json")) != std::string::npos;)
      json_renamed.replace(at, 9, "same.yaml");
    CHECK(json_renamed == yaml);
  }
  // And a valid case decides the same.
  std::string esk = R"({"id":"e","date_of_service":"2026-03-02","request":{"service":"esketamine_nasal"}})";
  CHECK(decide("e.json", esk) == decide("e.yaml", esk));
}

TEST_CASE("the JSON syntax scanner accepts what the loader accepts", "[json]") {
  const char* valid[] = {
      "{}",
      "[]",
      "0",
      "-0.5e+10",
      "\"\\u00e9\\n\\\"\"",
      "true",
      " {\"a\": [1, {\"b\": null}], \"c\": \"\"} ",
      "\xEF\xBB\xBF{\"a\": 1}",
      "{\"a\":\t\r\n1}",
      "[1e5, -1E-5, 10.25]",
  };
  for (const char* text : valid) {
    INFO(text);
    CHECK_FALSE(engine::find_json_syntax_error(text, 64));
  }
  const char* invalid[] = {"{", "[1,]", "01", "1.", ".5", "+1", "NaN", "\"a", "\"\t\"", "{\"a\":1,}", "[1 2]", "tru"};
  for (const char* text : invalid) {
    INFO(text);
    CHECK(engine::find_json_syntax_error(text, 64));
  }
}
