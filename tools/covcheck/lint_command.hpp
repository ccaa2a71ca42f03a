// `covcheck lint PATH... [--format text|json] [--strict]`: static analysis of a rule set.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

struct LintOptions {
  std::vector<std::string> paths;  // rule files or directories, like `check --rules`
  bool json = false;
  bool strict = false;  // warnings fail too
};

// Findings go to `out` (text like compiler diagnostics, or one JSON object); a rule set
// that does not compile goes to `err`. Exit: 0 clean (warnings allowed unless strict),
// 1 findings that fail, 2 unreadable paths, 3 the rule set does not compile.
int run_lint(const LintOptions& options, std::ostream& out, std::ostream& err);

Command add_lint_command(CLI::App& app);

}  // namespace covcheck::cli
