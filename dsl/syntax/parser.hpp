// The CPL parser: source text -> owned AST. PEGTL stays inside the parser's translation units.
#pragma once

#include <optional>
#include <string>

#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/ast.hpp"

namespace covcheck::dsl {

// Parses one registered file. Expression NodeIds are taken from `next_node_id`, which is
// advanced, so ids stay unique across the files of a rule set. On a syntax error returns
// nullopt with every syntax error of the file (and its position) in `diagnostics`.
std::optional<ast::File> parse_file(const SourceRegistry& sources, FileId file, ast::NodeId& next_node_id,
                                    Diagnostics& diagnostics);

// The raw parse tree, one node per line with its rule name and span: `covcheck dump --stage parse`.
std::string dump_parse_tree(const SourceRegistry& sources, FileId file, Diagnostics& diagnostics);

}  // namespace covcheck::dsl
