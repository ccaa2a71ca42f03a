// Case loading against a hand-built schema: layout, values, every error and warning with its
// location, and hostile inputs (deep nesting, alias bombs, huge lists, several documents).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "dsl/source/dates.hpp"
#include "dsl/source/encoding.hpp"
#include "engine/cases/case_loader.hpp"

using namespace covcheck;
using dsl::BaseType;
using dsl::Type;
using engine::Kind;

namespace {

dsl::FieldInfo field(std::string name, Type type) {
  dsl::FieldInfo f;
  f.name = std::move(name);
  f.type = type;
  return f;
}

// Enums: 0 outcome, 1 sex, 2 document. Records: 0 case, 1 patient, 2 request, 3 diagnosis,
// 4 treatment. `age` is derived; `primary` defaults to false and is exclusive.
struct TestSchema {
  dsl::ast::Expr derived_expr;  // stands in for a derived field's expression
  dsl::Schema schema;

  TestSchema() {
    schema.name = "test";
    schema.enums = {{"outcome", {"failed", "intolerant", "partial", "effective", "ongoing"}, {}, {}, {}},
                    {"sex", {"female", "male", "other"}, {}, {}, {}},
                    {"document", {"letter_of_medical_necessity", "treatment_history"}, {}, {}, {}}};
    dsl::RecordType root{"case", {}, {}, {}};
    root.fields = {field("id", Type::of(BaseType::string)),
                   field("date_of_service", Type::of(BaseType::date)),
                   field("patient", Type::of(BaseType::record, 1)),
                   field("request", Type::of(BaseType::record, 2)),
                   field("diagnoses", Type::list_of(BaseType::record, 3)),
                   field("treatments", Type::list_of(BaseType::record, 4)),
                   field("documents", Type::list_of(BaseType::enumeration, 2))};
    dsl::RecordType patient{"patient", {}, {}, {}};
    patient.fields = {field("birth_date", Type::of(BaseType::date)), field("sex", Type::of(BaseType::enumeration, 1)),
                      field("pregnant", Type::of(BaseType::boolean)), field("age", Type::of(BaseType::integer)),
                      field("weight", Type::of(BaseType::decimal))};
    patient.fields[3].derived = &derived_expr;
    dsl::RecordType request{"request", {}, {}, {}};
    request.fields = {
        field("sessions", Type::of(BaseType::integer)), field("period", Type::of(BaseType::duration)),
        field("cpt", Type::list_of(BaseType::cpt)),     field("hcpcs", Type::list_of(BaseType::hcpcs)),
        field("dose", Type::of(BaseType::decimal)),     field("units", Type::of(BaseType::decimal)),
        field("setting", Type::of(BaseType::string)),   field("expected", Type::of(BaseType::enumeration, 0))};
    request.fields[5].default_value = dsl::DefaultLiteral{std::int64_t{1}};
    request.fields[6].default_value = dsl::DefaultLiteral{std::string("office")};
    request.fields[7].default_value = dsl::DefaultLiteral{std::string("partial")};
    dsl::RecordType diagnosis{"diagnosis", {}, {}, {}};
    diagnosis.fields = {field("code", Type::of(BaseType::icd10)), field("primary", Type::of(BaseType::boolean))};
    diagnosis.fields[1].default_value = dsl::DefaultLiteral{false};
    diagnosis.fields[1].exclusive = true;
    dsl::RecordType treatment{"treatment", {}, {}, {}};
    treatment.fields = {field("name", Type::of(BaseType::string)), field("outcome", Type::of(BaseType::enumeration, 0)),
                        field("start", Type::of(BaseType::date)), field("adequate_dose", Type::of(BaseType::boolean)),
                        field("doses", Type::list_of(BaseType::integer))};
    schema.records = {root, patient, request, diagnosis, treatment};
    schema.root = 0;
  }
};

struct Loaded {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diags;
  std::optional<engine::Case> c;

  // The first diagnostic with this code, as "line:col: message".
  std::string at(std::string_view code) const {
    for (const dsl::Diagnostic& d : diags.items()) {
      if (d.code == code) {
        std::string where = sources.describe(d.span);
        return where.substr(where.find(':') + 1) + ": " + d.message;
      }
    }
    return "<no " + std::string(code) + "> " + dsl::render_all(diags, sources);
  }
  const dsl::Diagnostic* find(std::string_view code) const {
    for (const dsl::Diagnostic& d : diags.items()) {
      if (d.code == code) return &d;
    }
    return nullptr;
  }
  std::size_t count(std::string_view code) const {
    std::size_t n = 0;
    for (const dsl::Diagnostic& d : diags.items()) n += d.code == code;
    return n;
  }
  std::string text() const { return dsl::render_all(diags, sources); }
};

std::unique_ptr<Loaded> load(const dsl::Schema& schema, std::string text) {
  auto l = std::make_unique<Loaded>();
  dsl::FileId id = l->sources.add("case.yaml", std::move(text));
  l->c = engine::load_case(schema, l->sources, id, l->diags);
  return l;
}

const engine::Value& root_field(const engine::Case& c, const dsl::Schema& s, std::string_view name) {
  return c.field(0, *s.root_record().find(name));
}

const char* full_case = R"(id: case-0001
date_of_service: 2026-03-02
patient:
  birth_date: 1987-05-14
  sex: female
  pregnant: false
  weight: 61.5
request:
  sessions: 6
  period: 21
  cpt: ["96365", 96366]
  hcpcs: [J3490]
  dose: 0.5
diagnoses:
  - code: F33.2
    primary: true
  - code: G90.512
treatments:
  - name: sertraline
    outcome: failed
    start: 2025-01-10
    adequate_dose: true
    doses: [50, 100]
documents: [treatment_history]
)";

}  // namespace

TEST_CASE("a full YAML case loads into the flat layout", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, full_case);
  INFO(l->text());
  REQUIRE(l->c);
  CHECK(l->diags.empty());
  const engine::Case& c = *l->c;
  const dsl::Schema& s = ts.schema;
  CHECK(c.id == "case-0001");
  CHECK(c.source == 0);
  REQUIRE(c.records[0].type == 0);
  CHECK(c.slots.size() == c.slot_spans.size());
  CHECK(c.items.size() == c.item_spans.size());

  const engine::Value& dos = root_field(c, s, "date_of_service");
  REQUIRE(dos.kind == Kind::date);
  CHECK(dos.date == *dsl::parse_iso_date("2026-03-02"));
  CHECK(l->sources.describe(c.slot_spans[c.records[0].first_slot + 1]) == "case.yaml:2:18");

  const engine::Value& patient = root_field(c, s, "patient");
  REQUIRE(patient.kind == Kind::record);
  CHECK(c.field(patient.index, 1).kind == Kind::enumeration);
  CHECK(c.field(patient.index, 1).index == 0);  // female
  CHECK(c.field(patient.index, 2).kind == Kind::boolean);
  CHECK_FALSE(c.field(patient.index, 2).boolean);
  CHECK(c.field(patient.index, 3).kind == Kind::unknown);  // derived: computed later
  CHECK(c.field(patient.index, 4).decimal == 61.5);
  CHECK(c.record_path(s, patient.index) == "patient");
  CHECK(c.field_path(s, patient.index, 0) == "patient.birth_date");

  const engine::Value& request = root_field(c, s, "request");
  CHECK(c.field(request.index, 0).integer == 6);
  CHECK(c.field(request.index, 1).kind == Kind::duration);
  CHECK(c.field(request.index, 1).days == 21);
  const engine::Value& cpt = c.field(request.index, 2);
  REQUIRE(cpt.kind == Kind::list);
  REQUIRE(c.lists[cpt.index].count == 2);
  const engine::Value& second_cpt = c.items[c.lists[cpt.index].first + 1];
  CHECK(second_cpt.kind == Kind::code);
  CHECK(c.strings[second_cpt.index] == "96366");
  CHECK(c.list_path(s, cpt.index) == "request.cpt");
  CHECK(c.field(request.index, 5).decimal == 1.0);                // default
  CHECK(c.strings[c.field(request.index, 6).index] == "office");  // default
  CHECK(c.field(request.index, 7).index == 2);                    // default `partial`
  CHECK(c.slot_spans[c.records[request.index].first_slot + 5].file == dsl::no_file);

  const engine::Value& diagnoses = root_field(c, s, "diagnoses");
  REQUIRE(c.lists[diagnoses.index].count == 2);
  const engine::Value& d1 = c.items[c.lists[diagnoses.index].first + 1];
  REQUIRE(d1.kind == Kind::record);
  CHECK(c.strings[c.field(d1.index, 0).index] == "G90.512");
  CHECK(c.field(d1.index, 1).kind == Kind::boolean);  // default false
  CHECK_FALSE(c.field(d1.index, 1).boolean);
  CHECK(c.field_path(s, d1.index, 1) == "diagnoses[1].primary");
  CHECK(c.record_path(s, d1.index) == "diagnoses[1]");

  const engine::Value& treatments = root_field(c, s, "treatments");
  const engine::Value& t0 = c.items[c.lists[treatments.index].first];
  const engine::Value& doses = c.field(t0.index, 4);
  CHECK(c.list_path(s, doses.index) == "treatments[0].doses");
  CHECK(c.items[c.lists[doses.index].first + 1].integer == 100);
  CHECK(c.field_path(s, 0, 1) == "date_of_service");
}

TEST_CASE("JSON is read as YAML", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, R"({"id": "j-1", "date_of_service": "2026-03-02",
  "patient": {"sex": "male", "pregnant": false, "weight": 80},
  "request": {"sessions": 4, "cpt": ["96365"]},
  "diagnoses": [{"code": "F32.A", "primary": true}, {"code": "F43.10", "primary": null}]})");
  INFO(l->text());
  REQUIRE(l->c);
  CHECK(l->diags.empty());
  CHECK(l->c->id == "j-1");
  const engine::Value& p = root_field(*l->c, ts.schema, "patient");
  CHECK(l->c->field(p.index, 4).decimal == 80.0);  // an int is a fine decimal
}

TEST_CASE("wrong types name the field path, expected and found", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema,
                "request:\n  sessions: six\n  dose: abc\n  period: 3 weeks\n"
                "patient:\n  pregnant: \"true\"\n  sex: [female]\n"
                "treatments:\n  - adequate_dose: yes\n");
  CHECK_FALSE(l->c);
  CHECK(l->at("case.type") == "2:13: `request.sessions` must be an integer, found string `six`");
  CHECK(l->count("case.type") == 6);
  std::string all = l->text();
  CHECK_THAT(all, Catch::Contains("`request.dose` must be a number, found string `abc`"));
  CHECK_THAT(all, Catch::Contains("`request.period` must be a whole number of days, found string `3 weeks`"));
  CHECK_THAT(all, Catch::Contains("`patient.pregnant` must be `true` or `false`, found string `\"true\"`"));
  CHECK_THAT(all, Catch::Contains("help: remove the quotes"));
  CHECK_THAT(all, Catch::Contains("`patient.sex` must be a `sex` value, found a list"));
  CHECK_THAT(all, Catch::Contains("`treatments[0].adequate_dose` must be `true` or `false`, found string `yes`"));
}

TEST_CASE("a quoted number is not an integer", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "request:\n  sessions: '6'\n");
  CHECK(l->at("case.type") == "2:13: `request.sessions` must be an integer, found string `\"6\"`");
  CHECK(l->find("case.type")->help == "remove the quotes");
}

TEST_CASE("records and lists need mappings and sequences", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "patient: Jane\ndiagnoses: F33.2\nrequest:\n  cpt: {a: 1}\n");
  CHECK_FALSE(l->c);
  CHECK(l->at("case.type") == "1:10: `patient` must be a mapping (a `patient` record), found string `Jane`");
  std::string all = l->text();
  CHECK_THAT(all, Catch::Contains("case.yaml:2:12: error: `diagnoses` must be a list, found string `F33.2`"));
  // The list holds records: the help shows one, with its key field.
  CHECK_THAT(all, Catch::Contains("help: write a list of `diagnosis` records: `[{code: F33.2}]`"));
  CHECK_THAT(all, Catch::Contains("case.yaml:4:8: error: `request.cpt` must be a list, found a mapping"));
}

TEST_CASE("integers out of range are errors", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "request:\n  sessions: 99999999999999999999\n  dose: 1e999\n");
  CHECK(l->at("case.range") == "2:13: `request.sessions` is out of range: `99999999999999999999`");
  CHECK(l->count("case.range") == 2);
  auto ok = load(ts.schema, "request:\n  sessions: -9223372036854775808\n  dose: -2.5e-3\n");
  REQUIRE(ok->c);
  const engine::Value& r = root_field(*ok->c, ts.schema, "request");
  CHECK(ok->c->field(r.index, 0).integer == INT64_MIN);
  CHECK(ok->c->field(r.index, 4).decimal == Approx(-0.0025));
}

TEST_CASE("enumeration values are checked with a suggestion", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "treatments:\n  - outcome: sometimes\n  - outcome: faild\n");
  CHECK_FALSE(l->c);
  CHECK(l->at("case.enum") ==
        "2:14: `sometimes` is not a valid `outcome` in `treatments[0].outcome`; expected one of "
        "failed, intolerant, partial, effective, ongoing");
  CHECK_FALSE(l->find("case.enum")->help);
  CHECK_THAT(l->text(),
             Catch::Contains("case.yaml:3:14: error: `faild` is not a valid `outcome` in `treatments[1].outcome`"));
  CHECK_THAT(l->text(), Catch::Contains("help: did you mean `failed`?"));
  auto docs = load(ts.schema, "documents: [treatment_histry]\n");
  CHECK(docs->at("case.enum").substr(0, 5) == "1:13:");
  CHECK(docs->find("case.enum")->help == "did you mean `treatment_history`?");
}

TEST_CASE("codes are validated per system", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema,
                "diagnoses:\n  - code: F3.2\n  - code: f33.2\n  - code: F332\n"
                "request:\n  cpt: [9636, 96365, \"0001F\"]\n  hcpcs: [J001, W1234, J0013]\n");
  CHECK_FALSE(l->c);
  CHECK(l->at("case.code") == "2:11: malformed ICD-10-CM code `F3.2` in `diagnoses[0].code`");
  CHECK(l->count("case.code") == 6);
  std::string all = l->text();
  CHECK_THAT(all, Catch::Contains("`f33.2` in `diagnoses[1].code`"));
  CHECK_THAT(all, Catch::Contains("help: did you mean `F33.2`?"));
  CHECK_THAT(all, Catch::Contains("malformed ICD-10-CM code `F332` in `diagnoses[2].code`"));
  CHECK_THAT(all, Catch::Contains("case.yaml:6:9: error: malformed CPT code `9636` in `request.cpt[0]`"));
  CHECK_THAT(all, Catch::Contains("malformed HCPCS code `J001` in `request.hcpcs[0]`"));
  CHECK_THAT(all, Catch::Contains("malformed HCPCS code `W1234` in `request.hcpcs[1]`"));
}

TEST_CASE("dates must be real calendar dates", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "date_of_service: 2026-02-30\npatient:\n  birth_date: 03/02/1987\n");
  CHECK_FALSE(l->c);
  CHECK(l->at("case.date") == "1:18: invalid date `2026-02-30` in `date_of_service`");
  CHECK(l->find("case.date")->help == "`2026-02-30` is not a day of the calendar");
  CHECK_THAT(l->text(), Catch::Contains("case.yaml:3:15: error: invalid date `03/02/1987` in `patient.birth_date`"));
  CHECK_THAT(l->text(), Catch::Contains("help: write dates as YYYY-MM-DD"));
  auto leap = load(ts.schema, "date_of_service: \"2024-02-29\"\n");
  CHECK(leap->c);
}

TEST_CASE("null, tilde and empty values are unknown; defaults fill them", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema,
                "id: ~\ndate_of_service: null\npatient:\n  sex:\n  pregnant: ~\n"
                "diagnoses:\n  - code: F33.2\n    primary: ~\ntreatments:\n  -\n  - name: x\n");
  INFO(l->text());
  REQUIRE(l->c);
  const engine::Case& c = *l->c;
  CHECK_FALSE(c.id);
  CHECK(root_field(c, ts.schema, "date_of_service").kind == Kind::unknown);
  const engine::Value& p = root_field(c, ts.schema, "patient");
  CHECK(c.field(p.index, 1).kind == Kind::unknown);
  CHECK(c.field(p.index, 2).kind == Kind::unknown);
  const engine::Value& d = c.items[c.lists[root_field(c, ts.schema, "diagnoses").index].first];
  CHECK(c.field(d.index, 1).kind == Kind::boolean);
  CHECK(root_field(c, ts.schema, "request").kind == Kind::unknown);  // absent record: unknown
  // An empty list element is an element whose facts are all unknown.
  const engine::CaseList& t = c.lists[root_field(c, ts.schema, "treatments").index];
  REQUIRE(t.count == 2);
  CHECK(c.items[t.first].kind == Kind::record);
  CHECK(l->at("case.empty_element") == "10:3: `treatments[0]` is empty");
}

TEST_CASE("derived fields are ignored with a warning", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "patient:\n  age: 38\n");
  REQUIRE(l->c);
  CHECK(l->at("case.derived_field") == "2:3: `patient.age` is derived from other facts; the given value is ignored");
  CHECK(l->find("case.derived_field")->severity == dsl::Severity::warning);
  const engine::Value& p = root_field(*l->c, ts.schema, "patient");
  CHECK(l->c->field(p.index, 3).kind == Kind::unknown);
}

TEST_CASE("unknown fields are warnings with a did-you-mean", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "patinet:\n  sex: female\npatient:\n  brith_date: 1990-01-01\nzzz: 1\n");
  REQUIRE(l->c);
  CHECK(l->count("case.unknown_field") == 3);
  CHECK(l->at("case.unknown_field") == "1:1: unknown field `patinet`");
  CHECK(l->find("case.unknown_field")->severity == dsl::Severity::warning);
  CHECK(l->find("case.unknown_field")->help == "did you mean `patient`?");
  CHECK_THAT(l->text(), Catch::Contains("case.yaml:4:3: warning: unknown field `brith_date` in `patient`"));
  CHECK_THAT(l->text(), Catch::Contains("help: did you mean `birth_date`?"));
}

TEST_CASE("duplicate keys are errors", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "patient:\n  sex: male\npatient:\n  sex: female\n");
  CHECK_FALSE(l->c);
  CHECK(l->at("case.duplicate_key") == "3:1: duplicate key `patient`");
  REQUIRE(l->find("case.duplicate_key")->notes.size() == 1);
  CHECK(l->sources.describe(*l->find("case.duplicate_key")->notes[0].span) == "case.yaml:1:1");
  std::string big = "request:\n";
  for (int i = 0; i < 40; ++i) big += "  x" + std::to_string(i) + ": 1\n";
  big += "  x7: 2\n";
  auto many = load(ts.schema, big);
  CHECK(many->at("case.duplicate_key") == "42:3: duplicate key `x7`");
}

TEST_CASE("exclusive flags allow at most one true element", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema,
                "diagnoses:\n  - {code: F33.2, primary: true}\n  - {code: F41.1}\n"
                "  - {code: G90.512, primary: true}\n");
  CHECK_FALSE(l->c);
  CHECK(l->at("case.exclusive") ==
        "4:30: at most one element of `diagnoses` may set `primary`: "
        "`diagnoses[0].primary` and `diagnoses[2].primary` are both true");
  auto one = load(ts.schema, "diagnoses:\n  - {code: F33.2, primary: true}\n  - {code: F41.1, primary: false}\n");
  CHECK(one->c);
}

TEST_CASE("a file holds exactly one document", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "id: a\n---\nid: b\n---\nid: c\n");
  CHECK_FALSE(l->c);
  CHECK(l->at("case.multiple_documents") ==
        "2:1: 3 documents in one case file; `check` takes one case (use `batch` for streams)");
  for (const char* empty : {"", "# only a comment\n", "---\n", "~\n"}) {
    auto e = load(ts.schema, empty);
    CHECK_FALSE(e->c);
    CHECK(e->find("case.empty") != nullptr);
  }
  CHECK(load(ts.schema, "")->at("case.empty") == "1:1: empty case file");
  CHECK(load(ts.schema, "- a\n- b\n")->at("case.type") == "1:1: a case must be a mapping of fields, found a list");
  CHECK(load(ts.schema, "id: x\n...\n")->c);
}

TEST_CASE("syntax errors are located", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "id: x\npatient: {sex: male\nrequest: 1\n");
  CHECK_FALSE(l->c);
  REQUIRE(l->find("case.syntax"));
  CHECK_THAT(l->find("case.syntax")->message, Catch::StartsWith("invalid YAML: "));
  CHECK(load(ts.schema, "a: b: c\n")->at("case.syntax") == "1:5: invalid YAML: illegal map value");
  CHECK(load(ts.schema, "a: *nowhere\n")->find("case.syntax"));
  CHECK(load(ts.schema, "a: [1, 2\n")->find("case.syntax"));
  CHECK(load(ts.schema, "\t- x\n")->diags.has_errors());
  // yaml-cpp 0.7 emits endless empty documents for this one; we must stop.
  CHECK(load(ts.schema, ",3]}\n")->at("case.syntax") == "1:1: invalid YAML: unexpected `,`");
}

TEST_CASE("every error is reported, not just the first", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema,
                "date_of_service: 2026-13-01\nrequest:\n  sessions: x\ndiagnoses:\n  - code: Q\n"
                "treatments:\n  - outcome: nope\n");
  CHECK_FALSE(l->c);
  CHECK(l->diags.error_count() == 4);
}

TEST_CASE("deep nesting is an error, not a crash", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "zzz: " + std::string(100, '[') + std::string(100, ']') + "\n");
  CHECK_FALSE(l->c);
  CHECK(l->at("case.too_deep") == "1:69: the case nests deeper than 64 levels");
  auto huge = load(ts.schema, "zzz: " + std::string(200000, '[') + "\n");
  CHECK_FALSE(huge->c);
  CHECK(huge->diags.has_errors());
  std::string block;
  for (int i = 0; i < 100; ++i) block += std::string(2 * i, ' ') + "k:\n";
  CHECK(load(ts.schema, block)->find("case.too_deep"));
}

TEST_CASE("aliases are copies; alias bombs are stopped", "[case_loader]") {
  TestSchema ts;
  auto shared = load(ts.schema, "treatments:\n  - &t {name: a, outcome: failed}\n  - *t\n");
  INFO(shared->text());
  REQUIRE(shared->c);
  const engine::Case& c = *shared->c;
  const engine::CaseList& list = c.lists[root_field(c, ts.schema, "treatments").index];
  REQUIRE(list.count == 2);
  CHECK(c.items[list.first].index != c.items[list.first + 1].index);
  CHECK(c.record_path(ts.schema, c.items[list.first + 1].index) == "treatments[1]");

  // 1,000 treatments, each with a 100,000-element list: 10^8 values from a small file.
  std::string bomb = "zzz: &d [";
  for (int i = 0; i < 100000; ++i) bomb += i ? ",1" : "1";
  bomb += "]\nx: &t {name: a, doses: *d}\ntreatments: [";
  for (int i = 0; i < 1000; ++i) bomb += i ? ", *t" : "*t";
  bomb += "]\n";
  auto start = std::chrono::steady_clock::now();
  auto l = load(ts.schema, bomb);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  CHECK_FALSE(l->c);
  REQUIRE(l->find("case.too_large"));
  CHECK_THAT(l->find("case.too_large")->message, Catch::Contains("through YAML aliases"));

  auto cycle = load(ts.schema, "zzz: &a [*a]\n");
  CHECK_FALSE(cycle->c);
  CHECK(cycle->at("case.alias") == "1:10: an alias refers to a collection that contains it");
}

TEST_CASE("a list of 1,000,000 elements loads", "[case_loader][slow]") {
  TestSchema ts;
  std::string text = "request:\n  cpt:\n";
  text.reserve(10'000'000);
  for (int i = 0; i < 1'000'000; ++i) text += "    - 96365\n";
  auto l = load(ts.schema, text);
  INFO(l->diags.items().size());
  REQUIRE(l->c);
  const engine::Value& r = root_field(*l->c, ts.schema, "request");
  CHECK(l->c->lists[l->c->field(r.index, 2).index].count == 1'000'000);
  CHECK(l->c->items.size() == 1'000'000);
}

TEST_CASE("a UTF-8 byte-order mark and CRLF line ends keep locations right", "[case_loader]") {
  TestSchema ts;
  auto bom = load(ts.schema, "\xEF\xBB\xBFid: x\nrequest:\n  sessions: six\n");
  CHECK(bom->at("case.type") == "3:13: `request.sessions` must be an integer, found string `six`");
  auto ok = load(ts.schema, "\xEF\xBB\xBFid: x\n");
  REQUIRE(ok->c);
  CHECK(ok->c->id == "x");
  CHECK(ok->sources.describe(ok->c->slot_spans[0]) == "case.yaml:1:5");
  auto crlf = load(ts.schema, "id: x\r\nrequest:\r\n  sessions: six\r\n");
  CHECK(crlf->at("case.type") == "3:13: `request.sessions` must be an integer, found string `six`");
}

TEST_CASE("spans cover the written value", "[case_loader]") {
  TestSchema ts;
  auto l = load(ts.schema, "id: \"case 'one'\"\ndate_of_service: '2026-03-02'\n");
  REQUIRE(l->c);
  const dsl::SourceFile& f = l->sources.file(0);
  CHECK(f.slice(l->c->slot_spans[0]) == "\"case 'one'\"");
  CHECK(f.slice(l->c->slot_spans[1]) == "'2026-03-02'");
  CHECK(l->c->strings[l->c->field(0, 0).index] == "case 'one'");
}

TEST_CASE("non-scalar keys and odd input do not crash", "[case_loader]") {
  TestSchema ts;
  CHECK(load(ts.schema, "? [a, b]\n: 1\n")->find("case.type"));
  CHECK(load(ts.schema, std::string("id: \"a\0b\"\n", 10))->diags.items().size() < 5);
  CHECK(load(ts.schema, "\xFF\xFE\x00\x00")->diags.has_errors());
  CHECK(load(ts.schema, "id: !!binary aGVsbG8=\n")->c);
  CHECK(load(ts.schema, "request: {sessions: !!int 5}\n")->c);
  // A YAML merge key merges its mapping's pairs (engine/cases/yaml_tree.cpp): no unknown field `<<`.
  CHECK_FALSE(load(ts.schema, "<<: {id: x}\n")->find("case.unknown_field"));
  CHECK(load(ts.schema, "<<: 5\n")->find("case.merge"));
}

TEST_CASE("diagnostics per case are capped", "[case_loader]") {
  TestSchema ts;
  std::string bad = "request:\n  cpt: [";
  for (int i = 0; i < 5000; ++i) bad += i ? ", X" : "X";
  bad += "]\n";
  auto l = load(ts.schema, bad);
  CHECK_FALSE(l->c);
  CHECK(l->diags.error_count() == 1000);
  CHECK(l->at("case.too_many_errors").find("stopped after 1000 errors in this case") != std::string::npos);
  std::string unknown;
  for (int i = 0; i < 500; ++i) unknown += "extra" + std::to_string(i) + ": 1\n";
  auto w = load(ts.schema, unknown);
  REQUIRE(w->c);
  CHECK(w->diags.items().size() == 201);
  CHECK(w->find("case.too_many_warnings"));
}

TEST_CASE("encoding problems are found wherever they fall in a text of any length", "[case_loader][encoding]") {
  // ASCII is passed over sixteen bytes at a time: put each odd byte after 0 to 40 ordinary
  // bytes (with tabs and line ends among them) and require the first problem at its offset.
  struct Odd {
    std::string bytes;
    bool bad_always;    // NUL, invalid UTF-8
    bool bad_controls;  // also a problem with `controls`
  };
  const Odd odds[] = {
      {std::string(1, '\0'), true, true},
      {"\x01", false, true},
      {"\x1f", false, true},
      {"\x7f", false, true},
      {"\x80", true, true},
      {"\xc0\xaf", true, true},
      {"\xff", true, true},
      {"\xc2\xa7", false, false},
      {"\xe2\x82\xac", false, false},
      {"\t", false, false},
      {"\r\n", false, false},
  };
  for (const Odd& odd : odds) {
    for (std::size_t length = 0; length <= 40; ++length) {
      for (std::size_t at = 0; at <= length; ++at) {
        std::string text;
        for (std::size_t i = 0; i < length; ++i) text += i % 7 == 3 ? '\n' : i % 11 == 5 ? '\t' : 'a';
        text.insert(at, odd.bytes);
        for (bool controls : {false, true}) {
          INFO("byte " << static_cast<int>(static_cast<unsigned char>(odd.bytes[0])) << " at " << at << " of "
                       << text.size() << (controls ? ", controls" : ""));
          auto problem = dsl::find_encoding_problem(text, controls);
          if (odd.bad_always || (controls && odd.bad_controls)) {
            REQUIRE(problem);
            CHECK(problem->offset == at);
          } else {
            CHECK_FALSE(problem);
          }
        }
      }
    }
  }
}
