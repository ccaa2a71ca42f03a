// Data-driven: every test of rules/acme/tests/examples.yaml through the library pipeline,
// checking decision, prior_auth, benefit, reasons, missing, requirements or the error.
#include <algorithm>
#include <filesystem>
#include <map>

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "tests/unit/pipeline_fixture.hpp"

namespace fs = std::filesystem;
using covcheck::testing::CaseRun;
using covcheck::testing::Pipeline;

namespace {

std::vector<std::string> sorted_strings(const YAML::Node& list) {
  std::vector<std::string> out;
  for (const YAML::Node& n : list) out.push_back(n.as<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

std::string optional_text(const std::optional<std::string>& s) { return s ? *s : "null"; }
std::string optional_text(const std::optional<bool>& b) { return b ? (*b ? "true" : "false") : "null"; }
std::string yaml_text(const YAML::Node& n) { return n.IsNull() ? "null" : n.as<std::string>(); }

void check_expectations(const YAML::Node& expect, const CaseRun& run, const Pipeline& pipeline) {
  if (expect["error"]) {
    REQUIRE_FALSE(run.first_error().empty());
    CHECK_THAT(run.first_error(), Catch::Contains(expect["error"].as<std::string>()));
    return;
  }
  INFO(pipeline.render(run.case_diagnostics) + pipeline.render(run.errors));
  REQUIRE(run.determination.has_value());
  const covcheck::engine::Determination& d = *run.determination;
  if (expect["decision"]) CHECK(std::string(covcheck::engine::decision_name(d.decision)) == expect["decision"].as<std::string>());
  if (expect["prior_auth"]) CHECK(optional_text(d.prior_auth) == yaml_text(expect["prior_auth"]));
  if (expect["benefit"]) CHECK(optional_text(d.benefit) == yaml_text(expect["benefit"]));
  if (expect["reasons"]) {
    std::vector<std::string> actual;
    for (const auto& r : d.reasons) actual.push_back(r.rule);
    std::sort(actual.begin(), actual.end());
    CHECK(actual == sorted_strings(expect["reasons"]));
  }
  if (expect["missing"]) {
    std::vector<std::string> actual;
    for (const auto& m : d.missing) actual.push_back(m.fact);
    std::sort(actual.begin(), actual.end());
    CHECK(actual == sorted_strings(expect["missing"]));
  }
  if (expect["requirements"]) {
    std::map<std::string, std::string> expected, actual;
    for (const auto& kv : expect["requirements"]) expected[kv.first.as<std::string>()] = kv.second.as<std::string>();
    for (const auto& r : d.requirements) actual[r.item] = r.status;
    CHECK(actual == expected);
  }
}

}  // namespace

TEST_CASE("acme examples", "[examples][acme]") {
  fs::path suite = fs::path(COVCHECK_SOURCE_DIR) / "rules/acme/tests/examples.yaml";
  REQUIRE(fs::exists(suite));
  YAML::Node root = YAML::LoadFile(suite.string());
  fs::path base = suite.parent_path();

  std::vector<std::string> rule_paths;
  for (const YAML::Node& p : root["rules"]) rule_paths.push_back((base / p.as<std::string>()).lexically_normal().string());
  Pipeline pipeline(rule_paths);
  INFO(pipeline.diagnostics_text());
  REQUIRE(pipeline.ok());

  REQUIRE(root["tests"].size() > 0);
  for (const YAML::Node& test : root["tests"]) {
    std::string name = test["name"].as<std::string>();
    DYNAMIC_SECTION(name) {
      std::optional<std::int32_t> as_of;
      if (test["as_of"]) {
        as_of = covcheck::dsl::parse_iso_date(test["as_of"].as<std::string>());
        REQUIRE(as_of.has_value());
      }
      fs::path case_path = (base / test["case"].as<std::string>()).lexically_normal();
      REQUIRE(fs::exists(case_path));
      CaseRun run = pipeline.run_file(case_path.string(), as_of);
      check_expectations(test["expect"], run, pipeline);
    }
  }
}
