// The decision-only evaluator behind `batch --compact` and the benchmarks: the steps of
// evaluate() (in-force rules, routing, applicability with overrides, outcomes, the lattice,
// prior authorization, reasons) over flat scratch arrays reused from case to case, with no
// trace, text or per-case allocation. tests/unit/test_batch_quick.cpp pins it to evaluate().
#include <algorithm>
#include <numeric>

#include "engine/evaluate.hpp"
#include "engine/expr_eval.hpp"

namespace covcheck::engine {

namespace {

using dsl::RuleKind;
using Req = dsl::ast::Requirement::Kind;

bool in_range(std::optional<std::int32_t> from, std::optional<std::int32_t> to, std::int32_t date) {
  return (!from || date >= *from) && (!to || date <= *to);
}

struct RuleState {
  bool active = false;
  bool when_done = false;
  bool applies_done = false;
  bool has_outcome = false;
  bool decisive = false;
  bool evaluated = false;
  Truth when = Truth::yes;
  Truth applies = Truth::no;
  Decision lo = Decision::covered, hi = Decision::covered;
};

}  // namespace

struct QuickDecider::Impl {
  explicit Impl(const Program& p)
      : p(p), rs(*p.checked), expr(p, empty_case, ctx), state(p.rules.size()), crit_first(p.rules.size() + 1),
        rank(p.rules.size()) {
    for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
      crit_first[r + 1] = crit_first[r] + static_cast<std::uint32_t>(p.rules[r].criteria.size());
      if (p.rules[r].route && p.rules[r].kind != RuleKind::advice) route_rules.push_back(r);
      if (!p.rules[r].route) non_route_rules.push_back(r);
      if (p.rules[r].from || p.rules[r].to) any_rule_dated = true;
    }
    criteria.resize(crit_first.back());
    // Reasons are ordered by rule id (stable, as evaluate() sorts them).
    std::vector<std::uint32_t> order(p.rules.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return p.rules[a].checked->display_id < p.rules[b].checked->display_id;
    });
    for (std::uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
    unit_active.resize(rs.units.size());
  }

  Truth when_of(std::uint32_t r) {
    RuleState& s = state[r];
    if (!s.when_done) {
      s.when_done = true;
      s.when = p.rules[r].when == no_op ? Truth::yes : truth_of(expr.eval(p.rules[r].when));
    }
    return s.when;
  }

  Truth applies(std::uint32_t r) {
    RuleState& s = state[r];
    if (s.applies_done) return s.applies;
    Truth t = when_of(r);
    for (std::uint32_t o : p.rules[r].overridden_by) {
      if (!state[o].active || t == Truth::no) continue;
      Truth other = applies(o);
      if (other == Truth::yes) t = Truth::no;
      else if (other == Truth::unknown) t = Truth::unknown;
    }
    state[r].applies = t;
    state[r].applies_done = true;
    return t;
  }

  void route(QuickDetermination& out) {
    std::uint32_t definite = no_member;
    bool conflict = false, any_possible = false;
    for (std::uint32_t r : route_rules) {
      if (!state[r].active) continue;
      Truth a = applies(r);
      std::uint32_t b = *p.rules[r].route;
      if (a == Truth::yes) {
        if (definite != no_member && definite != b) conflict = true;
        definite = definite == no_member ? b : definite;
      } else if (a == Truth::unknown) {
        any_possible = true;
        possible.push_back(b);
      }
    }
    // Overriders evaluated during routing saw no benefit; evaluate them again with it.
    for (std::uint32_t r : non_route_rules) {
      bool active = state[r].active;
      state[r] = RuleState{};
      state[r].active = active;
    }
    ctx.benefit = Value{};
    out.benefit = no_member;
    if (conflict) return;
    if (definite != no_member) {
      bool agreed = std::all_of(possible.begin(), possible.end(), [&](std::uint32_t b) { return b == definite; });
      if (agreed) {
        ctx.benefit = Value::make_indexed(Kind::enumeration, definite);
        out.benefit = definite;
      }
    } else if (!any_possible) {
      ctx.benefit = Value::make_indexed(Kind::enumeration, no_member);
    }
  }

  void outcomes() {
    for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
      RuleState& s = state[r];
      const CompiledRule& rule = p.rules[r];
      if (!s.active || rule.kind == RuleKind::advice) continue;
      if (applies(r) == Truth::no) continue;
      s.evaluated = true;
      Truth* crit = criteria.data() + crit_first[r];
      for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
        const Criterion& c = rule.criteria[i];
        if (c.kind == Req::criterion) {
          crit[i] = truth_of(expr.eval(c.op));
        } else {
          const Value& docs = kase->field(0, *rs.documents_field);
          if (docs.kind != Kind::list) {
            crit[i] = Truth::unknown;
          } else {
            const CaseList& l = kase->lists[docs.index];
            bool present = false;
            for (std::uint32_t k = 0; k < l.count; ++k) present |= kase->items[l.first + k].index == c.document;
            crit[i] = present ? Truth::yes : Truth::no;
          }
        }
      }
      if (rule.kind == RuleKind::coverage || (rule.kind == RuleKind::restriction && !rule.direct)) {
        s.has_outcome = true;
        for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
          Decision fail = rule.criteria[i].on_fail;
          if (crit[i] == Truth::no) s.lo = std::max(s.lo, fail);
          if (crit[i] != Truth::yes) s.hi = std::max(s.hi, fail);
        }
        s.hi = std::max(s.hi, s.lo);
      } else if (rule.direct) {
        s.has_outcome = true;
        s.lo = s.hi = *rule.direct;
      }
    }
  }

  void combine(QuickDetermination& out) {
    Decision def = rs.units[policy].default_decision.value_or(Decision::denied);
    bool any_definite = false, any_possible = false;
    Decision d_lo = Decision::excluded, d_hi = Decision::excluded, u_lo = Decision::excluded, u_hi = Decision::covered;
    for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
      const RuleState& s = state[r];
      if (!s.evaluated || p.rules[r].kind != RuleKind::coverage) continue;
      if (s.applies == Truth::yes) {
        any_definite = true;
        d_lo = std::min(d_lo, s.lo);
        d_hi = std::min(d_hi, s.hi);
      } else {
        any_possible = true;
        u_lo = std::min(u_lo, s.lo);
        u_hi = std::max(u_hi, s.hi);
      }
    }
    if (any_definite) {
      cov_lo = any_possible ? std::min(d_lo, u_lo) : d_lo;
      cov_hi = d_hi;
    } else {
      cov_lo = any_possible ? std::min(def, u_lo) : def;
      cov_hi = any_possible ? std::max(def, u_hi) : def;
    }
    Decision lo = cov_lo, hi = cov_hi;
    for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
      const RuleState& s = state[r];
      if (!s.evaluated || p.rules[r].kind != RuleKind::restriction || !s.has_outcome) continue;
      if (s.applies == Truth::yes) lo = std::max(lo, s.lo);
      hi = std::max(hi, s.hi);
    }
    out.decision = lo == hi ? lo : Decision::pend;
    bool any_decisive = false;
    for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
      RuleState& s = state[r];
      if (!s.evaluated || !s.has_outcome) continue;
      bool coverage = p.rules[r].kind == RuleKind::coverage;
      if (lo == hi) {
        if (coverage) {
          s.decisive = s.applies == Truth::yes && cov_lo == cov_hi && cov_lo == lo && s.lo == lo && s.hi == lo;
        } else {
          s.decisive = s.applies == Truth::yes && lo != Decision::covered && s.lo == lo;
        }
      } else {
        bool open = s.lo != s.hi || s.applies == Truth::unknown || s.lo == Decision::pend;
        s.decisive = open && (coverage || s.hi > lo);
      }
      any_decisive |= s.decisive;
    }
    out.basis_rules = any_decisive;
  }

  void reasons_and_prior_auth(QuickDetermination& out) {
    bool yes = false, maybe = false;
    for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
      const RuleState& s = state[r];
      const CompiledRule& rule = p.rules[r];
      if (!s.evaluated) continue;
      if (rule.prior_auth) {
        if (rule.kind == RuleKind::coverage) {
          bool deciding = s.decisive || (s.applies == Truth::yes && s.lo == cov_lo);
          if (s.applies == Truth::yes && deciding) yes = true;
          else if (s.applies == Truth::unknown) maybe = true;
        } else {
          if (s.applies == Truth::yes) yes = true;
          else if (s.applies == Truth::unknown) maybe = true;
        }
      }
      if (s.applies != Truth::yes) continue;
      bool reason = false;
      if (s.has_outcome) {
        reason = !(rule.kind == RuleKind::restriction && !rule.direct && s.lo == Decision::covered &&
                   s.hi == Decision::covered);
      } else {
        reason = rule.route || rule.prior_auth;
      }
      if (reason) out.reasons.push_back(r);
    }
    if (yes) out.prior_auth = true;
    else if (!maybe) out.prior_auth = false;
    std::sort(out.reasons.begin(), out.reasons.end(), [&](std::uint32_t a, std::uint32_t b) { return rank[a] < rank[b]; });
  }

  bool decide(const Case& c, std::optional<std::int32_t> as_of, QuickDetermination& out) {
    kase = &c;
    expr.reset(c);
    out.reasons.clear();
    out.prior_auth.reset();
    out.benefit = no_member;
    out.dated = true;
    out.basis_rules = false;
    std::optional<std::int32_t> date = as_of;
    if (!date && p.dos_field) {
      const Value& dos = c.field(0, *p.dos_field);
      if (dos.kind == Kind::date) date = dos.date;
    }
    if (!date && p.needs_evaluation_date) {
      out.decision = Decision::pend;
      out.dated = false;
      return true;
    }
    ctx.has_evaluation_date = date.has_value();
    ctx.evaluation_date = date.value_or(0);
    ctx.decision = Value{};
    ctx.benefit = Value{};  // unknown while routing runs
    std::uint32_t policies = 0;
    for (std::uint32_t u = 0; u < rs.units.size(); ++u) {
      const dsl::Unit& unit = rs.units[u];
      bool active = !unit.effective || in_range(unit.effective->from, unit.effective->to, *date);
      unit_active[u] = active;
      if (active && unit.kind == dsl::ast::FileKind::policy) {
        ++policies;
        policy = u;
      }
    }
    if (policies != 1) return false;
    ctx.policy_unit = policy;
    for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
      const CompiledRule& rule = p.rules[r];
      state[r] = RuleState{};
      state[r].active = unit_active[rule.unit] && (!any_rule_dated || !date || in_range(rule.from, rule.to, *date));
    }
    possible.clear();
    route(out);
    outcomes();
    combine(out);
    reasons_and_prior_auth(out);
    return true;
  }

  const Program& p;
  const dsl::CheckedRuleSet& rs;
  Case empty_case;
  EvalContext ctx;
  ExprEvaluator expr;
  const Case* kase = nullptr;
  std::vector<RuleState> state;
  std::vector<Truth> criteria;            // every rule's criteria, rule r at crit_first[r]
  std::vector<std::uint32_t> crit_first;
  std::vector<std::uint32_t> rank;        // position of each rule in id order
  std::vector<std::uint32_t> route_rules, non_route_rules;
  std::vector<std::uint32_t> possible;    // benefits of routes that may apply
  std::vector<bool> unit_active;
  bool any_rule_dated = false;
  std::uint32_t policy = 0;
  Decision cov_lo = Decision::covered, cov_hi = Decision::covered;
};

QuickDecider::QuickDecider(const Program& program) : impl_(std::make_unique<Impl>(program)) {}
QuickDecider::~QuickDecider() = default;

bool QuickDecider::decide(const Case& c, std::optional<std::int32_t> as_of, QuickDetermination& out) {
  return impl_->decide(c, as_of, out);
}

}  // namespace covcheck::engine
