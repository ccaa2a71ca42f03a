// Code-set analysis for the linter: entries as code intervals, the values a set expression
// can hold (used to prove `d.code in A and d.code in B` impossible), and the finding for
// entries of one literal that overlap or subsume each other (`F33.*` and `F33.1`).
#include <algorithm>

#include <fmt/format.h>

#include "dsl/lint/lint_context.hpp"

namespace covcheck::dsl::lint {

Interval entry_interval(const ast::CodeEntry& entry) {
  if (entry.wildcard) return {entry.low, entry.low + "\xff"};
  if (!entry.high.empty()) return {entry.low, entry.high + "\xff"};  // a range takes the codes below its upper bound
  return {entry.low, entry.low};
}

bool intervals_meet(const Interval& a, const Interval& b) { return a.first <= b.second && b.first <= a.second; }

bool interval_within(const Interval& inner, const Interval& outer) {
  return outer.first <= inner.first && inner.second <= outer.second;
}

namespace {

std::optional<SetValues> set_values_at(const Context& cx, const ast::Expr& set, int depth) {
  if (depth > 64) return std::nullopt;  // the checker rejects cycles; this only bounds the walk
  const Resolution& r = cx.rs.resolutions[set.id];
  if (auto* c = std::get_if<RefCodeSet>(&r))
    return set_values_at(cx, *cx.rs.codesets[c->codeset].decl->value, depth + 1);
  if (auto* op = std::get_if<ast::SetOperation>(&set.kind)) {
    auto l = set_values_at(cx, *op->lhs, depth + 1);
    auto rr = set_values_at(cx, *op->rhs, depth + 1);
    if (!l || !rr || l->is_codes != rr->is_codes) return std::nullopt;
    if (op->difference) {
      // Enumerations subtract exactly; code intervals keep the left side (a superset).
      if (!l->is_codes) {
        std::vector<std::string> kept;
        std::set_difference(l->members.begin(), l->members.end(), rr->members.begin(), rr->members.end(),
                            std::back_inserter(kept));
        l->members = std::move(kept);
      } else {
        l->exact = false;
      }
      return l;
    }
    l->exact = l->exact && rr->exact;
    l->codes.insert(l->codes.end(), rr->codes.begin(), rr->codes.end());
    std::vector<std::string> merged;
    std::set_union(l->members.begin(), l->members.end(), rr->members.begin(), rr->members.end(),
                   std::back_inserter(merged));
    l->members = std::move(merged);
    return l;
  }
  SetValues out;
  if (auto* lit = std::get_if<ast::CodeSetLiteral>(&set.kind)) {
    out.is_codes = cx.rs.types[set.id].element != BaseType::enumeration;
    for (const ast::CodeEntry& entry : lit->entries) {
      if (out.is_codes) out.codes.push_back(entry_interval(entry));
      else out.members.push_back(entry.low);
    }
  } else if (auto* values = std::get_if<ast::SetLiteral>(&set.kind)) {
    for (const ast::ExprPtr& item : values->items) {
      const Resolution& ir = cx.rs.resolutions[item->id];
      if (auto* m = std::get_if<RefEnumMember>(&ir)) {
        out.members.push_back(cx.rs.schema.enums[m->enumeration].members[m->member]);
      } else if (auto* s = std::get_if<ast::StringLiteral>(&item->kind)) {
        if (cx.rs.types[item->id].is_code()) {
          out.is_codes = true;
          out.codes.emplace_back(s->value, s->value);
        } else {
          out.members.push_back(fmt::format("\"{}\"", s->value));
        }
      } else if (auto* i = std::get_if<ast::IntLiteral>(&item->kind)) {
        out.members.push_back(std::to_string(i->value));
      } else {
        return std::nullopt;
      }
    }
    if (out.is_codes && !out.members.empty()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  std::sort(out.members.begin(), out.members.end());
  out.members.erase(std::unique(out.members.begin(), out.members.end()), out.members.end());
  return out;
}

bool dates_meet(const std::optional<ast::DateRange>& a, const std::optional<ast::DateRange>& b) {
  std::int32_t a_from = a && a->from ? *a->from : INT32_MIN, a_to = a && a->to ? *a->to : INT32_MAX;
  std::int32_t b_from = b && b->from ? *b->from : INT32_MIN, b_to = b && b->to ? *b->to : INT32_MAX;
  return a_from <= b_to && b_from <= a_to;
}

std::string entry_text(const Context& cx, const ast::CodeEntry& e) {
  return cx.text(e.effective ? SourceSpan{e.span.file, e.span.begin, e.effective->span.begin} : e.span);
}

void check_literal(Context& cx, const ast::Expr& set, const ast::CodeSetLiteral& lit) {
  bool codes = cx.rs.types[set.id].element != BaseType::enumeration;
  std::vector<bool> reported(lit.entries.size(), false);
  for (std::size_t j = 0; j < lit.entries.size(); ++j) {
    for (std::size_t i = 0; i < j && !reported[j]; ++i) {
      const ast::CodeEntry& a = lit.entries[i];
      const ast::CodeEntry& b = lit.entries[j];
      if (!dates_meet(a.effective, b.effective)) continue;  // one replaces the other on a date
      std::string at = entry_text(cx, a), bt = entry_text(cx, b);
      if (!codes) {
        if (a.low != b.low) continue;
        cx.report(Severity::warning, "lint.codeset_overlap", b.span, fmt::format("`{}` is listed twice", bt),
                  "a repeated member adds nothing to the set", fmt::format("remove the second `{}`", bt))
            .notes.push_back({a.span, "first listed here"});
        reported[j] = true;
        continue;
      }
      Interval ia = entry_interval(a), ib = entry_interval(b);
      if (!intervals_meet(ia, ib)) continue;
      std::string message, hint;
      SourceSpan span = b.span, other = a.span;
      if (interval_within(ib, ia)) {
        message = fmt::format("`{}` is already included in `{}`", bt, at);
        hint = fmt::format("remove `{}`, or narrow `{}` if it was meant to leave codes out", bt, at);
      } else if (interval_within(ia, ib)) {
        message = fmt::format("`{}` includes `{}`, listed before it", bt, at);
        hint = fmt::format("remove `{}`, or narrow `{}` if it was meant to leave codes out", at, bt);
      } else {
        message = fmt::format("`{}` and `{}` overlap", at, bt);
        hint = "split the entries so that each code is listed once";
      }
      cx.report(Severity::warning, "lint.codeset_overlap", span, message,
                "overlapping entries usually mean a typo or a range that is wider than intended; the set "
                "means the same without the redundant part",
                hint)
          .notes.push_back({other, fmt::format("`{}` is here", at)});
      reported[j] = true;
    }
  }
}

}  // namespace

std::optional<SetValues> set_values(const Context& cx, const ast::Expr& set) { return set_values_at(cx, set, 0); }

void lint_codesets(Context& cx) {
  auto scan = [&](const ast::Expr& root) {
    visit_exprs(root, [&](const ast::Expr& e) {
      if (auto* lit = std::get_if<ast::CodeSetLiteral>(&e.kind)) check_literal(cx, e, *lit);
    });
  };
  for (const CheckedCodeSet& c : cx.rs.codesets) scan(*c.decl->value);
  for (const CheckedDefine& d : cx.rs.defines) scan(*d.decl->body);
  for (const CheckedRule& r : cx.rs.rules) {
    if (r.rule->when) scan(*r.rule->when);
    for (const ast::Requirement& q : r.rule->requirements)
      if (q.condition) scan(*q.condition);
  }
}

}  // namespace covcheck::dsl::lint
