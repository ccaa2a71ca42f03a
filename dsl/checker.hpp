// The checker: resolves every name and types every expression of a rule set against the
// case schema, and validates declarations (duplicates, overrides, cycles, code formats).
// It never mutates the AST; what it learns lives in side tables of the CheckedRuleSet.
#pragma once

#include <memory>

#include "dsl/checked.hpp"
#include "dsl/diagnostics.hpp"
#include "dsl/rule_files.hpp"

namespace covcheck::dsl {

// Takes the loaded files (the rule set owns them from then on). When no file has a
// `schema` header, the built-in default schema is parsed and used. Returns null when any
// error was reported: a rule set with errors is never evaluated.
std::unique_ptr<CheckedRuleSet> check_rule_set(RuleFiles files, SourceRegistry& sources, Diagnostics& diagnostics);

}  // namespace covcheck::dsl
