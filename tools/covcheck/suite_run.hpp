// Running loaded test suites: each distinct rule set is built once, each test's case is
// decided, and the determination is compared with the expectation key by key.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "engine/answer/determination.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/session/session.hpp"
#include "tools/covcheck/suite.hpp"

namespace covcheck::cli {

struct Mismatch {
  std::string key;  // decision, reasons, error, ...
  std::string expected;
  std::string actual;
  std::string hint = {};  // e.g. an expected reason that names no rule, with a did-you-mean
};

struct TestResult {
  const SuiteTest* test = nullptr;
  bool passed = false;
  std::vector<Mismatch> mismatches;
  std::vector<std::string> trace;  // on failure: the deciding part of the trace, one line each
  std::string case_diagnostics;    // on failure: the case's errors, rendered
  std::optional<engine::Determination> determination;
  double seconds = 0;
};

struct SuiteResult {
  const Suite* suite = nullptr;
  std::size_t rule_set = 0;       // index into RuleSets::programs
  std::vector<TestResult> tests;  // the selected tests only
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

// A test's case file read once, shared by every session it is decided in (the suite's rule
// set's, and each mutant's under --mutate). An inline case needs nothing: its tree is the test's.
struct PreparedCase {
  std::string text;        // the case file's bytes
  std::string unreadable;  // the case file could not be read: the message
};
PreparedCase prepare_case(const SuiteTest& test);

// What the session reads for a test: the case file's text, or the inline case's tree in
// the suite (already registered, so its diagnostics name the suite's lines).
engine::CaseInput case_input(const SuiteTest& test, const PreparedCase& prepared);

// Decides one test's case through the session of its rule set (made after the suites and
// rule sets were registered, so its registry names their files) and compares it with the
// expectation. The result's determination is located in session.sources(). Without `trace`
// (mutants) a failure keeps no deciding trace and the determination has no trace.
TestResult run_test(const SuiteTest& test, const PreparedCase& prepared, engine::DecisionSession& session,
                    bool trace = true);
// The same, preparing the case first.
TestResult run_test(const SuiteTest& test, engine::DecisionSession& session);

// Expected against actual, key by key; empty when the test passes.
std::vector<Mismatch> compare(const Expectation& expect, const engine::CaseOutcome& result);

// The deciding part of a trace: decisive reasons, then the criteria (and conditions) that
// failed or stayed unknown in the rules that applied.
std::vector<std::string> deciding_trace(const engine::Determination& d, const dsl::SourceRegistry& sources);

}  // namespace covcheck::cli
