// Findings about rules taken together or about their citations: a rule fully shadowed by
// an override; two routing rules that can apply to one case with different benefits;
// rules and criteria without a citation of the policy text.
#include <algorithm>
#include <climits>

#include <fmt/format.h>

#include "dsl/lint/lint_context.hpp"

namespace covcheck::dsl::lint {

namespace {

struct Range {
  std::int32_t from = INT32_MIN, to = INT32_MAX;
};

Range narrow(Range r, const std::optional<ast::DateRange>& d) {
  if (d && d->from) r.from = std::max(r.from, *d->from);
  if (d && d->to) r.to = std::min(r.to, *d->to);
  return r;
}

// The dates on which a rule can be in force: its unit's range and its own.
Range in_force(const Context& cx, const CheckedRule& r) {
  return narrow(narrow(Range{}, cx.rs.units[r.unit].effective), r.rule->effective);
}

std::vector<std::string> conjunct_texts(const Context& cx, const ast::Rule& r) {
  std::vector<std::string> out;
  if (!r.when) return out;
  for (const Conjunct& c : conjuncts(cx, *r.when)) out.push_back(cx.text(c.expr->span));
  return out;
}

void check_shadowed(Context& cx) {
  for (const CheckedRule& b : cx.rs.rules) {
    std::vector<std::string> weaker = conjunct_texts(cx, *b.rule);
    Range b_range = in_force(cx, b);
    for (std::uint32_t target : b.overrides) {
      const CheckedRule& a = cx.rs.rules[target];
      Range a_range = in_force(cx, a);
      if (b_range.from > a_range.from || b_range.to < a_range.to) continue;  // `a` has days of its own
      std::vector<std::string> stronger = conjunct_texts(cx, *a.rule);
      bool implied = std::all_of(weaker.begin(), weaker.end(), [&](const std::string& t) {
        return std::find(stronger.begin(), stronger.end(), t) != stronger.end();
      });
      if (!implied) continue;
      Diagnostic& d =
          cx.report(Severity::warning, "lint.shadowed_rule", a.rule->name.span,
                    fmt::format("rule `{}` never takes effect: `{}` overrides it whenever it applies", a.display_id,
                                b.display_id),
                    weaker.empty() ? fmt::format("`{}` has no `when`, so it applies to every case", b.display_id)
                                   : fmt::format("every condition of `{}`'s `when` is also in `{}`'s, so whenever `{}` "
                                                 "applies, the override applies too and removes all of its effects",
                                                 b.display_id, a.display_id, a.display_id),
                    fmt::format("narrow `{}`'s `when` to the cases the exception is meant for, or remove `{}`",
                                b.display_id, a.display_id));
      d.notes.push_back({b.rule->name.span, fmt::format("`{}` is declared here", b.display_id)});
    }
  }
}

void check_route_overlaps(Context& cx) {
  std::vector<const CheckedRule*> routes;
  for (const CheckedRule& r : cx.rs.rules)
    if (r.rule->route) routes.push_back(&r);
  for (std::size_t j = 0; j < routes.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      const CheckedRule& a = *routes[i];
      const CheckedRule& b = *routes[j];
      if (a.rule->route->text == b.rule->route->text) continue;
      const Unit& ua = cx.rs.units[a.unit];
      const Unit& ub = cx.rs.units[b.unit];
      // Two versions of one policy are never in force together.
      if (a.unit != b.unit && ua.kind == ast::FileKind::policy && ub.kind == ast::FileKind::policy) continue;
      Range ra = in_force(cx, a), rb = in_force(cx, b);
      if (ra.from > rb.to || rb.from > ra.to) continue;
      std::vector<Conjunct> both;
      if (a.rule->when) both = conjuncts(cx, *a.rule->when);
      if (b.rule->when) {
        auto more = conjuncts(cx, *b.rule->when);
        both.insert(both.end(), more.begin(), more.end());
      }
      if (find_contradiction(cx, both)) continue;
      Diagnostic& d = cx.report(
          Severity::warning, "lint.route_overlap", b.rule->route->span,
          fmt::format("rules `{}` and `{}` route to different benefits (`{}`, `{}`) and can both apply to one case",
                      a.display_id, b.display_id, a.rule->route->text, b.rule->route->text),
          "nothing in their `when` conditions keeps them apart; a case that meets both gets no benefit and a "
          "`benefit_conflict`",
          fmt::format("add to one rule a condition that rules out the other's cases, e.g. `and not (...)` with "
                      "`{}`'s condition",
                      a.display_id));
      d.notes.push_back(
          {a.rule->route->span, fmt::format("`{}` routes to `{}` here", a.display_id, a.rule->route->text)});
    }
  }
}

void check_citations(Context& cx) {
  for (const CheckedRule& cr : cx.rs.rules) {
    const ast::Rule& r = *cr.rule;
    if (!r.cite)
      cx.report(Severity::warning, "lint.missing_cite", r.name.span,
                fmt::format("{} `{}` cites no section of the policy", r.advice ? "advice" : "rule", r.name.text),
                "a determination names the citation of every reason, so that a reviewer can find the policy text "
                "behind it",
                "add `cite \"§…\"` after the title");
    for (const ast::Requirement& q : r.requirements) {
      if (q.kind == ast::Requirement::Kind::prior_auth || q.cite) continue;
      std::string what = q.kind == ast::Requirement::Kind::document ? "required document" : "criterion";
      cx.report(Severity::warning, "lint.missing_cite", q.span,
                fmt::format("this {} of rule `{}` cites no section of the policy", what, r.name.text),
                "a denial or pend names the exact criterion that failed, by its citation",
                "add `cite \"§…\"` before `else`");
    }
  }
}

// A criterion without an `else` message: its denial or pend reads as the bare expression.
void check_messages(Context& cx) {
  for (const CheckedRule& cr : cx.rs.rules) {
    for (const ast::Requirement& q : cr.rule->requirements) {
      if (q.kind != ast::Requirement::Kind::criterion || q.else_message) continue;
      cx.report(Severity::warning, "lint.criterion_without_message", q.span,
                fmt::format("this criterion of rule `{}` has no `else` message", cr.rule->name.text),
                "when it fails or cannot be decided, the reasons and next steps show only the expression, not what "
                "the clinic has to supply or change",
                "add `else deny \"…\"` (or `else pend \"…\"`) saying in the policy's words what is required");
    }
  }
}

}  // namespace

void lint_rule_relations(Context& cx) {
  check_shadowed(cx);
  check_route_overlaps(cx);
  check_citations(cx);
  check_messages(cx);
}

}  // namespace covcheck::dsl::lint
