// The CPL formatter (`covcheck fmt`): one canonical layout for a parsed file, keeping every
// comment. Meaning-preserving (the AST of the output equals the input's apart from
// positions, dsl/syntax/ast_equal.hpp) and idempotent. The layout is described in docs/formatting.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/ast.hpp"

namespace covcheck::dsl {

struct FormatOptions {
  int width = 100;  // lines are broken to stay within this many columns where CPL allows it
};

// Formats `file`, parsed from `text` (comments and blank lines are read from the text).
std::string format_file(const ast::File& file, std::string_view text, const FormatOptions& options = {});

// One expression in its canonical one-line spelling, parentheses recomputed from precedence
// (`covcheck test --mutate` prints a mutated node with it and splices it into the text).
std::string format_expression(const ast::Expr& expr);

// Parses the registered file and formats it. A file that does not parse is never formatted:
// nullopt, with the syntax error in `diagnostics`.
std::optional<std::string> format_source(const SourceRegistry& sources, FileId file, Diagnostics& diagnostics,
                                         const FormatOptions& options = {});

}  // namespace covcheck::dsl
