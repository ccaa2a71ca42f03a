// Schema extension (`extend record|enum|synonyms` in policies and modules): parsing, merging
// into the built-in schema, conflicts naming both places, and cases read against the result.
#include <catch2/catch.hpp>

#include "dsl/syntax/ast_dump.hpp"
#include "dsl/syntax/parser.hpp"
#include "rule_text_fixture.hpp"

using namespace covcheck;
using namespace covcheck::dsl;
using covcheck::testing::decision_text;
using covcheck::testing::Pipeline;
using covcheck::testing::write_rule_dir;

namespace {

const std::string header = "policy p \"Test\" version \"1\" default denied\n";

// A policy (and other files) over the built-in schema.
Pipeline built_in_pipeline(const std::string& policy, std::vector<std::pair<std::string, std::string>> extra = {}) {
  extra.emplace_back("policy.cpl", policy);
  return Pipeline({write_rule_dir(extra).string()});
}

// The decision on a case, or its first error.
std::string decision_of(Pipeline& p, const std::string& case_text) {
  auto run = p.run_text("case.yaml", case_text);
  return run.determination ? decision_text(run.determination->decision) : run.first_error();
}

const std::string case_head = "id: c\ndate_of_service: 2026-03-01\nrequest: {service: esketamine_nasal}\n";

}  // namespace

TEST_CASE("extend parses into the schema declarations, flagged", "[extend]") {
  SourceRegistry sources;
  Diagnostics diags;
  FileId id = sources.add("p.cpl", header +
                                       "extend record treatment { rate: int }\n"
                                       "extend enum document { adherence_log }\n"
                                       "extend synonyms document { adherence_log: \"pill count\" }\n"
                                       "enum source { fills }\n");
  ast::NodeId next = 0;
  auto file = dsl::parse_file(sources, id, next, diags);
  INFO(dsl::render_all(diags, sources));
  REQUIRE(file);
  REQUIRE(file->items.size() == 4);
  const auto& rec = std::get<ast::RecordDecl>(file->items[0]);
  CHECK(rec.extended);
  CHECK(rec.name.text == "treatment");
  CHECK(sources.file(id).location(rec.span.begin).column == 1);  // the span starts at `extend`
  CHECK(std::get<ast::EnumDecl>(file->items[1]).extended);
  CHECK(std::get<ast::SynonymsDecl>(file->items[2]).extended);
  CHECK_FALSE(std::get<ast::EnumDecl>(file->items[3]).extended);
  std::string dump = dsl::dump_ast(*file, sources);
  CHECK_THAT(dump, Catch::Contains("RecordDecl extend treatment"));
  CHECK_THAT(dump, Catch::Contains("EnumDecl source {"));
}

TEST_CASE("extend needs record, enum or synonyms after it", "[extend]") {
  SourceRegistry sources;
  Diagnostics diags;
  FileId id = sources.add("p.cpl", header + "extend rule r { x: int }\n");
  ast::NodeId next = 0;
  CHECK_FALSE(dsl::parse_file(sources, id, next, diags));
  REQUIRE(diags.has_errors());
  CHECK(diags.items().front().code == "parse.expected_extend_target");
}

TEST_CASE("an extended field, member and synonym are read from cases and usable in rules", "[extend]") {
  auto p = built_in_pipeline(header +
                             "extend record treatment { adherence_documented: bool }\n"
                             "extend enum document { adherence_log }\n"
                             "extend synonyms document { adherence_log: \"pill count log\" }\n"
                             "rule r when request.service == esketamine_nasal cover\n"
                             "  require any treatments t: t.adherence_documented\n"
                             "  require document adherence_log\n");
  INFO(p.diagnostics_text());
  REQUIRE(p.ok());
  CHECK(decision_of(p, case_head + "treatments: [{name: sertraline, adherence_documented: true}]\n"
                                   "documents: [Pill Count Log]\n") == "covered");
  CHECK(decision_of(p, case_head + "treatments: [{name: sertraline, adherence_documented: false}]\n"
                                   "documents: [adherence_log]\n") == "denied");
  // An undeclared field is still a warning with a did-you-mean, not silently accepted.
  auto typo = p.run_text("t.yaml", case_head + "treatments: [{name: x, adherance_documented: true}]\n");
  std::string warnings = p.render(typo.case_diagnostics);
  CHECK_THAT(warnings, Catch::Contains("case.unknown_field"));
  CHECK_THAT(warnings, Catch::Contains("did you mean `adherence_documented`?"));
}

TEST_CASE("extensions are global to the rule set: a file that does not import them sees them", "[extend]") {
  auto p = built_in_pipeline(header +
                                 "rule r when request.service == esketamine_nasal cover\n"
                                 "  require request.infusion_rate <= 40\n",
                             {{"module.cpl", "module m \"Rates\"\nextend record request { infusion_rate: int }\n"}});
  INFO(p.diagnostics_text());
  REQUIRE(p.ok());
  CHECK(decision_of(p,
                    "id: c\ndate_of_service: 2026-03-01\n"
                    "request: {service: esketamine_nasal, infusion_rate: 50}\n") == "denied");
}

TEST_CASE("new types in a policy hang on existing records", "[extend]") {
  auto p = built_in_pipeline(header +
                             "enum adherence_source { pill_count, pharmacy_fills }\n"
                             "record adherence { source: adherence_source  days: int\n"
                             "  check days >= 0 \"days cannot be negative\" }\n"
                             "extend record case { adherence: adherence }\n"
                             "rule r when request.service == esketamine_nasal cover\n"
                             "  require adherence.source == pharmacy_fills\n");
  INFO(p.diagnostics_text());
  REQUIRE(p.ok());
  CHECK(decision_of(p, case_head + "adherence: {source: pharmacy_fills, days: 30}\n") == "covered");
  CHECK(decision_of(p, case_head + "adherence: {source: pharmacy_fills, days: -1}\n") ==
        "adherence.days: days cannot be negative");
}

TEST_CASE("conflicting extensions are errors naming both places", "[extend]") {
  auto p = built_in_pipeline(header + "import \"module.cpl\"\nextend record treatment { rate: decimal }\n",
                             {{"module.cpl", "module m \"Rates\"\nextend record treatment { rate: int }\n"}});
  CHECK_FALSE(p.ok());
  std::string out = p.diagnostics_text();
  CHECK_THAT(out, Catch::Contains("policy.cpl:3:27: error: field `treatment.rate` is already declared as `int`; "
                                  "this extension declares it as `decimal` [schema.extend_conflict]"));
  CHECK_THAT(out, Catch::Contains("module.cpl:2:27: note: declared here"));
}

TEST_CASE("the imported file's extension is merged first, whatever the load order", "[extend]") {
  // `a.cpl` loads before `z.cpl` but imports it: z's declaration is the first, a's the conflict.
  auto p = Pipeline({write_rule_dir({{"a.cpl", header + "import \"z.cpl\"\nextend record request { rate: bool }\n"},
                                     {"z.cpl", "module z \"Z\"\nextend record request { rate: int }\n"}})
                         .string()});
  CHECK_FALSE(p.ok());
  std::string out = p.diagnostics_text();
  CHECK_THAT(out, Catch::Contains("a.cpl:3:25: error: field `request.rate` is already declared as `int`"));
  CHECK_THAT(out, Catch::Contains("z.cpl:2:25: note: declared here"));
}

TEST_CASE("a field of the schema redeclared differently is a conflict pointing into the built-in schema", "[extend]") {
  auto p = built_in_pipeline(header + "extend record treatment { start: int }\n");
  CHECK_FALSE(p.ok());
  std::string out = p.diagnostics_text();
  CHECK_THAT(out, Catch::Contains("field `treatment.start` is already declared as `date`"));
  CHECK_THAT(out, Catch::Contains("<built-in>/rules/schema/case.cpl:"));
}

TEST_CASE("extending what the schema lacks is extend_unknown with a did-you-mean", "[extend]") {
  std::string out = built_in_pipeline(header + "extend record treatmnt { x: int }\n").diagnostics_text();
  CHECK_THAT(out, Catch::Contains("the schema has no record `treatmnt` to extend [schema.extend_unknown]"));
  CHECK_THAT(out, Catch::Contains("did you mean `treatment`?"));
  std::string kind = built_in_pipeline(header + "extend record specialty { x: int }\n").diagnostics_text();
  CHECK_THAT(kind, Catch::Contains("`specialty` is an enumeration: write `extend enum specialty`"));
  std::string fresh = built_in_pipeline(header + "extend enum zzqx { a }\n").diagnostics_text();
  CHECK_THAT(fresh, Catch::Contains("to declare a new enum, write `enum zzqx { … }` without `extend`"));
}

TEST_CASE("a new type named like an existing one is a conflict", "[extend]") {
  std::string out = built_in_pipeline(header + "enum outcome { cured }\n").diagnostics_text();
  CHECK_THAT(out, Catch::Contains("type `outcome` is already declared; a policy or module cannot declare it again "
                                  "[schema.extend_conflict]"));
  CHECK_THAT(out, Catch::Contains("to add to it, write `extend enum outcome { … }`"));
}

TEST_CASE("the same declaration again: allowed between extensions, a warning against the schema", "[extend]") {
  auto twice = built_in_pipeline(header + "extend record treatment { rate: int }\nextend enum document { log }\n",
                                 {{"module.cpl",
                                   "module m \"M\"\nextend record treatment { rate: int }\n"
                                   "extend enum document { log }\n"}});
  INFO(twice.diagnostics_text());
  CHECK(twice.ok());
  CHECK_THAT(twice.diagnostics_text(), !Catch::Contains("schema.extend"));
  auto again = built_in_pipeline(header + "extend record treatment { start: date }\nextend enum outcome { failed }\n");
  REQUIRE(again.ok());
  std::string out = again.diagnostics_text();
  CHECK_THAT(out, Catch::Contains("field `treatment.start` is already declared by the schema: this extension adds "
                                  "nothing [schema.extend_redundant]"));
  CHECK_THAT(out, Catch::Contains("`failed` is already a member of enum `outcome`"));
  CHECK_THAT(out, Catch::Contains("note: declared here by the schema"));
}

TEST_CASE("where extensions may stand", "[extend]") {
  std::string library =
      built_in_pipeline(header, {{"lib.cpl", "extend record treatment { x: int }\n"}}).diagnostics_text();
  CHECK_THAT(library, Catch::Contains("`extend` belongs in a policy or module file [check.schema_outside_schema]"));
  std::string synonyms = built_in_pipeline(header + "synonyms outcome { failed: \"no effect\" }\n").diagnostics_text();
  CHECK_THAT(synonyms, Catch::Contains("write `extend synonyms outcome { … }`"));
  auto schema_with_extend =
      Pipeline({write_rule_dir({{"schema.cpl", std::string(testing::test_schema) + "extend record trial { x: int }\n"},
                                {"policy.cpl", header}})
                    .string()});
  CHECK_THAT(schema_with_extend.diagnostics_text(), Catch::Contains("[check.extend_in_schema]"));
}

TEST_CASE("a partial schema file's error points at extend", "[extend]") {
  auto p = Pipeline({write_rule_dir({{"schema.cpl", "schema s \"S\" version \"1\"\nrecord treatment { x: int }\n"},
                                     {"policy.cpl", header}})
                         .string()});
  std::string out = p.diagnostics_text();
  CHECK_THAT(out, Catch::Contains("[schema.missing_root]"));
  CHECK_THAT(out, Catch::Contains("write `extend record NAME { … }`"));
}

TEST_CASE("the language reference's extension example compiles and reads a case", "[extend]") {
  auto p = built_in_pipeline(header + R"(
extend record treatment {
  adherence_documented: bool  # the record documents that the drug was taken as prescribed
  doses_missed: int
  check doses_missed >= 0 "doses missed cannot be negative"
}

extend enum specialty { geriatric_psychiatry }  # members: specialties, documents, conditions, ...

extend synonyms specialty {
  geriatric_psychiatry: "2084P0805X"
}

enum adherence_source { pill_count, pharmacy_fills }  # a new type: declared as in a schema file
record adherence { source: adherence_source }
extend record case { adherence: adherence }

rule r when request.prescriber_specialty == geriatric_psychiatry cover
  require all treatments t: t.adherence_documented
)");
  INFO(p.diagnostics_text());
  REQUIRE(p.ok());
  CHECK(decision_of(p,
                    "id: c\ndate_of_service: 2026-03-01\n"
                    "request: {prescriber_specialty: 2084P0805X}\n"
                    "treatments: [{adherence_documented: true, doses_missed: 2}]\n"
                    "adherence: {source: pill_count}\n") == "covered");
  CHECK(decision_of(p, "id: c\ndate_of_service: 2026-03-01\ntreatments: [{doses_missed: -1}]\n") ==
        "treatments[0].doses_missed: doses missed cannot be negative");
}
