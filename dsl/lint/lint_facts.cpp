// Condition analysis for the linter: a conjunction is split into atoms that constrain one
// fact each (`x == a`, `x > 5`, `d.code in depression`, `x is unknown`, or an opaque
// condition that is true or false), and the atoms on each fact are intersected. An empty
// intersection proves that the conjunction can never be true. Sound but incomplete: what
// the analysis cannot represent (arithmetic, `not in` a code set) constrains nothing.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "dsl/check/three_valued.hpp"
#include "dsl/lint/lint_context.hpp"

namespace covcheck::dsl::lint {

void visit_exprs(const ast::Expr& e, const std::function<void(const ast::Expr&)>& f) {
  f(e);
  auto go = [&](const ast::ExprPtr& p) {
    if (p) visit_exprs(*p, f);
  };
  std::visit(
      [&](const auto& k) {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, ast::MemberAccess>) go(k.object);
        else if constexpr (std::is_same_v<K, ast::Unary>) go(k.operand);
        else if constexpr (std::is_same_v<K, ast::Binary>) {
          go(k.lhs);
          go(k.rhs);
        } else if constexpr (std::is_same_v<K, ast::Membership>) {
          go(k.item);
          go(k.set);
        } else if constexpr (std::is_same_v<K, ast::SetLiteral>) {
          for (const auto& i : k.items) go(i);
        } else if constexpr (std::is_same_v<K, ast::SetOperation>) {
          go(k.lhs);
          go(k.rhs);
        } else if constexpr (std::is_same_v<K, ast::Presence>) go(k.operand);
        else if constexpr (std::is_same_v<K, ast::Within>) {
          go(k.subject);
          go(k.amount);
          go(k.anchor);
        } else if constexpr (std::is_same_v<K, ast::Call>) {
          for (const auto& a : k.args) go(a);
        } else if constexpr (std::is_same_v<K, ast::Quantifier>) {
          go(k.list);
          go(k.filter);
          go(k.key);
        } else if constexpr (std::is_same_v<K, ast::Conditional>) {
          go(k.condition);
          go(k.then_value);
          go(k.else_value);
        } else if constexpr (std::is_same_v<K, ast::UnknownValue>) {
          for (const auto& f : k.facts) go(f);
        }
      },
      e.kind);
}

namespace {

// A constant operand: a number (ints, decimals, dates and day durations share one line)
// or a symbol (enum member, `true`/`false`, a quoted string); codes become intervals.
struct Const {
  bool numeric = false;
  double num = 0;
  std::string sym;
  bool code = false;
};

std::optional<Const> constant(const Context& cx, const ast::Expr& e) {
  if (auto* m = std::get_if<RefEnumMember>(&cx.rs.resolutions[e.id]))
    return Const{false, 0, cx.rs.schema.enums[m->enumeration].members[m->member], false};
  if (auto* b = std::get_if<ast::BoolLiteral>(&e.kind)) return Const{false, 0, b->value ? "true" : "false", false};
  if (auto* i = std::get_if<ast::IntLiteral>(&e.kind)) return Const{true, static_cast<double>(i->value), {}, false};
  if (auto* d = std::get_if<ast::DecimalLiteral>(&e.kind)) return Const{true, d->value, {}, false};
  if (auto* d = std::get_if<ast::DateLiteral>(&e.kind)) return Const{true, static_cast<double>(d->days), {}, false};
  if (auto* d = std::get_if<ast::DurationLiteral>(&e.kind)) {
    if (d->unit == ast::DurationUnit::months) return std::nullopt;  // calendar months have no fixed length
    return Const{true, static_cast<double>(d->amount * (d->unit == ast::DurationUnit::weeks ? 7 : 1)), {}, false};
  }
  if (auto* s = std::get_if<ast::StringLiteral>(&e.kind)) {
    if (cx.rs.types[e.id].is_code()) return Const{false, 0, s->value, true};
    return Const{false, 0, fmt::format("\"{}\"", s->value), false};
  }
  if (auto* u = std::get_if<ast::Unary>(&e.kind); u && u->op == ast::UnaryOp::negate) {
    auto inner = constant(cx, *u->operand);
    if (inner && inner->numeric) {
      inner->num = -inner->num;
      return inner;
    }
  }
  return std::nullopt;
}

enum class Rel { eq, ne, lt, le, gt, ge, in, not_in, known, unknown };

// A field declared `or none`: besides its values it can be none, which every comparison and
// membership fails, so `not (x < 5)` is not `x >= 5` and `x != a` can hold for every member.
bool or_none_fact(const Context& cx, const ast::Expr& e) {
  const Resolution& r = cx.rs.resolutions[e.id];
  if (const auto* f = std::get_if<RefField>(&r)) return cx.rs.schema.records[f->record].fields[f->field].or_none;
  if (const auto* f = std::get_if<RefSelfField>(&r)) return cx.rs.schema.records[f->record].fields[f->field].or_none;
  return false;
}

struct Atom {
  std::string key;                  // the constrained expression's canonical text
  const ast::Expr* fact = nullptr;  // the constrained expression
  Rel rel = Rel::eq;
  Const value;
  SetValues set;
  SourceSpan origin;
};

Rel flip(Rel r) {  // `5 < x` is `x > 5`
  switch (r) {
    case Rel::lt: return Rel::gt;
    case Rel::le: return Rel::ge;
    case Rel::gt: return Rel::lt;
    case Rel::ge: return Rel::le;
    default: return r;
  }
}

Rel negate(Rel r) {
  switch (r) {
    case Rel::eq: return Rel::ne;
    case Rel::ne: return Rel::eq;
    case Rel::lt: return Rel::ge;
    case Rel::le: return Rel::gt;
    case Rel::gt: return Rel::le;
    case Rel::ge: return Rel::lt;
    case Rel::in: return Rel::not_in;
    case Rel::not_in: return Rel::in;
    case Rel::known: return Rel::unknown;
    case Rel::unknown: return Rel::known;
  }
  return r;
}

std::optional<Rel> comparison(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::eq: return Rel::eq;
    case ast::BinaryOp::ne: return Rel::ne;
    case ast::BinaryOp::lt: return Rel::lt;
    case ast::BinaryOp::le: return Rel::le;
    case ast::BinaryOp::gt: return Rel::gt;
    case ast::BinaryOp::ge: return Rel::ge;
    case ast::BinaryOp::and_:
    case ast::BinaryOp::or_:
    case ast::BinaryOp::add:
    case ast::BinaryOp::sub:
    case ast::BinaryOp::mul: return std::nullopt;
  }
  return std::nullopt;
}

// The atom a conjunct (or its negation) asserts. A condition the analysis cannot look
// into is an opaque fact asserted true (or false under `not`).
Atom atom_of(const Context& cx, const ast::Expr& e, bool positive, SourceSpan origin) {
  if (auto* u = std::get_if<ast::Unary>(&e.kind); u && u->op == ast::UnaryOp::not_)
    return atom_of(cx, *u->operand, !positive, origin);
  Atom a;
  a.origin = origin;
  if (auto* b = std::get_if<ast::Binary>(&e.kind)) {
    if (auto rel = comparison(b->op)) {
      auto lc = constant(cx, *b->lhs), rc = constant(cx, *b->rhs);
      if (rc && !lc) {
        a = Atom{cx.text(b->lhs->span), b->lhs.get(), *rel, *rc, {}, origin};
      } else if (lc && !rc) {
        a = Atom{cx.text(b->rhs->span), b->rhs.get(), flip(*rel), *lc, {}, origin};
      }
      if (a.fact && !positive && or_none_fact(cx, *a.fact)) a.fact = nullptr;  // negated: left opaque
      if (a.fact) {
        if (!positive) a.rel = negate(a.rel);
        return a;
      }
    }
  }
  if (auto* m = std::get_if<ast::Membership>(&e.kind);
      m && !constant(cx, *m->item) && !(!positive && or_none_fact(cx, *m->item))) {
    if (auto values = set_values(cx, *m->set)) {
      bool in = positive != m->negated;
      // A code set's difference is over-approximated: only positive membership is exact enough.
      if (in || !values->is_codes) {
        a = Atom{cx.text(m->item->span), m->item.get(), in ? Rel::in : Rel::not_in, {}, std::move(*values), origin};
        return a;
      }
    }
  }
  // (`x is none` is three-valued, unlike a presence test: it stays an opaque condition.)
  if (auto* p = std::get_if<ast::Presence>(&e.kind); p && !p->none) {
    bool known = positive == p->known;
    return Atom{cx.text(p->operand->span), p->operand.get(), known ? Rel::known : Rel::unknown, {}, {}, origin};
  }
  return Atom{cx.text(e.span), &e, Rel::eq, Const{false, 0, positive ? "true" : "false", false}, {}, origin};
}

constexpr double inf = std::numeric_limits<double>::infinity();

bool discrete(const Type& t) {
  return !t.list && (t.base == BaseType::integer || t.base == BaseType::date || t.base == BaseType::duration);
}

// Whether the atoms (all on one fact) can hold together; when not, why.
std::optional<std::string> conflict(const Context& cx, const std::vector<const Atom*>& atoms) {
  const std::string& key = atoms.front()->key;
  bool unknown = false, needs_known = false;
  for (const Atom* a : atoms) {
    if (a->rel == Rel::unknown) unknown = true;
    else needs_known = true;
  }
  if (unknown && needs_known) return fmt::format("`{}` cannot be unknown and have a value at once", key);

  // Symbols: the values still allowed, starting from the enumeration (or bool) when known.
  const Type& t = cx.rs.types[atoms.front()->fact->id];
  std::optional<std::vector<std::string>> allowed;
  if (!t.list && t.base == BaseType::enumeration) allowed = cx.rs.schema.enums[t.ref].members;
  if (allowed && or_none_fact(cx, *atoms.front()->fact)) allowed->push_back("\x01none");  // no constant names it
  if (!t.list && t.base == BaseType::boolean) allowed = std::vector<std::string>{"false", "true"};
  if (allowed) std::sort(allowed->begin(), allowed->end());
  bool symbolic = false;
  auto restrict_to = [&](std::vector<std::string> keep) {
    std::sort(keep.begin(), keep.end());
    if (!allowed) {
      allowed = std::move(keep);
      return;
    }
    std::vector<std::string> both;
    std::set_intersection(allowed->begin(), allowed->end(), keep.begin(), keep.end(), std::back_inserter(both));
    allowed = std::move(both);
  };
  std::vector<std::string> excluded;
  // Numbers: one interval with open or closed ends, and excluded points.
  double lo = -inf, hi = inf;
  bool lo_open = false, hi_open = false, numeric = false;
  std::vector<double> holes;
  // Codes: a union of intervals, intersected constraint by constraint.
  std::optional<std::vector<Interval>> codes;
  auto restrict_codes = [&](const std::vector<Interval>& keep) {
    if (!codes) {
      codes = keep;
      return;
    }
    std::vector<Interval> both;
    for (const Interval& a : *codes)
      for (const Interval& b : keep) {
        Interval c{std::max(a.first, b.first), std::min(a.second, b.second)};
        if (c.first <= c.second) both.push_back(c);
      }
    codes = std::move(both);
  };
  for (const Atom* a : atoms) {
    switch (a->rel) {
      case Rel::known:
      case Rel::unknown: break;
      case Rel::in:
        if (a->set.is_codes) restrict_codes(a->set.codes);
        else {
          symbolic = true;
          restrict_to(a->set.members);
        }
        break;
      case Rel::not_in:
        symbolic = true;
        excluded.insert(excluded.end(), a->set.members.begin(), a->set.members.end());
        break;
      case Rel::eq:
        if (a->value.code) restrict_codes({{a->value.sym, a->value.sym}});
        else if (a->value.numeric) {
          numeric = true;
          lo = std::max(lo, a->value.num);
          hi = std::min(hi, a->value.num);
        } else {
          symbolic = true;
          restrict_to({a->value.sym});
        }
        break;
      case Rel::ne:
        if (a->value.code) break;
        if (a->value.numeric) {
          numeric = true;
          holes.push_back(a->value.num);
        } else {
          symbolic = true;
          excluded.push_back(a->value.sym);
        }
        break;
      default: {
        if (!a->value.numeric) break;
        numeric = true;
        double v = a->value.num;
        bool strict = a->rel == Rel::lt || a->rel == Rel::gt;
        if (strict && discrete(t) && v == std::floor(v)) {  // integers: `x > 5` is `x >= 6`
          v += a->rel == Rel::gt ? 1 : -1;
          strict = false;
        }
        if (a->rel == Rel::gt || a->rel == Rel::ge) {
          if (v > lo || (v == lo && strict)) {
            lo = v;
            lo_open = strict;
          }
        } else {
          if (v < hi || (v == hi && strict)) {
            hi = v;
            hi_open = strict;
          }
        }
      }
    }
  }
  // The open ends of an equality are closed: `x == 5` is [5, 5].
  if (numeric) {
    if (lo > hi || (lo == hi && (lo_open || hi_open)))
      return fmt::format("no value of `{}` satisfies all of these comparisons", key);
    if (lo == hi && std::find(holes.begin(), holes.end(), lo) != holes.end())
      return fmt::format("the only value these comparisons leave for `{}` is excluded", key);
  }
  if (symbolic && allowed) {
    std::vector<std::string> left;
    std::sort(excluded.begin(), excluded.end());
    std::set_difference(allowed->begin(), allowed->end(), excluded.begin(), excluded.end(), std::back_inserter(left));
    if (left.empty()) return fmt::format("no value of `{}` satisfies all of these conditions", key);
  }
  if (codes && codes->empty()) return fmt::format("no code can be in all of these sets for `{}`", key);
  return std::nullopt;
}

void expand(const Context& cx, const ast::Expr& e, SourceSpan origin, int depth, std::vector<Conjunct>& out) {
  if (auto* b = std::get_if<ast::Binary>(&e.kind); b && b->op == ast::BinaryOp::and_) {
    expand(cx, *b->lhs, depth == 0 ? b->lhs->span : origin, depth, out);
    expand(cx, *b->rhs, depth == 0 ? b->rhs->span : origin, depth, out);
    return;
  }
  if (auto* d = std::get_if<RefDefine>(&cx.rs.resolutions[e.id]);
      d && depth < 16 && std::holds_alternative<ast::NameRef>(e.kind)) {
    const ast::Define* decl = cx.rs.defines[d->define].decl;
    if (decl->params.empty()) {
      expand(cx, *decl->body, origin, depth + 1, out);
      return;
    }
  }
  out.push_back({&e, origin});
}

}  // namespace

std::vector<Conjunct> conjuncts(const Context& cx, const ast::Expr& e) {
  std::vector<Conjunct> out;
  expand(cx, e, e.span, 0, out);
  return out;
}

std::optional<Contradiction> find_contradiction(const Context& cx, const std::vector<Conjunct>& all) {
  std::vector<Atom> atoms;
  for (const Conjunct& c : all) atoms.push_back(atom_of(cx, *c.expr, true, c.origin));
  // The smallest explanation first: one atom that cannot hold (`x not in` every member),
  // then two atoms on one fact that cannot both hold.
  for (const Atom& a : atoms)
    if (auto why = conflict(cx, {&a})) return Contradiction{{a.origin}, *why};
  for (std::size_t j = 0; j < atoms.size(); ++j)
    for (std::size_t i = 0; i < j; ++i)
      if (atoms[i].key == atoms[j].key)
        if (auto why = conflict(cx, {&atoms[i], &atoms[j]}))
          return Contradiction{{atoms[i].origin, atoms[j].origin}, *why};
  // Then every atom on one fact together.
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    std::vector<const Atom*> same;
    for (const Atom& a : atoms)
      if (a.key == atoms[i].key) same.push_back(&a);
    if (same.size() < 3 || same.front() != &atoms[i]) continue;
    if (auto why = conflict(cx, same)) {
      Contradiction c{{}, *why};
      for (const Atom* a : same) c.spans.push_back(a->origin);
      return c;
    }
  }
  // `not (A and B)` beside A and B.
  std::vector<std::string> texts;
  for (const Conjunct& c : all) texts.push_back(cx.text(c.expr->span));
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto* u = std::get_if<ast::Unary>(&all[i].expr->kind);
    if (!u || u->op != ast::UnaryOp::not_) continue;
    std::vector<Conjunct> inner = conjuncts(cx, *u->operand);
    if (inner.size() < 2) continue;  // `not A` beside `A` is found above
    Contradiction c{{}, fmt::format("`{}` denies the other conditions taken together", cx.text(all[i].expr->span))};
    bool all_present = true;
    for (const Conjunct& part : inner) {
      auto it = std::find(texts.begin(), texts.end(), cx.text(part.expr->span));
      if (it == texts.end()) {
        all_present = false;
        break;
      }
      c.spans.push_back(all[static_cast<std::size_t>(it - texts.begin())].origin);
    }
    if (all_present) {
      c.spans.push_back(all[i].origin);
      return c;
    }
  }
  return std::nullopt;
}

std::optional<bool> fold_constant(const Context& cx, const ast::Expr& e) {
  if (auto* b = std::get_if<ast::BoolLiteral>(&e.kind)) return b->value;
  // A condition that is not constant folds as unknown, through the Kleene tables:
  // `false and unknown` is false, `true or unknown` is true.
  if (auto* u = std::get_if<ast::Unary>(&e.kind); u && u->op == ast::UnaryOp::not_)
    return to_optional(not3(truth(fold_constant(cx, *u->operand))));
  if (auto* b = std::get_if<ast::Binary>(&e.kind)) {
    if (b->op == ast::BinaryOp::and_ || b->op == ast::BinaryOp::or_) {
      const Truth l = truth(fold_constant(cx, *b->lhs)), r = truth(fold_constant(cx, *b->rhs));
      return to_optional(connect(b->op == ast::BinaryOp::and_ ? Connective::and_ : Connective::or_, l, r));
    }
    auto rel = comparison(b->op);
    auto l = constant(cx, *b->lhs), r = constant(cx, *b->rhs);
    if (!rel || !l || !r || l->numeric != r->numeric) return std::nullopt;
    if (!l->numeric) {
      if (*rel == Rel::eq) return l->sym == r->sym;
      if (*rel == Rel::ne) return l->sym != r->sym;
      return std::nullopt;
    }
    switch (*rel) {
      case Rel::eq: return l->num == r->num;
      case Rel::ne: return l->num != r->num;
      case Rel::lt: return l->num < r->num;
      case Rel::le: return l->num <= r->num;
      case Rel::gt: return l->num > r->num;
      case Rel::ge: return l->num >= r->num;
      default: return std::nullopt;
    }
  }
  if (auto* m = std::get_if<ast::Membership>(&e.kind)) {
    auto item = constant(cx, *m->item);
    auto values = set_values(cx, *m->set);
    if (!item || !values || !values->exact) return std::nullopt;
    bool in = false;
    if (values->is_codes) {
      for (const Interval& iv : values->codes) in |= iv.first <= item->sym && item->sym <= iv.second;
    } else {
      in = std::binary_search(values->members.begin(), values->members.end(), item->sym);
    }
    return in != m->negated;
  }
  return std::nullopt;
}

}  // namespace covcheck::dsl::lint
