// The checker: resolves every name and types every expression of a rule set against the
// case schema, and validates declarations (duplicates, overrides, cycles, code formats).
// It never mutates the AST; what it learns lives in side tables of the CheckedRuleSet.
#pragma once

#include <memory>

#include "dsl/check/checked.hpp"
#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/rule_files.hpp"

namespace covcheck::dsl {

// Takes the loaded files (the rule set owns them from then on). When no file has a
// `schema` header, the built-in default schema is parsed and used. Returns null when any
// error was reported: a rule set with errors is never evaluated.
std::unique_ptr<CheckedRuleSet> check_rule_set(RuleFiles files, SourceRegistry& sources, Diagnostics& diagnostics);

// For the language server: the same checks, but the rule set is returned even when errors
// were reported (null only when the schema cannot be built), so that hover and go-to-definition
// work in a file with a type error. Its side tables are partial: what failed has no
// resolution and the error type. Never compile or evaluate what this returns.
std::unique_ptr<CheckedRuleSet> check_rule_set_for_editor(RuleFiles files, SourceRegistry& sources,
                                                          Diagnostics& diagnostics);

}  // namespace covcheck::dsl
