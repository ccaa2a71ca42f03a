// Test helper: runs a rule test suite (rules/<set>/tests/*.yaml, the `covcheck test` format)
// through the library pipeline and checks each test's expectations with Catch2: decision,
// prior_auth, benefit, reasons, missing, requirements, next_steps_contain, authorization, error.
#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include "tests/unit/pipeline_fixture.hpp"

namespace covcheck::testing {

inline std::vector<std::string> sorted_strings(const YAML::Node& list) {
  std::vector<std::string> out;
  for (const YAML::Node& n : list) out.push_back(n.as<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string optional_text(const std::optional<std::string>& s) { return s ? *s : "null"; }
inline std::string optional_text(const std::optional<bool>& b) { return b ? (*b ? "true" : "false") : "null"; }
inline std::string yaml_text(const YAML::Node& n) { return n.IsNull() ? "null" : n.as<std::string>(); }

// "months=6 units=8", or "none" when nothing was granted; keys in a fixed order.
inline std::string authorization_text(const std::optional<engine::Authorization>& a) {
  if (!a) return "none";
  std::string out;
  auto add = [&](const char* key, const std::optional<std::int64_t>& v) {
    if (v) out += (out.empty() ? "" : " ") + std::string(key) + "=" + std::to_string(*v);
  };
  add("days", a->days);
  add("months", a->months);
  add("units", a->units);
  return out;
}

inline std::string expected_authorization_text(const YAML::Node& n) {
  if (n.IsNull()) return "none";
  engine::Authorization a;
  if (n["days"]) a.days = n["days"].as<std::int64_t>();
  if (n["months"]) a.months = n["months"].as<std::int64_t>();
  if (n["units"]) a.units = n["units"].as<std::int64_t>();
  return authorization_text(a);
}

// Checks every expectation the test gives; keys it omits are not checked.
inline void check_expectations(const YAML::Node& expect, const CaseRun& run, const Pipeline& pipeline) {
  if (expect["error"]) {
    REQUIRE_FALSE(run.first_error().empty());
    CHECK_THAT(run.first_error(), Catch::Contains(expect["error"].as<std::string>()));
    return;
  }
  INFO(pipeline.render(run.case_diagnostics) + pipeline.render(run.errors));
  REQUIRE(run.determination.has_value());
  const engine::Determination& d = *run.determination;
  if (expect["decision"]) CHECK(std::string(engine::decision_name(d.decision)) == expect["decision"].as<std::string>());
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
  if (expect["next_steps_contain"]) {
    for (const YAML::Node& want : expect["next_steps_contain"]) {
      std::string step = want.as<std::string>();
      INFO("expected a next step containing: " << step);
      CHECK(std::any_of(d.next_steps.begin(), d.next_steps.end(),
                        [&](const std::string& s) { return s.find(step) != std::string::npos; }));
    }
  }
  if (expect["authorization"])
    CHECK(authorization_text(d.authorization) == expected_authorization_text(expect["authorization"]));
}

// Loads a suite, builds its rule set once and checks every test in its own section. A case
// is a file path (relative to the suite) or an inline mapping.
inline void run_suite(const std::filesystem::path& suite) {
  namespace fs = std::filesystem;
  REQUIRE(fs::exists(suite));
  YAML::Node root = YAML::LoadFile(suite.string());
  fs::path base = suite.parent_path();

  std::vector<std::string> rule_paths;
  for (const YAML::Node& p : root["rules"])
    rule_paths.push_back((base / p.as<std::string>()).lexically_normal().string());
  Pipeline pipeline(rule_paths);
  INFO(pipeline.diagnostics_text());
  REQUIRE(pipeline.ok());

  REQUIRE(root["tests"].size() > 0);
  for (const YAML::Node& test : root["tests"]) {
    std::string name = test["name"].as<std::string>();
    DYNAMIC_SECTION(name) {
      std::optional<std::int32_t> as_of;
      if (test["as_of"]) {
        as_of = dsl::parse_iso_date(test["as_of"].as<std::string>());
        REQUIRE(as_of.has_value());
      }
      CaseRun run;
      if (test["case"].IsMap()) {
        run = pipeline.run_text(suite.string() + " (inline case of '" + name + "')", YAML::Dump(test["case"]), as_of);
      } else {
        fs::path case_path = (base / test["case"].as<std::string>()).lexically_normal();
        REQUIRE(fs::exists(case_path));
        run = pipeline.run_file(case_path.string(), as_of);
      }
      check_expectations(test["expect"], run, pipeline);
    }
  }
}

}  // namespace covcheck::testing
