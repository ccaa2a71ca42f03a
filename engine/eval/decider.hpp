// The decision procedure every evaluation shares: the versions and rules in force, routing,
// applicability with overrides, each rule's criteria in three-valued logic, the decision
// lattice, reasons and prior authorization. It works over scratch arrays reused from case
// to case; evaluate() turns its state into a Determination, QuickDecider copies the answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/answer/determination.hpp"
#include "engine/cases/case.hpp"
#include "engine/compile/program.hpp"
#include "engine/eval/checklist_words.hpp"
#include "engine/eval/expr_eval.hpp"

namespace covcheck::engine {

struct RuleState {
  bool active = false;  // in force on the evaluation date
  bool when_done = false;
  bool applies_done = false;
  bool evaluated = false;    // its criteria were evaluated (it may apply)
  bool has_outcome = false;  // it decides something (coverage, restriction, direct effect)
  bool decisive = false;
  Truth when = Truth::yes;
  Truth applies = Truth::no;                                // after overrides
  Decision lo = Decision::covered, hi = Decision::covered;  // its possible outcomes
};

enum class DecideStatus { decided, undated, no_policy, several_policies };

class Decider {
 public:
  explicit Decider(const Program& program);
  Decider(const Decider&) = delete;
  Decider& operator=(const Decider&) = delete;

  // Decides `c` (which must outlive the use of this state). With `record_traces`, every
  // evaluated condition keeps its trace for explanations.
  DecideStatus decide(const Case& c, std::optional<std::int32_t> as_of, bool record_traces);
  // Advice rules, evaluated after the decision with `decision` known (evaluate() only).
  void run_advice();
  // A rule's own condition (evaluated on first use).
  Truth when_of(std::uint32_t r) {
    RuleState& s = state_[r];
    if (!s.when_done) {
      s.when_done = true;
      const std::uint32_t op = when_op_[r];
      s.when = op == no_op ? Truth::yes : test(op, when_at_[r]);
    }
    return s.when;
  }

  // Source text for traces and next steps (the registry holding the rule files).
  void set_sources(const dsl::SourceRegistry* sources) { ctx_.sources = sources; }
  const Program& program() const { return p_; }
  ExprEvaluator& expr() { return expr_; }
  const RuleState& rule(std::uint32_t r) const { return state_[r]; }
  Truth criterion(std::uint32_t r, std::size_t i) const { return criteria_[crit_first_[r] + i]; }
  // A dated criterion outside its range on the evaluation date is not applied (counted as met).
  bool criterion_in_force(std::uint32_t r, std::size_t i) const;
  // The recorded traces of a rule's condition and criteria, as text (when recorded).
  std::optional<TraceNode> when_trace(std::uint32_t r) const { return node(when_at_[r]); }
  std::optional<TraceNode> criterion_trace(std::uint32_t r, std::size_t i) const {
    return node(criteria_at_[crit_first_[r] + i]);
  }
  // The same as entries of trace_log() (no_entry when not recorded), for reading without text.
  std::uint32_t when_entry(std::uint32_t r) const { return record_ ? when_at_[r] : no_entry; }
  std::uint32_t criterion_entry(std::uint32_t r, std::size_t i) const {
    return record_ ? criteria_at_[crit_first_[r] + i] : no_entry;
  }
  const TraceLog& trace_log() const { return log_; }
  // The checklist's words that depend on the program alone, made on first use.
  const ChecklistWords& checklist_words() {
    if (!words_) words_ = make_checklist_words(p_);
    return *words_;
  }
  // Elements of each quantifier a recorded trace keeps and shows (every_trace_element: all).
  void set_trace_elements(std::uint32_t n) { log_.element_limit = n; }
  bool traced() const { return record_; }

  std::optional<std::int32_t> evaluation_date() const { return date_; }
  std::uint32_t policy_unit() const { return policy_; }
  std::size_t policies_in_force() const { return policies_; }
  bool unit_active(std::uint32_t u) const { return unit_active_[u]; }

  Decision decision() const { return lo_ == hi_ ? lo_ : Decision::pend; }
  Decision lowest() const { return lo_; }
  Decision highest() const { return hi_; }
  Decision coverage_lowest() const { return cov_lo_; }
  bool basis_rules() const { return any_decisive_; }
  std::optional<bool> prior_auth() const { return prior_auth_; }
  std::uint32_t benefit() const { return benefit_; }  // a member, or no_member
  // Benefits of routes that definitely apply, sorted; more than one is a conflict.
  const std::vector<std::uint32_t>& routed() const { return definite_; }
  // Rules that are reasons (they apply and decide, route or require prior authorization), in id order.
  const std::vector<std::uint32_t>& reasons() const { return reasons_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  Truth applies(std::uint32_t r) {
    RuleState& s = state_[r];
    if (s.applies_done) return s.applies;
    if (overridable_[r]) return applies_overridden(r);
    s.applies = when_of(r);
    s.applies_done = true;
    return s.applies;
  }
  Truth applies_overridden(std::uint32_t r);
  Truth test(std::uint32_t op, std::uint32_t& trace_at) {
    if (!record_) return expr_.test(op);
    return truth_of(expr_.eval_logged(op, log_, trace_at));
  }
  std::optional<TraceNode> node(std::uint32_t at) const {
    if (!record_ || at == no_entry) return std::nullopt;
    return expr_.materialize(log_, at);
  }
  void route();
  void outcomes();
  void combine();
  void reasons_and_prior_auth();

  const Program& p_;
  const dsl::CheckedRuleSet& rs_;
  Case empty_case_;
  EvalContext ctx_;
  ExprEvaluator expr_;
  const Case* case_ = nullptr;
  bool record_ = false;
  std::optional<std::int32_t> date_;
  std::vector<RuleState> state_;
  std::vector<Truth> criteria_;  // rule r's criteria at crit_first_[r]
  std::vector<std::uint32_t> crit_first_;
  TraceLog log_;                        // filled only when recording
  std::vector<std::uint32_t> when_at_;  // entries of log_, or no_entry
  std::vector<std::uint32_t> criteria_at_;
  std::vector<std::uint32_t> when_op_;     // each rule's condition op (no_op: always)
  std::vector<std::uint8_t> overridable_;  // the rule has overriders
  // What outcomes() does with a rule that applies: an advice rule waits for run_advice();
  // a direct effect without criteria decides it; a rule that only routes or requires prior
  // authorization decides nothing; the rest weigh their criteria.
  enum class Shape : std::uint8_t { general, advice, direct, no_outcome };
  std::vector<Shape> shape_;
  std::vector<Decision> direct_;  // Shape::direct: the rule's effect
  std::vector<std::uint32_t> rule_unit_;
  std::vector<std::uint32_t> route_rules_;
  std::vector<std::uint32_t> routing_overriders_;  // non-route rules that routing may evaluate
  std::vector<std::uint32_t> definite_, possible_;
  std::vector<std::uint32_t> reasons_;
  std::vector<std::uint32_t> evaluated_;  // rules whose criteria were evaluated, in order
  std::vector<bool> unit_active_;
  std::vector<std::string> warnings_;
  bool any_rule_dated_ = false;
  std::uint32_t policy_ = 0;
  std::size_t policies_ = 0;
  std::uint32_t benefit_ = no_member;
  Decision lo_ = Decision::covered, hi_ = Decision::covered, cov_lo_ = Decision::covered, cov_hi_ = Decision::covered;
  bool any_decisive_ = false;
  std::optional<bool> prior_auth_;
  std::optional<ChecklistWords> words_;
};

}  // namespace covcheck::engine
