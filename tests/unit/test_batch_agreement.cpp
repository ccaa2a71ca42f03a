// The peer workload in CPL (bench/workload/) against the reference implementation: every
// case of the committed sample (tests/data/workload/, from the peers' gen.js and
// engines/plain.js) must get the reference outcome, category and fired rules R01..R19.
#include <fstream>
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "engine/batch/batch_reader.hpp"
#include "engine/cases/case_loader.hpp"
#include "engine/cases/json_case_loader.hpp"
#include "engine/eval/evaluate.hpp"
#include "tests/unit/pipeline_fixture.hpp"

using namespace covcheck;

namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The reference's format (WORKLOAD.md "Outcome"), from a quick determination.
std::string reference_line(const engine::Program& program, const engine::Case& c, const engine::QuickDetermination& q) {
  std::string outcome = engine::decision_name(q.decision);
  if (q.decision == engine::Decision::pend) outcome = "pend-missing-info";
  if (q.decision == engine::Decision::covered && q.prior_auth == true) outcome = "covered-with-prior-auth";
  const auto& members = program.checked->schema.enums[*program.checked->benefit_enum].members;
  std::string category = q.benefit == engine::no_member ? "none" : members.at(q.benefit);
  std::string reasons;
  static const std::regex workload_id("R(0[1-9]|1[0-9])");
  for (std::uint32_t r : q.reasons) {
    const std::string& id = program.rules[r].checked->display_id;
    if (!std::regex_match(id, workload_id)) continue;
    reasons += (reasons.empty() ? "\"" : ",\"") + id + "\"";
  }
  return "{\"id\":\"" + c.id.value_or("") + "\",\"outcome\":\"" + outcome + "\",\"category\":\"" + category +
         "\",\"reasons\":[" + reasons + "]}";
}

}  // namespace

TEST_CASE("the CPL workload agrees with the reference on the committed sample", "[batch][agreement]") {
  testing::Pipeline p({COVCHECK_SOURCE_DIR "/bench/workload"});
  INFO(p.diagnostics_text());
  REQUIRE(p.ok());
  const engine::Program& program = p.program();
  std::vector<std::string> cases = lines_of(COVCHECK_SOURCE_DIR "/tests/data/workload/cases.jsonl");
  std::vector<std::string> reference = lines_of(COVCHECK_SOURCE_DIR "/tests/data/workload/reference.jsonl");
  REQUIRE(cases.size() >= 3000);
  REQUIRE(reference.size() == cases.size());

  engine::JsonCaseLoader loader;
  engine::QuickDecider quick(program);
  engine::Case c;
  engine::QuickDetermination q;
  std::size_t disagreements = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    dsl::Diagnostics diags;
    bool loaded = loader.load(program.schema(), cases[i], cases[i].size(), dsl::no_file, diags, c);
    INFO("line " << i + 1 << ": " << cases[i]);
    REQUIRE(loaded);
    REQUIRE(diags.empty());  // the schema knows every field the generator writes
    REQUIRE(quick.decide(c, std::nullopt, q));
    std::string got = reference_line(program, c, q);
    if (got != reference[i] && ++disagreements <= 5) CHECK(got == reference[i]);
    // The full evaluator decides the same (its reasons and decision feed `check` and `batch`).
    engine::EvaluationOptions options;
    options.trace = i % 10 == 0;
    engine::Evaluation full = engine::evaluate(program, c, options);
    REQUIRE(full.determination);
    CHECK(full.determination->decision == q.decision);
    CHECK(full.determination->reasons.size() == q.reasons.size());
  }
  CHECK(disagreements == 0);
}

TEST_CASE("the YAML stream of the workload loads and decides like its JSON Lines", "[batch][agreement]") {
  testing::Pipeline p({COVCHECK_SOURCE_DIR "/bench/workload"});
  REQUIRE(p.ok());
  const engine::Program& program = p.program();
  std::ifstream in(COVCHECK_SOURCE_DIR "/tests/data/workload/cases-300.yaml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string yaml = buffer.str();
  std::vector<engine::RecordRef> records;
  engine::split_records(yaml, engine::InputFormat::yaml, 1, records);
  REQUIRE(records.size() == 300);
  std::vector<std::string> reference = lines_of(COVCHECK_SOURCE_DIR "/tests/data/workload/reference.jsonl");
  engine::QuickDecider quick(program);
  engine::QuickDetermination q;
  for (std::size_t i = 0; i < records.size(); ++i) {
    engine::YamlTree tree;
    engine::YamlParse parsed = engine::parse_first_yaml_document(
        std::string_view(yaml).substr(records[i].offset, records[i].length), tree, 64);
    REQUIRE(parsed.problems.empty());
    engine::Case c;
    dsl::Diagnostics diags;
    REQUIRE(engine::load_case_tree(program.schema(), tree, dsl::no_file, diags, c));
    REQUIRE(quick.decide(c, std::nullopt, q));
    CHECK(reference_line(program, c, q) == reference[i]);
  }
}
