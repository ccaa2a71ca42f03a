// Running loaded test suites: each distinct rule set is built once, each test's case is
// decided, and the determination is compared with the expectation key by key.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsl/diagnostics.hpp"
#include "engine/determination.hpp"
#include "engine/pipeline.hpp"
#include "tools/covcheck/suite.hpp"

namespace covcheck::cli {

struct Mismatch {
  std::string key;       // decision, reasons, error, ...
  std::string expected;
  std::string actual;
  std::string hint = {};  // e.g. an expected reason that names no rule, with a did-you-mean
};

struct TestResult {
  const SuiteTest* test = nullptr;
  bool passed = false;
  std::vector<Mismatch> mismatches;
  std::vector<std::string> trace;     // on failure: the deciding part of the trace, one line each
  std::string case_diagnostics;       // on failure: the case's errors, rendered
  std::optional<engine::Determination> determination;
  double seconds = 0;
};

struct SuiteResult {
  const Suite* suite = nullptr;
  std::size_t rule_set = 0;           // index into RuleSets::programs
  std::vector<TestResult> tests;      // the selected tests only
  std::size_t failures() const;
};

struct RuleSets {
  std::vector<std::vector<std::string>> paths;
  std::vector<std::shared_ptr<const engine::Program>> programs;
  std::vector<std::size_t> of_suite;  // parallel to the suites given to build_rule_sets
};

// Builds every distinct rule set (the same paths, in any order, build once). The worst
// status of any build is returned; diagnostics collect every build's.
engine::RuleSetStatus build_rule_sets(const std::vector<Suite>& suites, dsl::SourceRegistry& sources,
                                      dsl::Diagnostics& diagnostics, RuleSets& out);

// True when `name` matches the filter: a glob (`*`, `?`, `[...]`) over the whole name when
// the pattern has glob characters, a substring otherwise. An empty filter matches all.
bool filter_matches(const std::string& pattern, const std::string& name);

// A test's case read once and registered, shared by every program it is decided with
// (the suite's rule set, and each mutant's under --mutate).
struct PreparedCase {
  dsl::FileId file = dsl::no_file;
  std::string unreadable;  // the case file could not be read: the message
};
PreparedCase prepare_case(const SuiteTest& test, dsl::SourceRegistry& sources);

// The one place the runner decides a case (what `covcheck check` does for a case file).
engine::CaseResult decide_test_case(const SuiteTest& test, const PreparedCase& prepared, const engine::Program& program,
                                    const dsl::SourceRegistry& sources, bool trace);

// Decides one test's case and compares it with the expectation. Without `trace` (mutants)
// a failure keeps no deciding trace and the determination has no trace.
TestResult run_test(const SuiteTest& test, const PreparedCase& prepared, const engine::Program& program,
                    const dsl::SourceRegistry& sources, bool trace = true);
// The same, preparing the case first.
TestResult run_test(const SuiteTest& test, const engine::Program& program, dsl::SourceRegistry& sources);

// Expected against actual, key by key; empty when the test passes.
std::vector<Mismatch> compare(const Expectation& expect, const engine::CaseResult& result);

// The deciding part of a trace: decisive reasons, then the criteria (and conditions) that
// failed or stayed unknown in the rules that applied.
std::vector<std::string> deciding_trace(const engine::Determination& d, const dsl::SourceRegistry& sources);

}  // namespace covcheck::cli
