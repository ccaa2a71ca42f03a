// Structural equality of CPL syntax trees, ignoring what formatting may change: source spans,
// expression NodeIds, and the positions of comments. The formatter's meaning-preservation
// test compares a file's AST before and after formatting with it.
#pragma once

#include <optional>
#include <string>

#include "dsl/syntax/ast.hpp"

namespace covcheck::dsl {

struct AstCompareOptions {
  // Compare the comments as a multiset of their texts (trailing blanks ignored).
  bool comments = true;
};

// nullopt when equal; otherwise where they first differ, e.g.
// `items[3] (rule s3_esketamine): requirements[2].condition.rhs: 2 vs 3`.
std::optional<std::string> ast_difference(const ast::File& a, const ast::File& b, AstCompareOptions options = {});
std::optional<std::string> ast_difference(const ast::Expr& a, const ast::Expr& b);

inline bool ast_equal(const ast::File& a, const ast::File& b, AstCompareOptions options = {}) {
  return !ast_difference(a, b, options);
}
inline bool ast_equal(const ast::Expr& a, const ast::Expr& b) { return !ast_difference(a, b); }

}  // namespace covcheck::dsl
