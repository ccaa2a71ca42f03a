// Conditions that can never or always hold: a rule whose `when` is contradictory can never
// apply (an error: every effect it declares is dead); a criterion that can never hold
// always fails; constant sub-expressions; `x in S` where S lists a whole enumeration;
// quantifier filters no element can pass; counts compared with zero.
#include <fmt/format.h>

#include "dsl/lint/lint_context.hpp"

namespace covcheck::dsl::lint {

namespace {

void add_notes(Diagnostic& d, const std::vector<SourceSpan>& spans, SourceSpan reported) {
  for (SourceSpan s : spans)
    if (!(s == reported)) d.notes.push_back({s, "this condition is part of the contradiction"});
}

const char* and_hint =
    "conditions joined by `and` must all hold at once; to accept any of several values write "
    "`or` or `x in { a, b }`, and compare each bound with the policy text";

// Findings inside one expression: constant sub-expressions, whole-enumeration memberships,
// impossible filters and conjunctions, counts against zero. `top` is the whole condition,
// already judged by the caller; `judged`: its contradictions were looked for as part of an
// enclosing conjunction.
void scan(Context& cx, const ast::Expr& e, bool top, bool judged) {
  if (!top) {
    if (auto v = fold_constant(cx, e); v && !std::holds_alternative<ast::BoolLiteral>(e.kind)) {
      cx.report(Severity::warning, *v ? "lint.always_true" : "lint.never_true", e.span,
                fmt::format("`{}` is always {}", cx.text(e.span), *v ? "true" : "false"),
                "it reads no fact of the case, so it never depends on the case",
                *v ? "remove it; the condition around it means the same without it"
                   : "check the constants against the policy text");
      return;
    }
  }
  if (!judged) {
    if (auto* b = std::get_if<ast::Binary>(&e.kind); b && b->op == ast::BinaryOp::and_) {
      if (auto c = find_contradiction(cx, conjuncts(cx, e))) {
        Diagnostic& d = cx.report(Severity::warning, "lint.never_true", e.span,
                                  fmt::format("this condition can never be true: {}", c->why),
                                  "its parts joined by `and` contradict each other", and_hint);
        add_notes(d, c->spans, e.span);
        return;
      }
    }
  }
  if (auto* m = std::get_if<ast::Membership>(&e.kind)) {
    const Type& t = cx.rs.types[m->item->id];
    auto values = set_values(cx, *m->set);
    if (!t.list && t.base == BaseType::enumeration && values && !values->is_codes) {
      const EnumType& en = cx.rs.schema.enums[t.ref];
      bool all = true;
      for (const std::string& member : en.members)
        all = all && std::binary_search(values->members.begin(), values->members.end(), member);
      if (all && !(m->negated && judged)) {  // a judged `not in` is part of a reported contradiction
        std::string item = cx.text(m->item->span);
        cx.report(Severity::warning, m->negated ? "lint.never_true" : "lint.always_true", e.span,
                  fmt::format("the set lists every member of `{}`, so `{}` is {} whenever `{}` is known", en.name,
                              cx.text(e.span), m->negated ? "false" : "true", item),
                  "a test that cannot fail for a known value only checks that the fact is present",
                  m->negated ? fmt::format("write `{} is unknown` if that is meant, or remove members", item)
                             : fmt::format("write `{} is known` if that is meant, or remove the members that "
                                           "should not match",
                                           item));
      }
    }
  }
  if (auto* b = std::get_if<ast::Binary>(&e.kind)) {
    // `count(...) >= 0` always holds and `count(...) < 0` never does: counts are never negative.
    auto* q = std::get_if<ast::Quantifier>(&b->lhs->kind);
    auto* lit = std::get_if<ast::IntLiteral>(&b->rhs->kind);
    if (q && lit && (q->kind == ast::QuantifierKind::count || q->kind == ast::QuantifierKind::count_distinct)) {
      std::optional<bool> value;
      if ((b->op == ast::BinaryOp::ge && lit->value <= 0) || (b->op == ast::BinaryOp::gt && lit->value < 0))
        value = true;
      if ((b->op == ast::BinaryOp::lt && lit->value <= 0) || (b->op == ast::BinaryOp::le && lit->value < 0))
        value = false;
      if (value) {
        cx.report(Severity::warning, *value ? "lint.always_true" : "lint.never_true", e.span,
                  fmt::format("`{}` is always {} when the list is known: a count is never negative", cx.text(e.span),
                              *value ? "true" : "false"),
                  "a count is at least 0", "compare with the number the policy asks for (`>= 1` for \"at least one\")");
      }
    }
  }
  if (auto* q = std::get_if<ast::Quantifier>(&e.kind); q && q->filter) {
    if (auto c = find_contradiction(cx, conjuncts(cx, *q->filter))) {
      Diagnostic& d =
          cx.report(Severity::warning, "lint.never_true", q->filter->span,
                    fmt::format("no element can pass this filter: {}", c->why),
                    "`any` over it is never true, `all` holds only for an empty list and `count` is 0", and_hint);
      add_notes(d, c->spans, q->filter->span);
      scan(cx, *q->list, false, false);
      return;
    }
  }
  // Recurse into the children; a quantifier's filter is a whole condition of its own.
  std::visit(
      [&](const auto& k) {
        using K = std::decay_t<decltype(k)>;
        auto go = [&](const ast::ExprPtr& p, bool whole, bool in_chain = false) {
          if (p) scan(cx, *p, whole, whole || in_chain);
        };
        if constexpr (std::is_same_v<K, ast::Unary>) go(k.operand, false);
        else if constexpr (std::is_same_v<K, ast::Binary>) {
          // The parts of an `and` chain were judged together with it.
          bool chain = k.op == ast::BinaryOp::and_;
          go(k.lhs, false, chain);
          go(k.rhs, false, chain);
        } else if constexpr (std::is_same_v<K, ast::Membership>) go(k.item, false);
        else if constexpr (std::is_same_v<K, ast::Presence>) go(k.operand, false);
        else if constexpr (std::is_same_v<K, ast::Within>) {
          go(k.subject, false);
          go(k.anchor, false);
        } else if constexpr (std::is_same_v<K, ast::Call>) {
          for (const auto& a : k.args) go(a, false);
        } else if constexpr (std::is_same_v<K, ast::Quantifier>) {
          go(k.list, false);
          go(k.filter, true);
          go(k.key, false);
        } else if constexpr (std::is_same_v<K, ast::Conditional>) {
          go(k.condition, false);
          go(k.then_value, false);
          go(k.else_value, false);
        } else if constexpr (std::is_same_v<K, ast::UnknownValue>) {
          for (const auto& f : k.facts) go(f, false);
        }
      },
      e.kind);
}

void check_rule(Context& cx, const CheckedRule& cr) {
  const ast::Rule& r = *cr.rule;
  if (r.when) {
    std::optional<bool> constant = fold_constant(cx, *r.when);
    if (constant && !*constant) {
      cx.report(Severity::error, "lint.unreachable_rule", r.when->span,
                fmt::format("rule `{}` can never apply: its `when` is always false", r.name.text),
                "none of the rule's effects can ever happen", "check the constants against the policy text");
    } else if (constant) {
      cx.report(Severity::warning, "lint.always_true", r.when->span,
                fmt::format("the `when` of rule `{}` is always true", r.name.text),
                "a rule without `when` applies to every case; this one says the same in a roundabout way",
                "remove the `when` clause, or write the condition the policy states");
    } else if (auto c = find_contradiction(cx, conjuncts(cx, *r.when))) {
      SourceSpan at = c->spans.back();
      Diagnostic& d = cx.report(Severity::error, "lint.unreachable_rule", at,
                                fmt::format("rule `{}` can never apply: {}", r.name.text, c->why),
                                "its `when` requires conditions that contradict each other, so none of the "
                                "rule's effects can ever happen",
                                and_hint);
      add_notes(d, c->spans, at);
    }
    scan(cx, *r.when, true, true);
  }
  for (const ast::Requirement& q : r.requirements) {
    if (!q.condition) continue;
    std::optional<bool> constant = fold_constant(cx, *q.condition);
    if (constant) {
      cx.report(*constant ? Severity::warning : Severity::error, *constant ? "lint.always_true" : "lint.never_true",
                q.condition->span,
                fmt::format("this criterion of rule `{}` is always {}", r.name.text, *constant ? "true" : "false"),
                *constant ? "it can never fail, so it checks nothing" : "it can never be met, so the rule always fails",
                "write the condition the policy states");
    } else if (auto c = find_contradiction(cx, conjuncts(cx, *q.condition))) {
      SourceSpan at = c->spans.back();
      Diagnostic& d =
          cx.report(Severity::error, "lint.never_true", at,
                    fmt::format("this criterion of rule `{}` can never be met: {}", r.name.text, c->why),
                    "its parts contradict each other, so the rule fails for every case that reaches it", and_hint);
      add_notes(d, c->spans, at);
    }
    scan(cx, *q.condition, true, true);
  }
}

}  // namespace

void lint_conditions(Context& cx) {
  for (const CheckedRule& r : cx.rs.rules) check_rule(cx, r);
  for (const CheckedDefine& d : cx.rs.defines) {
    const ast::Expr& body = *d.decl->body;
    if (auto c = find_contradiction(cx, conjuncts(cx, body))) {
      SourceSpan at = c->spans.back();
      Diagnostic& diag = cx.report(Severity::warning, "lint.never_true", at,
                                   fmt::format("define `{}` can never be true: {}", d.decl->name.text, c->why),
                                   "its parts joined by `and` contradict each other", and_hint);
      add_notes(diag, c->spans, at);
    }
    scan(cx, body, true, true);
  }
}

}  // namespace covcheck::dsl::lint
