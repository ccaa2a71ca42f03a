// Impact analysis tests: corpus splitting, the old x new matrix, the responsible rules of a
// changed cell, routing and prior-authorization changes, and error rows.
#include <catch2/catch.hpp>

#include <string>

#include "engine/batch/impact.hpp"
#include "rule_text_fixture.hpp"

using namespace covcheck;

namespace {

// Old: adults (x >= 18) are covered. New: x >= 21, and a prior authorization.
const char* old_policy = R"(policy p "P" version "1"
  default denied "No"
rule r1 "Route" cite "§1" when y > 0 route mental_health
rule r2 "Cover" cite "§2" cover
  require x >= 18 cite "§2.1" else deny "Too young"
)";
const char* new_policy = R"(policy p "P" version "2"
  default denied "No"
rule r1 "Route" cite "§1" when y > 5 route mental_health
rule r2 "Cover" cite "§2" cover
  require prior_auth
  require x >= 21 cite "§2.1" else deny "Too young"
)";

engine::ImpactReport run(const std::string& corpus, bool yaml) {
  testing::Pipeline before = testing::policy_pipeline(old_policy);
  testing::Pipeline after = testing::policy_pipeline(new_policy);
  REQUIRE(before.ok());
  REQUIRE(after.ok());
  engine::ImpactSummary summary(2);
  engine::DecisionSession old_session(before.program(), before.sources());
  engine::DecisionSession new_session(after.program(), after.sources());
  for (const engine::CorpusRecord& rec : engine::split_corpus(corpus, "corpus", yaml)) {
    auto a = engine::decide_record(old_session, rec, std::nullopt);
    auto b = engine::decide_record(new_session, rec, std::nullopt);
    std::string id = a.determination && a.determination->case_id ? *a.determination->case_id : rec.name;
    summary.add(id, a, b);
  }
  return summary.finish();
}

const engine::ImpactCell* cell(const engine::ImpactReport& r, const std::string& a, const std::string& b) {
  for (const auto& c : r.cells)
    if (c.old_outcome == a && c.new_outcome == b) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("impact: corpus splitting", "[impact]") {
  auto jsonl = engine::split_corpus("{\"id\": \"a\"}\n\n{\"id\": \"b\"}\n", "c.jsonl", false);
  REQUIRE(jsonl.size() == 2);
  CHECK(jsonl[1].name == "c.jsonl:#2");
  CHECK(jsonl[1].text.find("\"b\"") != std::string::npos);
  auto yaml = engine::split_corpus("---\nid: a\nx: 1\n---\nid: b\n", "c.yaml", true);
  REQUIRE(yaml.size() == 2);
  CHECK(yaml[0].text.find("x: 1") != std::string::npos);
  CHECK(yaml[1].name == "c.yaml:#2");
  // As in `batch`: a JSON Lines record is JSON by media type (the fhir row may still claim
  // it), a YAML document is YAML by name.
  CHECK(jsonl[0].media_type == "application/json");
  CHECK(jsonl[0].format.empty());
  CHECK(yaml[0].format == "yaml");
}

TEST_CASE("impact: a corpus line that is a FHIR resource is read by the fhir row", "[impact]") {
  testing::Pipeline p = testing::policy_pipeline(old_policy);
  REQUIRE(p.ok());
  engine::DecisionSession session(p.program(), p.sources());
  auto records = engine::split_corpus("{\"resourceType\": \"Patient\", \"id\": \"p1\"}\n", "c.jsonl", false);
  REQUIRE(records.size() == 1);
  engine::SideOutcome out = engine::decide_record(session, records[0], std::nullopt);
  CHECK_FALSE(out.determination);
  // The JSON reader would call `resourceType` an unknown field; the FHIR reader wants a Bundle.
  CHECK(out.error.find("not a Bundle") != std::string::npos);
}

TEST_CASE("impact: matrix, responsible rules, routing and authorization", "[impact]") {
  std::string corpus =
      "{\"id\": \"c1\", \"x\": 30, \"y\": 9}\n"  // covered -> covered; every decided case: prior auth false -> true
      "{\"id\": \"c2\", \"x\": 19, \"y\": 3}\n"  // covered -> denied, mental_health -> none
      "{\"id\": \"c3\", \"x\": 20, \"y\": 1}\n"  // covered -> denied
      "{\"id\": \"c4\", \"x\": 20, \"y\": 1}\n"  // covered -> denied (beyond the 2 examples)
      "{\"id\": \"c5\", \"y\": 1}\n"             // pend -> pend
      "{\"id\": \"c6\", \"x\": \"many\"}\n";     // error -> error (wrong type)
  engine::ImpactReport r = run(corpus, false);
  CHECK(r.cases == 6);
  CHECK(r.changed == 3);
  const engine::ImpactCell* changed = cell(r, "covered", "denied");
  REQUIRE(changed);
  CHECK(changed->cases == 3);
  CHECK(changed->examples == std::vector<std::string>{"c2", "c3"});
  REQUIRE(changed->reasons.size() == 2);
  bool saw_new_deny = false, saw_old_cover = false;
  for (const auto& rc : changed->reasons) {
    saw_new_deny |= !rc.old_side && rc.reason.rule == "r2" && rc.reason.effect == "deny" && rc.reason.cite == "§2.1";
    saw_old_cover |= rc.old_side && rc.reason.rule == "r2" && rc.reason.effect == "cover";
    CHECK(rc.cases == 3);
  }
  CHECK(saw_new_deny);
  CHECK(saw_old_cover);
  REQUIRE(cell(r, "covered", "covered"));
  CHECK(cell(r, "covered", "covered")->reasons.empty());
  REQUIRE(cell(r, "error", "error"));
  CHECK(r.errors.size() == 2);
  REQUIRE(!r.benefit.empty());
  CHECK(r.benefit[0].old_value == "mental_health");
  CHECK(r.benefit[0].new_value == "none");
  CHECK(r.benefit[0].cases == 4);  // c2-c5
  bool auth_changed = false;
  for (const auto& c : r.prior_auth)
    auth_changed |= c.old_value == "false" && c.new_value == "true" && c.cases == 5;  // c1-c5; errors are not counted
  CHECK(auth_changed);
  CHECK(r.old_policies == std::vector<std::string>{"p 1"});
}

TEST_CASE("impact: a YAML stream gives the same report as JSON Lines", "[impact]") {
  engine::ImpactReport a = run("{\"id\": \"c1\", \"x\": 19}\n{\"id\": \"c2\", \"x\": 40}\n", false);
  engine::ImpactReport b = run("---\nid: c1\nx: 19\n---\nid: c2\nx: 40\n", true);
  CHECK(a.cases == b.cases);
  CHECK(a.changed == b.changed);
  CHECK(a.cells.size() == b.cells.size());
}
