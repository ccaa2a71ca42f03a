// The linter: static analysis of a checked rule set beyond type checking. Each finding is
// a Diagnostic with a stable `lint.*` code, a location, an explanation (its first note)
// and a hint (`help`); `# covcheck:ignore lint.CODE` on its line or the line above
// silences it.
#pragma once

#include <string>
#include <vector>

#include "dsl/check/checked.hpp"
#include "dsl/source/diagnostics.hpp"

namespace covcheck::dsl {

// Every finding code the linter can report, for documentation and `--help`.
const std::vector<std::string>& lint_codes();

// Findings over the whole rule set, sorted by position, ignore comments applied.
// Severity error when the rule text is certainly wrong (a rule that can never apply),
// warning otherwise.
Diagnostics lint_rule_set(const CheckedRuleSet& rules, const SourceRegistry& sources);

}  // namespace covcheck::dsl
