// Every operator of CPL expressions in one table: its spelling, precedence and arity. The
// parser's messages and keyword list, the checker's messages, the AST dump, the formatter
// (which recomputes parentheses from the precedence) and the compiler read it; the grammar's
// operator rules and docs/language.md's precedence table are checked against it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "dsl/syntax/ast.hpp"

namespace covcheck::dsl {

// Binding strength, loosest first (docs/language.md, "Expressions"). `postfix` is member
// access and calls, and every form that needs no parentheses (literals, quantifiers, ...).
enum class Precedence : std::uint8_t { or_ = 1, and_, not_, comparison, sum, product, negation, postfix };

// How operators of one level combine: `a - b + c` is `(a - b) + c` (left), `a < b < c` is an
// error (non-associative), `not not a` nests (prefix).
enum class Associativity : std::uint8_t { left, none, prefix };

struct Operator {
  std::string_view spelling;
  Precedence precedence;
  std::uint8_t arity;
  Associativity associativity;
};

// The comparison-level operators that are AST nodes of their own rather than ast::Binary:
// ast::Membership (`in`, `not in`), ast::Presence (`is known`, `is unknown`), ast::Within
// (`x within D before|after|of Y`: subject, amount, anchor).
enum class PredicateOp : std::uint8_t { in, not_in, is_known, is_unknown, within, is_none };

// The switches have no default: a new enumerator is a -Wswitch error here until it has a row.
constexpr Operator operator_of(ast::BinaryOp op) {
  using B = ast::BinaryOp;
  constexpr auto cmp = Precedence::comparison;
  switch (op) {
    case B::or_: return {"or", Precedence::or_, 2, Associativity::left};
    case B::and_: return {"and", Precedence::and_, 2, Associativity::left};
    case B::eq: return {"==", cmp, 2, Associativity::none};
    case B::ne: return {"!=", cmp, 2, Associativity::none};
    case B::lt: return {"<", cmp, 2, Associativity::none};
    case B::le: return {"<=", cmp, 2, Associativity::none};
    case B::gt: return {">", cmp, 2, Associativity::none};
    case B::ge: return {">=", cmp, 2, Associativity::none};
    case B::add: return {"+", Precedence::sum, 2, Associativity::left};
    case B::sub: return {"-", Precedence::sum, 2, Associativity::left};
    case B::mul: return {"*", Precedence::product, 2, Associativity::left};
  }
  return {"?", Precedence::postfix, 0, Associativity::none};
}

constexpr Operator operator_of(ast::UnaryOp op) {
  switch (op) {
    case ast::UnaryOp::not_: return {"not", Precedence::not_, 1, Associativity::prefix};
    case ast::UnaryOp::negate: return {"-", Precedence::negation, 1, Associativity::prefix};
  }
  return {"?", Precedence::postfix, 0, Associativity::none};
}

constexpr Operator operator_of(PredicateOp op) {
  constexpr auto cmp = Precedence::comparison;
  switch (op) {
    case PredicateOp::in: return {"in", cmp, 2, Associativity::none};
    case PredicateOp::not_in: return {"not in", cmp, 2, Associativity::none};
    case PredicateOp::is_known: return {"is known", cmp, 1, Associativity::none};
    case PredicateOp::is_unknown: return {"is unknown", cmp, 1, Associativity::none};
    case PredicateOp::within: return {"within", cmp, 3, Associativity::none};
    case PredicateOp::is_none: return {"is none", cmp, 1, Associativity::none};
  }
  return {"?", Precedence::postfix, 0, Associativity::none};
}

// The words between the amount and the anchor of `within`.
constexpr std::string_view spelling(ast::WindowDirection d) {
  switch (d) {
    case ast::WindowDirection::before: return "before";
    case ast::WindowDirection::after: return "after";
    case ast::WindowDirection::around: return "of";
  }
  return "of";
}

constexpr std::string_view spelling(ast::BinaryOp op) { return operator_of(op).spelling; }
constexpr std::string_view spelling(ast::UnaryOp op) { return operator_of(op).spelling; }
constexpr std::string_view spelling(PredicateOp op) { return operator_of(op).spelling; }

constexpr PredicateOp predicate_op(const ast::Membership& m) {
  return m.negated ? PredicateOp::not_in : PredicateOp::in;
}
constexpr PredicateOp predicate_op(const ast::Presence& p) {
  return p.none ? PredicateOp::is_none : p.known ? PredicateOp::is_known : PredicateOp::is_unknown;
}

// Every operator, for lookups and tests (in enumeration order: checked below).
inline constexpr ast::BinaryOp binary_ops[] = {ast::BinaryOp::and_, ast::BinaryOp::or_, ast::BinaryOp::eq,
                                               ast::BinaryOp::ne,   ast::BinaryOp::lt,  ast::BinaryOp::le,
                                               ast::BinaryOp::gt,   ast::BinaryOp::ge,  ast::BinaryOp::add,
                                               ast::BinaryOp::sub,  ast::BinaryOp::mul};
inline constexpr ast::UnaryOp unary_ops[] = {ast::UnaryOp::not_, ast::UnaryOp::negate};
inline constexpr PredicateOp predicate_ops[] = {PredicateOp::in,         PredicateOp::not_in, PredicateOp::is_known,
                                                PredicateOp::is_unknown, PredicateOp::within, PredicateOp::is_none};
inline constexpr ast::WindowDirection window_directions[] = {ast::WindowDirection::before, ast::WindowDirection::after,
                                                             ast::WindowDirection::around};

// The comparison spelled `text` (`==`, `<=`, ...), as the parser finds it.
constexpr std::optional<ast::BinaryOp> comparison_spelled(std::string_view text) {
  for (ast::BinaryOp op : binary_ops)
    if (operator_of(op).precedence == Precedence::comparison && spelling(op) == text) return op;
  return std::nullopt;
}

namespace operator_checks {

template <typename E, std::size_t N>
constexpr bool dense(const E (&all)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    if (static_cast<std::size_t>(all[i]) != i) return false;
  return true;
}
static_assert(dense(binary_ops) && dense(unary_ops) && dense(predicate_ops) && dense(window_directions),
              "the operator lists hold every enumerator, in order");

// No two operators of one arity share a spelling (binary and unary `-` differ in arity), and
// every operator of a level associates the same way.
constexpr bool unambiguous() {
  for (ast::BinaryOp a : binary_ops) {
    for (ast::BinaryOp b : binary_ops)
      if (a != b && spelling(a) == spelling(b)) return false;
    for (PredicateOp p : predicate_ops)
      if (spelling(a) == spelling(p)) return false;
  }
  for (ast::UnaryOp a : unary_ops)
    for (ast::UnaryOp b : unary_ops)
      if (a != b && spelling(a) == spelling(b)) return false;
  for (ast::BinaryOp a : binary_ops)
    for (ast::BinaryOp b : binary_ops)
      if (operator_of(a).precedence == operator_of(b).precedence &&
          operator_of(a).associativity != operator_of(b).associativity)
        return false;
  return true;
}
static_assert(unambiguous(), "operator spellings are unique within an arity; a level has one associativity");

}  // namespace operator_checks

}  // namespace covcheck::dsl
