// Findings about unknown facts: a coverage path's scope (`when`) that the absence of one fact
// can leave undecided (`lint.unguarded_unknown`), and an `if` without `else`, whose value is
// unknown with no fact named when its condition is false (`lint.if_without_else`).
//
// "Can open", in three-valued terms: fill in every other fact (each other test is true or
// false) and leave fact F absent; when some such filling makes the scope unknown, F's
// absence alone can make the path possibly apply, and the case cannot be denied: it pends on
// F instead of being decided by the other paths. Restrictions are not judged: an exclusion
// or denial that an absent fact may trigger rightly keeps the case open (no false approval). Tests of F with `is known`
// / `is unknown` decide it (F absent makes them false / true), and so does a conditional whose `else` is an explicit
// `unknown(F, …)`: the path waits for F on purpose. Every other test of F is unknown while F is absent. Only
// scalar fields are judged (lists are read through quantifiers), not `benefit`, `decision`
// or `date_of_service` (without which nothing dated is decided). A fact that every
// coverage rule of the policy (or module) reads in its scope is its subject, such as the
// requested service: without it no path is decided, so pending on it is right; it is exempt.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "dsl/lint/lint_context.hpp"

namespace covcheck::dsl::lint {

namespace {

// Truth values a condition can take, as a bit set.
using Truths = unsigned;
constexpr Truths yes = 1, no = 2, unknown = 4, definite = yes | no, any = yes | no | unknown;

Truths not3(Truths a) { return (a & yes ? no : 0) | (a & no ? yes : 0) | (a & unknown); }

Truths combine(Truths a, Truths b, bool conjunction) {
  Truths out = 0;
  for (Truths x : {yes, no, unknown}) {
    if (!(a & x)) continue;
    for (Truths y : {yes, no, unknown}) {
      if (!(b & y)) continue;
      if (conjunction) out |= (x == no || y == no) ? no : (x == yes && y == yes) ? yes : unknown;
      else out |= (x == yes || y == yes) ? yes : (x == no && y == no) ? no : unknown;
    }
  }
  return out;
}

constexpr int max_define_depth = 32;  // defines are not recursive (checked); this bounds the walk

class Scopes {
 public:
  explicit Scopes(Context& cx) : cx_(cx) {}

  // The scalar case fact a path reads (`request.type`), or empty.
  std::string fact_key(const ast::Expr& e) const {
    const Resolution& r = cx_.rs.resolutions[e.id];
    const auto* f = std::get_if<RefField>(&r);
    if (!f) return {};
    const FieldInfo& info = cx_.rs.schema.records[f->record].fields[f->field];
    if (const auto* n = std::get_if<ast::NameRef>(&e.kind)) {
      if (f->record != cx_.rs.schema.root) return {};
      return info.type.list || info.type.base == BaseType::record ? std::string{} : n->name;
    }
    const auto* m = std::get_if<ast::MemberAccess>(&e.kind);
    if (!m || info.type.list || info.type.base == BaseType::record) return {};
    std::string base = record_key(*m->object);
    return base.empty() ? std::string{} : base + "." + m->field.text;
  }

  // Every scalar fact a scope reads, parameterless defines expanded.
  void facts(const ast::Expr& e, std::set<std::string>& out, int depth = 0) const {
    visit_exprs(e, [&](const ast::Expr& x) {
      if (std::string k = fact_key(x); !k.empty() && k != "date_of_service") out.insert(k);
      if (const ast::Expr* body = define_body(x); body && depth < max_define_depth) facts(*body, out, depth + 1);
    });
  }

  // The truths `e` can take with fact `absent` absent and every other fact known; `at` is
  // the first place (in the rule's own text) where the absent fact made a test unknown.
  Truths truths(const ast::Expr& e, const std::string& absent, SourceSpan origin, int depth,
                std::optional<SourceSpan>& at) const {
    if (depth == 0) origin = e.span;
    if (const auto* b = std::get_if<ast::BoolLiteral>(&e.kind)) return b->value ? yes : no;
    if (const auto* u = std::get_if<ast::Unary>(&e.kind); u && u->op == ast::UnaryOp::not_)
      return not3(truths(*u->operand, absent, origin, depth, at));
    if (const auto* b = std::get_if<ast::Binary>(&e.kind);
        b && (b->op == ast::BinaryOp::and_ || b->op == ast::BinaryOp::or_)) {
      Truths l = truths(*b->lhs, absent, origin, depth, at);
      Truths r = truths(*b->rhs, absent, origin, depth, at);
      return combine(l, r, b->op == ast::BinaryOp::and_);
    }
    if (const auto* p = std::get_if<ast::Presence>(&e.kind)) {
      if (fact_key(*p->operand) != absent) return definite;
      if (p->none) return mark(unknown, origin, at);
      return p->known ? no : yes;
    }
    if (const ast::Expr* body = define_body(e)) {
      if (depth >= max_define_depth) return any;
      return truths(*body, absent, depth == 0 ? e.span : origin, depth + 1, at);
    }
    if (!mentions(e, absent, depth)) return definite;
    // `if F is known then … else unknown(F)`: the analyst stated what an absent F means
    // (the path waits for it), which is the fix this finding asks for.
    if (const auto* c = std::get_if<ast::Conditional>(&e.kind); c && c->else_value) {
      if (const auto* u = std::get_if<ast::UnknownValue>(&c->else_value->kind))
        for (const ast::ExprPtr& f : u->facts)
          if (fact_key(*f) == absent) return definite;
    }
    // A quantifier or a conditional may still decide with the fact absent; a test cannot.
    if (std::holds_alternative<ast::Quantifier>(e.kind) || std::holds_alternative<ast::Conditional>(e.kind))
      return mark(any, origin, at);
    return mark(unknown, origin, at);
  }

 private:
  // A record-valued path from the root (`request`, `request.prior_authorization`).
  std::string record_key(const ast::Expr& e) const {
    const auto* f = std::get_if<RefField>(&cx_.rs.resolutions[e.id]);
    if (!f) return {};
    const FieldInfo& info = cx_.rs.schema.records[f->record].fields[f->field];
    if (info.type.list || info.type.base != BaseType::record) return {};
    if (const auto* n = std::get_if<ast::NameRef>(&e.kind)) return f->record == cx_.rs.schema.root ? n->name : "";
    const auto* m = std::get_if<ast::MemberAccess>(&e.kind);
    if (!m) return {};
    std::string base = record_key(*m->object);
    return base.empty() ? std::string{} : base + "." + m->field.text;
  }

  // The body of a parameterless define a name refers to.
  const ast::Expr* define_body(const ast::Expr& e) const {
    const auto* d = std::get_if<RefDefine>(&cx_.rs.resolutions[e.id]);
    if (!d || !std::holds_alternative<ast::NameRef>(e.kind)) return nullptr;
    const ast::Define& decl = *cx_.rs.defines[d->define].decl;
    return decl.params.empty() ? decl.body.get() : nullptr;
  }

  bool mentions(const ast::Expr& e, const std::string& key, int depth) const {
    bool found = false;
    visit_exprs(e, [&](const ast::Expr& x) {
      if (found) return;
      if (fact_key(x) == key) found = true;
      else if (const ast::Expr* body = define_body(x); body && depth < max_define_depth)
        found = mentions(*body, key, depth + 1);
    });
    return found;
  }

  static Truths mark(Truths t, SourceSpan origin, std::optional<SourceSpan>& at) {
    if (!at) at = origin;
    return t;
  }

  Context& cx_;
};

void check_scopes(Context& cx) {
  Scopes scopes(cx);
  // Per unit: the facts every coverage rule's scope reads.
  std::vector<std::optional<std::set<std::string>>> subject(cx.rs.units.size());
  for (std::uint32_t u = 0; u < cx.rs.units.size(); ++u) {
    for (std::uint32_t r : cx.rs.units[u].rules) {
      const CheckedRule& cr = cx.rs.rules[r];
      if (cr.kind != RuleKind::coverage) continue;
      std::set<std::string> read;
      if (cr.rule->when) scopes.facts(*cr.rule->when, read);
      if (!subject[u]) {
        subject[u] = std::move(read);
        continue;
      }
      std::set<std::string> both;
      std::set_intersection(subject[u]->begin(), subject[u]->end(), read.begin(), read.end(),
                            std::inserter(both, both.end()));
      *subject[u] = std::move(both);
    }
  }
  for (const CheckedRule& cr : cx.rs.rules) {
    const ast::Rule& r = *cr.rule;
    if (cr.kind != RuleKind::coverage || !r.when) continue;
    std::set<std::string> read;
    scopes.facts(*r.when, read);
    for (const std::string& fact : read) {
      if (subject[cr.unit] && subject[cr.unit]->count(fact)) continue;
      std::optional<SourceSpan> at;
      if (!(scopes.truths(*r.when, fact, r.when->span, 0, at) & unknown)) continue;
      cx.report(Severity::warning, "lint.unguarded_unknown", at.value_or(r.when->span),
                fmt::format("an absent `{}` leaves the coverage path `{}` open", fact, cr.display_id),
                fmt::format("with `{}` absent and every other fact known, the `when` can be neither true nor false: "
                            "the path may apply, so the case cannot be denied and pends asking for `{}` instead of "
                            "being decided by the other paths",
                            fact, fact),
                fmt::format("say what an absent `{0}` means here: `{0} is known and ...` (absent: the rule does not "
                            "apply) or `{0} is unknown or ...` (absent: it applies), as docs/case-format.md reads "
                            "the absent fact",
                            fact));
    }
  }
}

void check_conditionals(Context& cx, const ast::Expr& e) {
  visit_exprs(e, [&](const ast::Expr& x) {
    const auto* c = std::get_if<ast::Conditional>(&x.kind);
    if (!c || c->else_value) return;
    cx.report(Severity::warning, "lint.if_without_else", x.span, "this `if` has no `else`",
              "when its condition is false the value is unknown, and a decision it keeps open names no missing "
              "fact for it",
              "write `else unknown(FACT, ...)` naming the facts the value waits for, or the value the policy gives");
  });
}

}  // namespace

void lint_unknowns(Context& cx) {
  check_scopes(cx);
  for (const CheckedRule& cr : cx.rs.rules) {
    if (cr.rule->when) check_conditionals(cx, *cr.rule->when);
    for (const ast::Requirement& q : cr.rule->requirements)
      if (q.condition) check_conditionals(cx, *q.condition);
  }
  for (const CheckedDefine& d : cx.rs.defines) check_conditionals(cx, *d.decl->body);
}

}  // namespace covcheck::dsl::lint
