// What a test run prints and writes: the text of one failure, JUnit XML for CI servers,
// and LCOV over the rule files for genhtml and editor plugins.
#pragma once

#include <string>
#include <vector>

#include "dsl/source/source.hpp"
#include "tools/covcheck/suite_coverage.hpp"
#include "tools/covcheck/suite_run.hpp"

namespace covcheck::cli {

// `FAIL file:line:col: name`, then expected against actual per key, the case's errors and
// the deciding part of the trace, each indented.
std::string render_failure(const TestResult& result, const dsl::SourceRegistry& sources);

// One line: `decision: expected denied, got covered; reasons: ...`.
std::string failure_summary(const TestResult& result);

// <testsuites> with one <testsuite> per suite file and one <testcase> per selected test.
std::string render_junit(const std::vector<SuiteResult>& suites, const dsl::SourceRegistry& sources);

// One LCOV record per rule file: FN/FNDA per rule (tests that applied it), BRDA true/false
// per condition, DA per line holding a rule or condition (tests that evaluated it).
std::string render_lcov(const Coverage& coverage);

}  // namespace covcheck::cli
