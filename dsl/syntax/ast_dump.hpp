// Printable pipeline stages for `covcheck dump` (debugging and teaching): the AST of one file
// as an indented tree, and the checked rule set with each expression's type and resolution.
#pragma once

#include <string>

#include "dsl/check/checked.hpp"
#include "dsl/source/source.hpp"
#include "dsl/syntax/ast.hpp"

namespace covcheck::dsl {

// One line per node: kind, details, `#NodeId` for expressions, and `@line:col-line:col`.
std::string dump_ast(const ast::File& file, const SourceRegistry& sources);

// Schema summary, units (policies and modules), code sets, defines, params and rules with
// their kinds; every expression annotated `: type` and `-> resolution` from the side tables.
std::string dump_checked(const CheckedRuleSet& set, const SourceRegistry& sources);

}  // namespace covcheck::dsl
