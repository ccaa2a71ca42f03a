// Rule test suites (`rules/<payer>/tests/*.yaml`): their plain data and how they are found
// and loaded. Every bad key or value is a diagnostic at the suite's file:line:col.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "dsl/source/source.hpp"
#include "engine/cases/yaml_tree.hpp"

namespace covcheck::cli {

struct ExpectedAuthorization {
  std::optional<std::int64_t> days;
  std::optional<std::int64_t> months;
  std::optional<std::int64_t> units;
  bool days_unknown = false, months_unknown = false, units_unknown = false;  // `units: null`
};

// Each key is checked only when the suite gives it; `error` excludes every other key.
struct Expectation {
  std::optional<std::string> decision;
  std::optional<std::optional<bool>> prior_auth;                   // inner nullopt: expected null
  std::optional<std::optional<std::string>> benefit;               // inner nullopt: expected null
  std::optional<std::vector<std::string>> reasons;                 // sorted rule ids
  std::optional<std::vector<std::string>> reasons_include;         // sorted rule ids, each among the reasons
  std::optional<std::vector<std::string>> missing;                 // sorted fact paths
  std::optional<std::map<std::string, std::string>> requirements;  // item -> present|missing|unknown
  std::optional<std::string> error;                                // substring of the case's first error
  std::vector<std::string> next_steps_contain;  // each a substring, or the citation, of some next step
  std::vector<std::string> next_steps_lack;     // each a substring of no next step
  std::vector<std::string> warnings_contain;    // each a substring of some warning of the answer
  std::vector<std::string> warnings_lack;       // each a substring of no warning
  std::optional<std::optional<ExpectedAuthorization>> authorization;  // inner nullopt: none granted
};

struct SuiteTest {
  std::string name;
  dsl::SourceSpan at;     // the test's `name` value
  std::string case_path;  // a case file, resolved against the suite's folder
  // An inline case: a tree of its own (the suite's, rooted at the case), so that anchors
  // and merge keys reach across tests and every location is the suite's line:col.
  std::shared_ptr<const engine::YamlTree> inline_case;
  dsl::SourceSpan case_at;
  std::optional<std::int32_t> as_of;
  Expectation expect;
  // Where the expectation is written, for `--update`: the `expect` mapping, and each key's
  // value (the spans of the suite's own text).
  dsl::SourceSpan expect_at;
  std::map<std::string, dsl::SourceSpan> expect_values;
};

struct Suite {
  std::string path;
  dsl::FileId file = dsl::no_file;
  std::vector<std::string> rules;  // resolved against the suite's folder
  std::vector<SuiteTest> tests;
};

// Suite files named by the command line: a file is taken as is; a directory contributes
// every `*.yaml` / `*.yml` below it whose folder is called `tests`, sorted. Missing paths
// and paths naming no suite are errors.
std::vector<std::string> find_suites(const std::vector<std::string>& paths, dsl::Diagnostics& diagnostics);

// Reads, registers and validates one suite file; nullopt when it has any error.
std::optional<Suite> load_suite(const std::string& path, dsl::SourceRegistry& sources, dsl::Diagnostics& diagnostics);

// Validates suite text already registered as `file` (unit tests feed text directly).
std::optional<Suite> parse_suite(const dsl::SourceRegistry& sources, dsl::FileId file, dsl::Diagnostics& diagnostics);

}  // namespace covcheck::cli
