// Deciding one case: the in-force policy version and modules, routing first, then
// applicability with overrides, each rule's possible outcomes in three-valued logic, and
// the decision lattice over their lowest and highest outcomes; advice runs last.
#include "engine/evaluate.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "dsl/dates.hpp"
#include "engine/explain.hpp"
#include "engine/expr_eval.hpp"

namespace covcheck::engine {

const char* decision_name(Decision d) {
  switch (d) {
    case Decision::covered: return "covered";
    case Decision::pend: return "pend";
    case Decision::denied: return "denied";
    case Decision::excluded: return "excluded";
  }
  return "pend";
}

namespace {

using dsl::RuleKind;
using Req = dsl::ast::Requirement::Kind;

const char* truth_name(Truth t) { return t == Truth::yes ? "true" : t == Truth::no ? "false" : "unknown"; }

bool in_range(std::optional<std::int32_t> from, std::optional<std::int32_t> to, std::int32_t date) {
  return (!from || date >= *from) && (!to || date <= *to);
}

std::string range_text(const std::optional<dsl::ast::DateRange>& r) {
  if (!r) return "always";
  return fmt::format("{} .. {}", r->from ? dsl::format_iso_date(*r->from) : "", r->to ? dsl::format_iso_date(*r->to) : "");
}

class CaseDecider {
 public:
  CaseDecider(const Program& p, const Case& c, const EvaluationOptions& o)
      : p_(p), rs_(*p.checked), c_(c), options_(o), rules_(p.rules.size()), expr_(p, c, ctx_) {
    ctx_.sources = o.sources;
    ctx_.warnings = &eval_warnings_;
  }
  Evaluation run();

 private:
  Truth when_of(std::uint32_t r);
  Truth applies(std::uint32_t r);
  void route();
  void outcomes();
  void combine();
  void finish_reasons();
  void finish_prior_auth();
  void finish_requirements_and_grants();
  void finish_missing();
  void finish_next_steps();
  void run_advice();
  void build_trace();
  Value eval(std::uint32_t op, std::optional<TraceNode>& trace);

  struct RuleState {
    bool active = false;
    bool when_done = false;
    Truth when = Truth::yes;
    std::optional<TraceNode> when_trace;
    bool applies_done = false;
    Truth applies = Truth::no;
    std::vector<Truth> criteria;     // criteria and documents; documents: yes present, no missing
    std::vector<std::optional<TraceNode>> criteria_trace;
    bool has_outcome = false;
    Decision lo = Decision::covered, hi = Decision::covered;
    bool decisive = false;
    bool evaluated = false;
  };

  const Program& p_;
  const dsl::CheckedRuleSet& rs_;
  const Case& c_;
  const EvaluationOptions& options_;
  EvalContext ctx_;
  std::vector<RuleState> rules_;
  ExprEvaluator expr_;
  std::vector<std::string> eval_warnings_;
  Determination d_;
  std::uint32_t policy_ = 0;
  Decision lo_ = Decision::covered, hi_ = Decision::covered, cov_lo_ = Decision::covered, cov_hi_ = Decision::covered;
};

Value CaseDecider::eval(std::uint32_t op, std::optional<TraceNode>& trace) {
  if (!options_.trace) return expr_.eval(op);
  TraceNode root;
  Value v = expr_.eval_traced(op, root);
  if (!root.children.empty()) trace = std::move(root.children.front());
  return v;
}

Truth CaseDecider::when_of(std::uint32_t r) {
  RuleState& s = rules_[r];
  if (!s.when_done) {
    s.when_done = true;
    s.when = p_.rules[r].when == no_op ? Truth::yes : truth_of(eval(p_.rules[r].when, s.when_trace));
  }
  return s.when;
}

// A rule applies when its own condition holds and no in-force rule overriding it applies.
Truth CaseDecider::applies(std::uint32_t r) {
  RuleState& s = rules_[r];
  if (s.applies_done) return s.applies;
  Truth t = when_of(r);
  for (std::uint32_t o : p_.rules[r].overridden_by) {
    if (!rules_[o].active || t == Truth::no) continue;
    Truth other = applies(o);
    if (other == Truth::yes) t = Truth::no;
    else if (other == Truth::unknown) t = Truth::unknown;
  }
  s.applies = t;
  s.applies_done = true;
  return t;
}

void CaseDecider::route() {
  std::vector<std::uint32_t> definite, possible;
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    if (!rules_[r].active || !p_.rules[r].route || p_.rules[r].kind == RuleKind::advice) continue;
    Truth a = applies(r);
    if (a == Truth::yes) definite.push_back(*p_.rules[r].route);
    if (a == Truth::unknown) possible.push_back(*p_.rules[r].route);
  }
  // Overriders evaluated during routing saw no benefit; evaluate them again with it.
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r)
    if (!p_.rules[r].route) {
      bool active = rules_[r].active;
      rules_[r] = RuleState{};
      rules_[r].active = active;
    }
  std::sort(definite.begin(), definite.end());
  definite.erase(std::unique(definite.begin(), definite.end()), definite.end());
  const auto& members = rs_.schema.enums[rs_.benefit_enum.value_or(0)].members;
  if (definite.size() > 1) {
    for (std::uint32_t b : definite) d_.benefit_conflict.push_back(members[b]);
    std::sort(d_.benefit_conflict.begin(), d_.benefit_conflict.end());
    ctx_.benefit = Value{};
  } else if (definite.size() == 1) {
    bool agreed = std::all_of(possible.begin(), possible.end(), [&](std::uint32_t b) { return b == definite[0]; });
    if (agreed) {
      ctx_.benefit = Value::make_indexed(Kind::enumeration, definite[0]);
      d_.benefit = members[definite[0]];
    }
  } else if (possible.empty()) {
    ctx_.benefit = Value::make_indexed(Kind::enumeration, no_member);
  }
}

void CaseDecider::outcomes() {
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    RuleState& s = rules_[r];
    const CompiledRule& rule = p_.rules[r];
    if (!s.active || rule.kind == RuleKind::advice) continue;
    Truth a = applies(r);
    if (a == Truth::no) continue;
    s.evaluated = true;
    s.criteria.resize(rule.criteria.size(), Truth::yes);
    s.criteria_trace.resize(rule.criteria.size());
    for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
      const Criterion& c = rule.criteria[i];
      if (c.kind == Req::criterion) {
        s.criteria[i] = truth_of(eval(c.op, s.criteria_trace[i]));
      } else {
        const Value& docs = c_.field(0, *rs_.documents_field);
        if (docs.kind != Kind::list) {
          s.criteria[i] = Truth::unknown;
        } else {
          const CaseList& l = c_.lists[docs.index];
          bool present = false;
          for (std::uint32_t k = 0; k < l.count; ++k) present |= c_.items[l.first + k].index == c.document;
          s.criteria[i] = present ? Truth::yes : Truth::no;
        }
      }
    }
    if (rule.kind == RuleKind::coverage || (rule.kind == RuleKind::restriction && !rule.direct)) {
      s.has_outcome = true;
      for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
        Decision fail = rule.criteria[i].on_fail;
        if (s.criteria[i] == Truth::no) s.lo = std::max(s.lo, fail);
        if (s.criteria[i] != Truth::yes) s.hi = std::max(s.hi, fail);
      }
      s.hi = std::max(s.hi, s.lo);
    } else if (rule.direct) {
      s.has_outcome = true;
      s.lo = s.hi = *rule.direct;
    }
  }
}

void CaseDecider::combine() {
  const dsl::Unit& policy = rs_.units[policy_];
  Decision def = policy.default_decision.value_or(Decision::denied);
  bool any_definite = false;
  Decision d_lo = Decision::excluded, d_hi = Decision::excluded, u_lo = Decision::excluded, u_hi = Decision::covered;
  bool any_possible = false;
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = rules_[r];
    if (!s.evaluated || p_.rules[r].kind != RuleKind::coverage) continue;
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
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = rules_[r];
    if (!s.evaluated || p_.rules[r].kind != RuleKind::restriction || !s.has_outcome) continue;
    if (s.applies == Truth::yes) lo_ = std::max(lo_, s.lo);
    hi_ = std::max(hi_, s.hi);
  }
  d_.decision = lo_ == hi_ ? lo_ : Decision::pend;
  if (lo_ != hi_) d_.at_stake = {lo_, hi_};

  bool any_decisive = false;
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    RuleState& s = rules_[r];
    if (!s.evaluated || !s.has_outcome) continue;
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
    any_decisive |= s.decisive;
  }
  d_.basis = any_decisive ? "rules" : "default";
}

void CaseDecider::finish_reasons() {
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = rules_[r];
    const CompiledRule& rule = p_.rules[r];
    if (!s.evaluated || s.applies != Truth::yes) continue;
    Reason reason;
    reason.rule = rule.checked->display_id;
    reason.at = rule.source->span;
    reason.cite = rule.source->cite;
    reason.decisive = s.decisive;
    std::string title = rule.source->title.value_or(rule.source->name.text);
    if (s.has_outcome) {
      Decision o = s.lo == s.hi ? s.lo : Decision::pend;
      if (rule.kind == RuleKind::restriction && !rule.direct && s.lo == Decision::covered && s.hi == Decision::covered) continue;
      reason.effect = o == Decision::covered ? "cover" : o == Decision::denied ? "deny" : o == Decision::excluded ? "exclude" : "pend";
      reason.message = title;
      if (rule.direct && rule.source->direct->message) reason.message = rule.source->direct->message->text;
      // Name the criterion that decided: the first failed one, else the first open one.
      for (int pass = 0; pass < 2 && o != Decision::covered && !rule.direct; ++pass) {
        bool found = false;
        for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
          Truth t = s.criteria[i];
          if ((pass == 0 && t != Truth::no) || (pass == 1 && t != Truth::unknown)) continue;
          const dsl::ast::Requirement& q = *rule.criteria[i].source;
          if (q.else_message) reason.message = q.else_message->text;
          else if (q.kind == Req::document) reason.message = fmt::format("{} document `{}`", t == Truth::no ? "missing" : "undocumented", q.document->text);
          else reason.message = fmt::format("{}: `{}` {}", title, options_.sources ? std::string(expr_.text(rule.criteria[i].op)) : "criterion", t == Truth::no ? "does not hold" : "is undecided");
          if (q.cite) reason.cite = q.cite;
          found = true;
          break;
        }
        if (found) break;
      }
    } else if (rule.route) {
      reason.effect = "route";
      reason.message = fmt::format("{}: routed to {}", title, rule.source->route->text);
    } else if (rule.prior_auth) {
      reason.effect = "prior_auth";
      reason.message = title;
    } else {
      continue;
    }
    d_.reasons.push_back(std::move(reason));
  }
  std::stable_sort(d_.reasons.begin(), d_.reasons.end(), [](const Reason& a, const Reason& b) { return a.rule < b.rule; });
}

void CaseDecider::finish_prior_auth() {
  bool yes = false, maybe = false;
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = rules_[r];
    const CompiledRule& rule = p_.rules[r];
    if (!s.evaluated || !rule.prior_auth) continue;
    if (rule.kind == RuleKind::coverage) {
      bool deciding = s.decisive || (s.applies == Truth::yes && s.lo == cov_lo_);
      if (s.applies == Truth::yes && deciding) yes = true;
      else if (s.applies == Truth::unknown) maybe = true;
    } else {
      if (s.applies == Truth::yes) yes = true;
      else if (s.applies == Truth::unknown) maybe = true;
    }
  }
  if (yes) d_.prior_auth = true;
  else if (!maybe) d_.prior_auth = false;
}

void CaseDecider::finish_requirements_and_grants() {
  const auto& docs = rs_.document_enum ? rs_.schema.enums[*rs_.document_enum].members : std::vector<std::string>{};
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = rules_[r];
    const CompiledRule& rule = p_.rules[r];
    if (!s.evaluated || s.applies != Truth::yes) continue;
    for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
      if (rule.criteria[i].kind != Req::document) continue;
      Truth t = s.criteria[i];
      d_.requirements.push_back({docs.at(rule.criteria[i].document),
                                 t == Truth::yes ? "present" : t == Truth::no ? "missing" : "unknown", rule.checked->display_id});
    }
    if (d_.decision == Decision::covered && s.decisive && rule.kind == RuleKind::coverage && !rule.source->grants.empty()) {
      Authorization a;
      for (const auto& g : rule.source->grants) {
        if (g.unit == "days") a.days = g.amount;
        else if (g.unit == "weeks") a.days = g.amount * 7;
        else if (g.unit == "months") a.months = g.amount;
        else a.units = g.amount;
      }
      auto length = [](const Authorization& x) { return x.months.value_or(0) * 31 + x.days.value_or(0); };
      if (!d_.authorization || length(a) > length(*d_.authorization)) d_.authorization = a;
    }
  }
}

void CaseDecider::finish_missing() {
  if (d_.decision != Decision::pend || !options_.trace) return;
  std::map<std::string, std::vector<std::string>> by_fact;
  std::vector<std::string> order;
  auto note = [&](const std::string& fact, const std::string& rule) {
    auto [it, inserted] = by_fact.try_emplace(fact);
    if (inserted) order.push_back(fact);
    if (std::find(it->second.begin(), it->second.end(), rule) == it->second.end()) it->second.push_back(rule);
  };
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = rules_[r];
    const CompiledRule& rule = p_.rules[r];
    if (!s.active || rule.kind == RuleKind::advice) continue;
    bool matters = s.evaluated && (s.decisive || (rule.route && s.applies == Truth::unknown));
    if (!matters) continue;
    const std::string& id = rule.checked->display_id;
    if (s.applies == Truth::unknown && s.when_trace) collect_missing(*s.when_trace, [&](const std::string& f) { note(f, id); });
    for (std::size_t i = 0; i < s.criteria.size(); ++i) {
      if (s.criteria[i] != Truth::unknown) continue;
      if (rule.criteria[i].kind == Req::document) {
        note(c_.field_path(rs_.schema, 0, *rs_.documents_field), id);
      } else if (s.criteria_trace[i]) {
        collect_missing(*s.criteria_trace[i], [&](const std::string& f) { note(f, id); });
      }
    }
  }
  for (const std::string& f : order) {
    auto rules = by_fact[f];
    std::sort(rules.begin(), rules.end());
    d_.missing.push_back({f, rules});
  }
}

void CaseDecider::finish_next_steps() {
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = rules_[r];
    const CompiledRule& rule = p_.rules[r];
    if (!s.evaluated) continue;
    if (s.decisive && !rule.direct) {
      for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
        if (s.criteria[i] == Truth::yes) continue;
        if (d_.decision != Decision::pend && s.criteria[i] == Truth::unknown) continue;
        const dsl::ast::Requirement& q = *rule.criteria[i].source;
        std::string step = next_step_for(expr_, rule, i, s.criteria[i], s.criteria_trace[i]);
        if (q.cite) step += fmt::format(" ({})", *q.cite);
        if (std::find(d_.next_steps.begin(), d_.next_steps.end(), step) == d_.next_steps.end()) d_.next_steps.push_back(step);
      }
    }
    if (s.applies == Truth::yes && rule.kind != RuleKind::advice)
      for (const auto& n : rule.source->next_steps) d_.next_steps.push_back(n.text);
  }
}

void CaseDecider::run_advice() {
  ctx_.decision = Value::make_indexed(Kind::enumeration, static_cast<std::uint32_t>(d_.decision));
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    RuleState& s = rules_[r];
    const CompiledRule& rule = p_.rules[r];
    if (!s.active || rule.kind != RuleKind::advice) continue;
    s.evaluated = true;
    s.applies = when_of(r);
    s.applies_done = true;
    if (s.applies != Truth::yes) continue;
    for (const auto& n : rule.source->next_steps)
      d_.next_steps.push_back(rule.source->cite ? fmt::format("{} ({})", n.text, *rule.source->cite) : n.text);
  }
}

void CaseDecider::build_trace() {
  if (!options_.trace) return;
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = rules_[r];
    const CompiledRule& rule = p_.rules[r];
    const dsl::Unit& unit = rs_.units[rule.unit];
    bool unit_in_force = s.active || (rule.from || rule.to);
    if (!unit_in_force && r < p_.rules.size()) {
      // Rules of versions and modules not in force are left out of the trace.
      bool unit_active = false;
      for (std::uint32_t k : unit.rules) unit_active |= rules_[k].active;
      if (!unit_active) continue;
    }
    RuleTrace t;
    t.rule = rule.checked->display_id;
    t.title = rule.source->title.value_or("");
    t.span = rule.source->span;
    switch (rule.kind) {
      case RuleKind::coverage: t.kind = "coverage"; break;
      case RuleKind::restriction: t.kind = "restriction"; break;
      case RuleKind::advice: t.kind = "advice"; break;
      case RuleKind::effect: t.kind = rule.route ? "route" : "effect"; break;
    }
    t.in_force = s.active;
    t.applied = s.active ? truth_name(s.applies_done ? s.applies : when_of(r)) : "false";
    t.when = s.when_trace;
    for (std::uint32_t o : rule.overridden_by)
      if (rules_[o].active && rules_[o].applies_done && rules_[o].applies != Truth::no && s.when != Truth::no)
        t.overridden_by.push_back(p_.rules[o].checked->display_id);
    for (std::uint32_t target : rule.checked->overrides)
      if (rules_[target].active && s.applies == Truth::yes && rules_[target].when != Truth::no)
        t.overrides.push_back(p_.rules[target].checked->display_id);
    if (!s.active) t.outcome = "not in force";
    else if (!s.evaluated || s.applies == Truth::no) t.outcome = "none";
    else if (rule.kind == RuleKind::advice) t.outcome = "advice";
    else if (s.has_outcome) t.outcome = s.lo == s.hi ? decision_name(s.lo) : fmt::format("{} or {}", decision_name(s.lo), decision_name(s.hi));
    else if (rule.route) t.outcome = "route " + rule.source->route->text;
    else t.outcome = rule.prior_auth ? "prior_auth" : "none";
    for (std::size_t i = 0; i < s.criteria.size(); ++i) {
      const dsl::ast::Requirement& q = *rule.criteria[i].source;
      CriterionTrace ct;
      ct.kind = q.kind == Req::document ? "document" : "criterion";
      ct.span = q.span;
      ct.cite = q.cite;
      if (q.kind == Req::document) {
        ct.text = q.document->text;
        ct.result = s.criteria[i] == Truth::yes ? "present" : s.criteria[i] == Truth::no ? "missing" : "unknown";
      } else {
        ct.text = std::string(expr_.text(rule.criteria[i].op));
        ct.result = truth_name(s.criteria[i]);
        ct.detail = s.criteria_trace[i];
      }
      t.criteria.push_back(std::move(ct));
    }
    if (rule.prior_auth && s.evaluated) {
      CriterionTrace ct;
      ct.kind = "prior_auth";
      ct.text = "prior authorization required";
      ct.result = "true";
      t.criteria.push_back(std::move(ct));
    }
    d_.trace.push_back(std::move(t));
  }
}

Evaluation CaseDecider::run() {
  Evaluation out;
  d_.case_id = c_.id;
  std::optional<std::int32_t> date = options_.as_of;
  if (!date && p_.dos_field) {
    const Value& dos = c_.field(0, *p_.dos_field);
    if (dos.kind == Kind::date) date = dos.date;
  }
  if (!date && p_.needs_evaluation_date) {
    d_.decision = Decision::pend;
    d_.basis = std::nullopt;
    d_.prior_auth = std::nullopt;
    d_.missing.push_back({"date_of_service", {}});
    d_.next_steps.push_back("provide date_of_service: the policies in force depend on it");
    out.determination = std::move(d_);
    return out;
  }
  ctx_.has_evaluation_date = date.has_value();
  ctx_.evaluation_date = date.value_or(0);
  std::vector<std::uint32_t> policies;
  std::vector<bool> unit_active(rs_.units.size(), false);
  for (std::uint32_t u = 0; u < rs_.units.size(); ++u) {
    const dsl::Unit& unit = rs_.units[u];
    bool active = !unit.effective || in_range(unit.effective->from, unit.effective->to, *date);
    unit_active[u] = active;
    if (active && unit.kind == dsl::ast::FileKind::policy) policies.push_back(u);
  }
  if (policies.size() != 1) {
    std::string loaded;
    for (const dsl::Unit& unit : rs_.units)
      if (unit.kind == dsl::ast::FileKind::policy)
        loaded += fmt::format("{}{} {} ({})", loaded.empty() ? "" : ", ", unit.id, unit.version, range_text(unit.effective));
    std::string when = date ? dsl::format_iso_date(*date) : "an undated case";
    dsl::Diagnostic& diag = policies.empty()
        ? out.errors.error("eval.no_policy_in_force", {}, fmt::format("no policy in force on {}", when))
        : out.errors.error("eval.several_policies_in_force", {}, fmt::format("{} policies in force on {}", policies.size(), when));
    diag.notes.push_back({std::nullopt, fmt::format("loaded: {}", loaded.empty() ? "no policy" : loaded)});
    if (c_.id) diag.notes.push_back({std::nullopt, fmt::format("case `{}`", *c_.id)});
    return out;
  }
  policy_ = policies.front();
  ctx_.policy_unit = policy_;
  for (std::uint32_t u = 0; u < rs_.units.size(); ++u) {
    if (!unit_active[u]) continue;
    const dsl::Unit& unit = rs_.units[u];
    d_.policies.push_back({unit.kind == dsl::ast::FileKind::policy ? "policy" : "module", unit.id, unit.version, unit.digest});
  }
  std::stable_sort(d_.policies.begin(), d_.policies.end(), [](const PolicyRef& a, const PolicyRef& b) { return a.kind > b.kind; });
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const CompiledRule& rule = p_.rules[r];
    rules_[r].active = unit_active[rule.unit] && (!date || in_range(rule.from, rule.to, *date));
  }
  route();
  outcomes();
  combine();
  finish_reasons();
  finish_prior_auth();
  finish_requirements_and_grants();
  finish_missing();
  finish_next_steps();
  run_advice();
  build_trace();
  for (const std::string& w : eval_warnings_) d_.warnings.push_back({{}, w});
  out.determination = std::move(d_);
  return out;
}

}  // namespace

Evaluation evaluate(const Program& program, const Case& c, const EvaluationOptions& options) {
  CaseDecider decider(program, c, options);
  return decider.run();
}

void validate_case(const Program& program, const Case& c, dsl::Diagnostics& diagnostics) {
  EvalContext ctx;
  ExprEvaluator expr(program, c, ctx);
  for (std::uint32_t r = 0; r < c.records.size(); ++r) {
    for (const auto& [record_type, op] : program.checks) {
      if (record_type != c.records[r].type) continue;
      expr.set_self_record(r);
      TraceNode root;
      Value v = expr.eval_traced(op, root);
      if (truth_of(v) != Truth::no) continue;
      // Point at the first case fact the check read.
      std::string fact;
      std::function<void(const TraceNode&)> first_fact = [&](const TraceNode& n) {
        if (!fact.empty()) return;
        if (!n.fact.empty()) fact = n.fact;
        for (const auto& ch : n.children) first_fact(ch);
      };
      first_fact(root);
      const dsl::ast::CheckDecl* decl = nullptr;
      for (const dsl::ast::CheckDecl* cd : program.schema().records[record_type].checks)
        if (!decl) decl = cd;
      std::size_t k = 0;
      for (const auto& [rt, o] : program.checks) {
        if (rt != record_type) continue;
        if (o == op) decl = program.schema().records[record_type].checks[k];
        ++k;
      }
      // The fact may sit in a nested record (`patient.birth_date` checked at the root).
      dsl::SourceSpan at = {};
      for (std::uint32_t rr = 0; rr < c.records.size() && !fact.empty() && at.file == dsl::no_file; ++rr) {
        const auto& fields = program.schema().records[c.records[rr].type].fields;
        for (std::uint32_t f = 0; f < fields.size(); ++f) {
          if (c.field_path(program.schema(), rr, f) == fact) at = c.slot_spans[c.records[rr].first_slot + f];
        }
      }
      diagnostics.error("case.check", at, fmt::format("{}: {}", fact.empty() ? c.record_path(program.schema(), r) : fact,
                                                      decl ? decl->message : "validation failed"));
    }
  }
}

}  // namespace covcheck::engine
