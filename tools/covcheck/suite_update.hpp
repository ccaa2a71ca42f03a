// `covcheck test --update`: rewriting failing expectations to the current results in the
// suite's text (yaml-cpp cannot write YAML back with its comments, so values are replaced
// by their spans and everything else is left as written).
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/source/source.hpp"
#include "tools/covcheck/suite_run.hpp"

namespace covcheck::cli {

struct ExpectationEdit {
  std::string test;     // the test's name
  std::string key;      // decision, reasons, ...
  std::string where;    // file:line:col of the value (or of the test when it cannot be edited)
  dsl::SourceSpan at;   // the value's text; no_file when it cannot be edited
  std::string was;      // the expectation, as the failure printed it
  std::string text;     // the new value, in YAML flow style
  std::string problem;  // why it is not rewritten (`next_steps_contain`, a value from an anchor, ...)
};

// The edits that make a failed test pass: one per mismatched key.
std::vector<ExpectationEdit> expectation_edits(const TestResult& result, const dsl::SourceRegistry& sources);

// The text with the editable edits applied (spans into `text`).
std::string apply_edits(std::string_view text, std::vector<ExpectationEdit> edits);

// Prints each edit (`updated file:line:col: test: key: old → new`, or `not updated …`) and
// writes the suite when something changed. False when an edit could not be made or the file
// could not be written.
bool write_updates(const std::string& path, std::string_view text, const std::vector<ExpectationEdit>& edits,
                   std::ostream& out, std::ostream& err);

}  // namespace covcheck::cli
