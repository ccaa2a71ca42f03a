// Internal to the linter: the state every pass shares, the finding helper, and the
// condition analysis (conjunctions over facts) that several passes use.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dsl/check/checked.hpp"
#include "dsl/source/diagnostics.hpp"

namespace covcheck::dsl::lint {

struct Context {
  const CheckedRuleSet& rs;
  const SourceRegistry& sources;
  Diagnostics& out;

  // A finding: the message, why it matters (the first note) and what to do (help).
  Diagnostic& report(Severity severity, std::string code, SourceSpan span, std::string message, std::string explanation,
                     std::string hint);
  // The source text of a span with runs of whitespace collapsed to one space.
  std::string text(SourceSpan span) const;
  // The file index (into rs.files.files) holding a span.
  std::size_t file_index(SourceSpan span) const;
};

// ---- Code intervals (lint_codesets.cpp) -------------------------------------------------

// Codes as inclusive string intervals, as the compiler lowers them: `F33.*` is
// ["F33.", "F33.\xff"], `F32.0 .. F32.5` is ["F32.0", "F32.5\xff"].
using Interval = std::pair<std::string, std::string>;
Interval entry_interval(const ast::CodeEntry& entry);
bool intervals_meet(const Interval& a, const Interval& b);
bool interval_within(const Interval& inner, const Interval& outer);

// The values a set expression can contain, over-approximated where exactness would cost
// (a difference keeps its left side's codes). `codes` for code systems, `members` for
// enumerations and string/enum literals. nullopt: not a static set.
struct SetValues {
  bool is_codes = false;
  std::vector<Interval> codes;
  std::vector<std::string> members;  // sorted, unique
  bool exact = true;                 // false: a code difference kept its left side
};
std::optional<SetValues> set_values(const Context& cx, const ast::Expr& set);

// ---- Condition analysis (lint_facts.cpp) ------------------------------------------------

// The conjuncts of a condition: `and` chains are flattened, parentheses are gone,
// parameterless defines are expanded. `origin` is the span to blame in the rule text.
struct Conjunct {
  const ast::Expr* expr;
  SourceSpan origin;
};
std::vector<Conjunct> conjuncts(const Context& cx, const ast::Expr& e);

// When the conjunction can never be true (whatever the facts), the two (or one) conjuncts
// that contradict each other and why; nullopt when no contradiction was found.
struct Contradiction {
  std::vector<SourceSpan> spans;
  std::string why;
};
std::optional<Contradiction> find_contradiction(const Context& cx, const std::vector<Conjunct>& all);

// A constant truth value for an expression that reads no fact (`1 > 2`, `not true`).
std::optional<bool> fold_constant(const Context& cx, const ast::Expr& e);

// Visits every expression node below `e` (pre-order), including `e`.
void visit_exprs(const ast::Expr& e, const std::function<void(const ast::Expr&)>& f);

// ---- Passes ------------------------------------------------------------------------------

void lint_conditions(Context& cx);      // unreachable rules, always/never-true criteria
void lint_rule_relations(Context& cx);  // shadowed rules, route overlaps, missing citations
void lint_codesets(Context& cx);        // overlapping code-set entries
void lint_unused(Context& cx);          // declarations reachable only from unused ones
void lint_versions(Context& cx);        // gaps between versions of one policy
void lint_unknowns(Context& cx);        // scopes an absent fact leaves open, `if` without `else`

}  // namespace covcheck::dsl::lint
