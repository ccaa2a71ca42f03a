// Code lenses and the commands they run: the test suites beside a policy, and an evaluation
// of the open policy with a case file beside it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lsp/features.hpp"

namespace covcheck::lsp {

inline constexpr const char* run_tests_command = "covcheck.runTests";
inline constexpr const char* evaluate_command = "covcheck.evaluate";

// "run tests" when `tests/*.yaml` is beside the document and `can_run_tests` (the covcheck
// binary is known), with the last result from `results` (by suite folder); "evaluate with
// case…" when `cases/` holds case files. One of each per rule, on its name.
Json code_lenses(const Analysis& a, const Document& d, const std::map<std::string, std::string>& results,
                 bool can_run_tests);

// Case files beside the document (`cases/*.yaml`, `*.json`), sorted.
std::vector<std::string> case_files(const Document& d);

struct TestRun {
  int status = -1;
  std::string summary;  // the runner's last line: "41 passed, 0 failed"
  std::string output;
};
// Runs `covcheck test SUITES` (the binary at `covcheck`), collecting its output.
TestRun run_tests(const std::string& covcheck, const std::string& suites);

// The open document (and its imports, from the buffers) decided on a case file: the text
// `covcheck check` prints, or the errors that stop it.
std::string evaluate_with_case(const Document& d, const DocumentStore& documents, const std::string& case_path);

}  // namespace covcheck::lsp
