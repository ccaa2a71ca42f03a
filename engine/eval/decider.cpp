// The shared decision procedure (see decider.hpp): routing first, then applicability with
// overrides, each rule's possible outcomes, and the lattice over their lowest and highest
// outcomes, so a decision is definite only when no filling of the missing facts changes it.
#include "engine/eval/decider.hpp"

#include <algorithm>

namespace covcheck::engine {

namespace {

using dsl::RuleKind;
using Req = dsl::ast::Requirement::Kind;

bool in_range(std::optional<std::int32_t> from, std::optional<std::int32_t> to, std::int32_t date) {
  return (!from || date >= *from) && (!to || date <= *to);
}

}  // namespace

Decider::Decider(const Program& p)
    : p_(p),
      rs_(*p.checked),
      expr_(p, empty_case_, ctx_),
      state_(p.rules.size()),
      crit_first_(p.rules.size() + 1),
      unit_active_(rs_.units.size()) {
  ctx_.warnings = &warnings_;
  for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
    crit_first_[r + 1] = crit_first_[r] + static_cast<std::uint32_t>(p.rules[r].criteria.size());
    if (p.rules[r].route && p.rules[r].kind != RuleKind::advice) route_rules_.push_back(r);
    if (p.rules[r].from || p.rules[r].to) any_rule_dated_ = true;
    when_op_.push_back(p.rules[r].when);
    overridable_.push_back(p.rules[r].overridden_by.empty() ? 0 : 1);
    const CompiledRule& rule = p.rules[r];
    Shape shape = Shape::general;
    if (rule.kind == RuleKind::advice) shape = Shape::advice;
    else if (rule.criteria.empty() && rule.direct && rule.kind != RuleKind::coverage) shape = Shape::direct;
    else if (rule.criteria.empty() && !rule.direct && rule.kind != RuleKind::coverage &&
             rule.kind != RuleKind::restriction)
      shape = Shape::no_outcome;
    shape_.push_back(shape);
    direct_.push_back(rule.direct.value_or(Decision::covered));
    rule_unit_.push_back(rule.unit);
  }
  criteria_.resize(crit_first_.back());
  when_at_.assign(p.rules.size(), no_entry);
  criteria_at_.assign(criteria_.size(), no_entry);
  // The other rules routing may evaluate: the overriders of route rules, transitively.
  std::vector<bool> seen(p.rules.size(), false);
  std::vector<std::uint32_t> todo(route_rules_);
  while (!todo.empty()) {
    std::uint32_t r = todo.back();
    todo.pop_back();
    for (std::uint32_t o : p.rules[r].overridden_by) {
      if (seen[o]) continue;
      seen[o] = true;
      todo.push_back(o);
      if (!p.rules[o].route) routing_overriders_.push_back(o);
    }
  }
}

// A rule applies when its own condition holds and no in-force rule overriding it applies:
// `when and not o1 and not o2 ...`, in Kleene's logic, stopping once it is false.
Truth Decider::applies_overridden(std::uint32_t r) {
  Truth t = when_of(r);
  for (std::uint32_t o : p_.rules[r].overridden_by) {
    if (!state_[o].active || t == dsl::decides(dsl::Connective::and_)) continue;
    t = dsl::and3(t, dsl::not3(applies(o)));
  }
  state_[r].applies = t;
  state_[r].applies_done = true;
  return t;
}

void Decider::route() {
  definite_.clear();
  possible_.clear();
  for (std::uint32_t r : route_rules_) {
    if (!state_[r].active) continue;
    Truth a = applies(r);
    if (a == Truth::yes) definite_.push_back(*p_.rules[r].route);
    else if (a == Truth::unknown) possible_.push_back(*p_.rules[r].route);
  }
  // Overriders evaluated during routing saw no benefit; they are evaluated again with it.
  for (std::uint32_t r : routing_overriders_) {
    bool active = state_[r].active;
    state_[r] = RuleState{};
    state_[r].active = active;
    if (record_) when_at_[r] = no_entry;
  }
  std::sort(definite_.begin(), definite_.end());
  definite_.erase(std::unique(definite_.begin(), definite_.end()), definite_.end());
  ctx_.benefit = Value{};
  benefit_ = no_member;
  if (definite_.size() == 1) {
    if (std::all_of(possible_.begin(), possible_.end(), [&](std::uint32_t b) { return b == definite_[0]; })) {
      ctx_.benefit = Value::make_indexed(Kind::enumeration, definite_[0]);
      benefit_ = definite_[0];
    }
  } else if (definite_.empty() && possible_.empty()) {
    ctx_.benefit = Value::make_indexed(Kind::enumeration, no_member);  // known: no benefit
  }
  expr_.forget_routing_memos();  // conditions read `benefit` from here on
}

void Decider::outcomes() {
  const std::uint32_t documents = rs_.documents_field.value_or(0);
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    RuleState& s = state_[r];
    if (!s.active || shape_[r] == Shape::advice) continue;
    if (applies(r) == Truth::no) continue;
    s.evaluated = true;
    evaluated_.push_back(r);
    if (shape_[r] == Shape::direct) {
      s.has_outcome = true;
      s.lo = s.hi = direct_[r];
      continue;
    }
    if (shape_[r] == Shape::no_outcome) continue;
    const CompiledRule& rule = p_.rules[r];
    Truth* crit = criteria_.data() + crit_first_[r];
    for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
      const Criterion& c = rule.criteria[i];
      if (c.dated() && !in_range(c.from, c.to, *date_)) {  // a dated rule set always has a date here
        crit[i] = Truth::yes;
        continue;
      }
      if (c.kind == Req::criterion) {
        crit[i] = test(c.op, criteria_at_[crit_first_[r] + i]);
        continue;
      }
      const Value& docs = case_->field(0, documents);
      if (docs.kind != Kind::list) {
        crit[i] = Truth::unknown;
        continue;
      }
      const CaseList& l = case_->lists[docs.index];
      bool present = false;
      for (std::uint32_t k = 0; k < l.count; ++k) present |= case_->items[l.first + k].index == c.document;
      crit[i] = dsl::truth(present);
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

void Decider::combine() {
  Decision def = rs_.units[policy_].default_decision.value_or(Decision::denied);
  bool any_definite = false, any_possible = false;
  Decision d_lo = Decision::excluded, d_hi = Decision::excluded, u_lo = Decision::excluded, u_hi = Decision::covered;
  for (std::uint32_t r : evaluated_) {
    const RuleState& s = state_[r];
    if (p_.rules[r].kind != RuleKind::coverage) continue;
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
  // The best applicable path counts; a path that may or may not apply can only improve
  // a definite one, or stand in for the default.
  if (any_definite) {
    cov_lo_ = any_possible ? std::min(d_lo, u_lo) : d_lo;
    cov_hi_ = d_hi;
  } else {
    cov_lo_ = any_possible ? std::min(def, u_lo) : def;
    cov_hi_ = any_possible ? std::max(def, u_hi) : def;
  }
  lo_ = cov_lo_;
  hi_ = cov_hi_;
  for (std::uint32_t r : evaluated_) {
    const RuleState& s = state_[r];
    if (p_.rules[r].kind != RuleKind::restriction || !s.has_outcome) continue;
    if (s.applies == Truth::yes) lo_ = std::max(lo_, s.lo);
    hi_ = std::max(hi_, s.hi);
  }
  any_decisive_ = false;
  for (std::uint32_t r : evaluated_) {
    RuleState& s = state_[r];
    if (!s.has_outcome) continue;
    bool coverage = p_.rules[r].kind == RuleKind::coverage;
    if (lo_ == hi_) {
      if (coverage) {
        s.decisive = s.applies == Truth::yes && cov_lo_ == cov_hi_ && cov_lo_ == lo_ && s.lo == lo_ && s.hi == lo_;
      } else {
        s.decisive = s.applies == Truth::yes && lo_ != Decision::covered && s.lo == lo_;
      }
    } else {
      // Undecided: the rules whose own outcome is open, or that pend, are what keeps it open.
      bool open = s.lo != s.hi || s.applies == Truth::unknown || s.lo == Decision::pend;
      s.decisive = open && (coverage || s.hi > lo_);
    }
    any_decisive_ |= s.decisive;
  }
}

void Decider::reasons_and_prior_auth() {
  bool yes = false, maybe = false;
  for (std::uint32_t r : evaluated_) {
    const RuleState& s = state_[r];
    const CompiledRule& rule = p_.rules[r];
    if (rule.prior_auth) {
      // A coverage path requires prior authorization only when it is the one that decides.
      bool deciding = rule.kind != RuleKind::coverage || s.decisive || (s.applies == Truth::yes && s.lo == cov_lo_);
      if (s.applies == Truth::yes && deciding) yes = true;
      else if (s.applies == Truth::unknown) maybe = true;
    }
    if (s.applies != Truth::yes) continue;
    // A restriction whose criteria all hold restricts nothing: it is not a reason.
    bool reason = s.has_outcome ? !(rule.kind == RuleKind::restriction && !rule.direct && s.lo == Decision::covered &&
                                    s.hi == Decision::covered)
                                : rule.route || rule.prior_auth;
    if (reason) reasons_.push_back(r);
  }
  prior_auth_ = yes ? std::optional<bool>(true) : maybe ? std::nullopt : std::optional<bool>(false);
  if (!p_.rules_in_id_order)  // evaluated_, and so reasons_, are in rule order
    std::sort(reasons_.begin(), reasons_.end(),
              [&](std::uint32_t a, std::uint32_t b) { return p_.rule_rank[a] < p_.rule_rank[b]; });
}

DecideStatus Decider::decide(const Case& c, std::optional<std::int32_t> as_of, bool record_traces) {
  case_ = &c;
  expr_.reset(c);
  warnings_.clear();
  reasons_.clear();
  evaluated_.clear();
  definite_.clear();
  prior_auth_.reset();
  benefit_ = no_member;
  any_decisive_ = false;
  lo_ = hi_ = cov_lo_ = cov_hi_ = Decision::pend;
  record_ = record_traces;
  if (record_) {
    log_.clear();
    std::fill(when_at_.begin(), when_at_.end(), no_entry);
    std::fill(criteria_at_.begin(), criteria_at_.end(), no_entry);
  }
  date_ = as_of;
  if (!date_ && p_.dos_field) {
    const Value& dos = c.field(0, *p_.dos_field);
    if (dos.kind == Kind::date) date_ = dos.date;
  }
  if (!date_ && p_.needs_evaluation_date) return DecideStatus::undated;
  ctx_.has_evaluation_date = date_.has_value();
  ctx_.evaluation_date = date_.value_or(0);
  ctx_.decision = Value{};
  ctx_.benefit = Value{};  // unknown while routing runs
  policies_ = 0;
  for (std::uint32_t u = 0; u < rs_.units.size(); ++u) {
    const dsl::Unit& unit = rs_.units[u];
    bool active = !unit.effective || in_range(unit.effective->from, unit.effective->to, *date_);
    unit_active_[u] = active;
    if (active && unit.kind == dsl::ast::FileKind::policy) {
      if (policies_++ == 0) policy_ = u;
    }
  }
  if (policies_ == 0) return DecideStatus::no_policy;
  if (policies_ > 1) return DecideStatus::several_policies;
  ctx_.policy_unit = policy_;
  const bool by_date = any_rule_dated_ && date_;
  for (std::uint32_t r = 0; r < state_.size(); ++r) {
    state_[r] = RuleState{};
    state_[r].active = unit_active_[rule_unit_[r]] && (!by_date || in_range(p_.rules[r].from, p_.rules[r].to, *date_));
  }
  if (!record_) expr_.run_eager(0);
  route();
  if (!record_) expr_.run_eager(1);
  outcomes();
  combine();
  reasons_and_prior_auth();
  return DecideStatus::decided;
}

bool Decider::criterion_in_force(std::uint32_t r, std::size_t i) const {
  const Criterion& c = p_.rules[r].criteria[i];
  return !c.dated() || (date_ && in_range(c.from, c.to, *date_));
}

void Decider::run_advice() {
  ctx_.decision = Value::make_indexed(Kind::enumeration, static_cast<std::uint32_t>(decision()));
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    RuleState& s = state_[r];
    if (!s.active || p_.rules[r].kind != RuleKind::advice) continue;
    s.evaluated = true;
    s.applies = when_of(r);
    s.applies_done = true;
  }
}

}  // namespace covcheck::engine
