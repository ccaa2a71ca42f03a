// `covcheck test`: runs rule test suites, reports failures like a test runner, and with
// --coverage measures which rules and criteria the tests drove both ways.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

struct TestOptions {
  std::vector<std::string> paths;  // suite files or folders holding tests/*.yaml
  std::string filter;              // substring or glob on test names
  bool junit = false;              // --format junit: XML on stdout, the text on stderr
  std::optional<std::string> junit_file;
  bool coverage_report = false;  // --coverage: print the full report
  std::optional<double> coverage_min;
  std::optional<std::string> lcov_file;
  std::optional<std::int32_t> as_of;  // for tests without their own `as_of`
  bool json = false;                  // --format json: one JSON object on stdout, the text on stderr
  bool update = false;                // --update: rewrite failing expectations in the suites' text
  bool mutate = false;                // --mutate: mutation testing of the rules the suites own
  std::optional<double> mutate_min;
  std::optional<std::size_t> mutate_sample;  // at most this many mutants per rule file
  unsigned threads = 0;                      // mutation workers; 0: the hardware's
};

// Exit 0 all pass, 1 a failure, coverage or mutation score below the minimum, 2 usage / IO / bad suite,
// 3 a rule set that does not compile.
int run_tests(const TestOptions& options, std::ostream& out, std::ostream& err);

Command add_test_command(CLI::App& app);

}  // namespace covcheck::cli
