// Three-valued evaluation of compiled expressions against one case: Kleene logic,
// unknown for absent facts, bounds for counts, optional recording of a trace log.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/check/three_valued.hpp"
#include "engine/answer/determination.hpp"
#include "engine/cases/case.hpp"
#include "engine/compile/program.hpp"
#include "engine/eval/trace_log.hpp"

namespace covcheck::engine {

// What an expression may read besides the case: the evaluation date for dated code sets,
// the routed benefit, the decision (advice only), and the in-force policy for params.
struct EvalContext {
  std::int32_t evaluation_date = 0;
  bool has_evaluation_date = false;
  Value benefit;   // unknown while routing is undecided
  Value decision;  // set only while advice runs
  std::uint32_t policy_unit = 0;
  const dsl::SourceRegistry* sources = nullptr;
  std::vector<std::string>* warnings = nullptr;  // arithmetic overflow and the like
};

// Truth values and the Kleene tables over them: dsl/check/three_valued.hpp.
using dsl::Truth;
inline Truth truth_of(const Value& v) {
  if (v.kind == Kind::boolean) return dsl::truth(v.boolean);
  return Truth::unknown;
}
// What `is known` asks of a value: there is one, and it is not the routed benefit's "none"
// (no route applies: known, yet no benefit).
inline bool has_value(const Value& v) { return v.known() && !(v.kind == Kind::enumeration && v.index == no_member); }

class ExprEvaluator {
 public:
  ExprEvaluator(const Program& program, const Case& c, const EvalContext& context);
  // Points the evaluator at another case, keeping its scratch storage (batch evaluation
  // reuses one evaluator per thread, so evaluating allocates nothing).
  void reset(const Case& c) {
    case_ = &c;
    root_first_slot_ = c.records.empty() ? 0 : c.records[0].first_slot;
    self_record_ = 0;
    eager_ready_ = 0;
    forget_memos();
  }
  // Computes the eager conditions of Program::eager for this case: phase 0 once the
  // evaluation date is set, phase 1 once routing has set the benefit. Until then test()
  // evaluates those conditions lazily like any other.
  void run_eager(std::uint8_t phase);
  // Defines without parameters are evaluated once per case. Those that read the routed
  // benefit (Program::routing_memos) are forgotten once routing has set it.
  void forget_routing_memos() {
    for (std::uint32_t m : program_.routing_memos) memo_stamp_[m] = 0;
  }
  void forget_memos() {
    if (++memo_epoch_ == 0) {  // wrapped: no stale slot may match again
      std::fill(memo_stamp_.begin(), memo_stamp_.end(), 0u);
      memo_epoch_ = 1;
    }
  }

  Value eval(std::uint32_t op) {
    if (!log_) return eval_op(op, program_.ops[op]);
    return eval_recorded(op);
  }
  // A condition's truth: the same as truth_of(eval(op)), without building values for the
  // connectives and leaves of conditions when no trace is being recorded.
  Truth test(std::uint32_t op) {
    const TestForm& t = program_.tests[op];
    if (t.eager != no_op && t.phase < eager_ready_ && !log_) return eager_[t.eager];
    return test_lazily(op);
  }
  // Evaluates recording the trace into `log`; `root` is the entry of `op` (no_entry when
  // the op adds nothing to read: a constant, or a record on the way along a path).
  Value eval_logged(std::uint32_t op, TraceLog& log, std::uint32_t& root);
  // The recorded subtree at `at` as text: source, rendered values, input paths, notes; of a
  // quantifier's elements, those the log's element_limit lets it show, the rest counted.
  TraceNode materialize(const TraceLog& log, std::uint32_t at) const;
  // The input path of the fact the entry at `at` read (`treatments[1].adequate_dose`), or "".
  std::string fact_path(const TraceLog& log, std::uint32_t at) const;
  void append_fact_path(std::string& out, const TraceLog& log, std::uint32_t at) const;
  // Evaluates with a trace rooted at `root` (its children are the sub-expressions).
  Value eval_traced(std::uint32_t op, TraceNode& root);
  void set_self_record(std::uint32_t record) { self_record_ = record; }
  const Program& program() const { return program_; }

  std::string render_value(const Value& v, std::uint32_t enum_ref) const;
  std::string_view text(std::uint32_t op) const;
  std::string_view str(const Value& v) const;

 private:
  Value eval_op(std::uint32_t index, const Op& op);
  Value eval_recorded(std::uint32_t op);
  // Operands of comparisons: constants and stored fields read in place, the rest evaluated.
  Value operand(std::uint32_t index) {
    const Op& o = program_.ops[index];
    if (o.code == OpCode::constant) return o.imm;
    if (!log_ && o.derived == no_op) {
      if (o.code == OpCode::root_field) return case_->slots[case_->records[0].first_slot + o.b];
      if (o.code == OpCode::variable) return variables_[o.b];
      // A stored field of a stored root record: `plan.pain_benefit`.
      if (o.code == OpCode::field) {
        const Op& record = program_.ops[o.a];
        if (record.code == OpCode::root_field && record.derived == no_op) {
          const Value& r = case_->slots[case_->records[0].first_slot + record.b];
          return r.kind == Kind::record ? case_->slots[case_->records[r.index].first_slot + o.b] : Value{};
        }
      }
    }
    return eval(index);
  }
  // The fact a test form reads, in place: a stored field of the root, of a root record or
  // of a quantifier's element, or the routed benefit. An absent record on the way is unknown.
  const Value& fact(const TestForm& t) const {
    static constexpr Value absent{};
    if (t.base == FactBase::benefit) return context_.benefit;
    const Case& c = *case_;
    const Value* slots = c.slots.data() + root_first_slot_;
    if (t.base == FactBase::variable) {
      const Value& v = variables_[t.var];
      if (t.steps == 0) return v;
      if (v.kind != Kind::record) return absent;
      slots = c.slots.data() + c.records[v.index].first_slot;
    }
    const Value& first = slots[t.f1];
    if (t.steps == 1) return first;
    if (first.kind != Kind::record) return absent;
    return c.slots[c.records[first.index].first_slot + t.f2];
  }
  // Kleene's `any` over the elements of the list fact `t`: unknown when the list is absent.
  template <class ElementTest>
  Truth any_element(const TestForm& t, ElementTest element_test) {
    const Value& list = fact(t);
    if (list.kind != Kind::list) return Truth::unknown;
    const CaseList& l = case_->lists[list.index];
    bool undecided = false;
    for (std::uint32_t i = 0; i < l.count; ++i) {
      Truth e = element_test(case_->items[l.first + i]);
      if (e == dsl::decides(dsl::Connective::or_)) return e;
      undecided |= e == Truth::unknown;
    }
    return dsl::any_of(false, undecided);
  }
  Truth test_lazily(std::uint32_t index);
  Truth test_fact(std::uint32_t index, const TestForm& t);
  Truth test_general(std::uint32_t index);
  Value define_value(const Op& op);
  Truth connective(const Op& op);
  Truth presence(const Op& op);
  Value read_field(std::uint32_t record, std::uint32_t field, std::uint32_t derived);
  // A stored field, noting in the trace (when recording) which fact was read.
  Value stored_field(std::uint32_t record, std::uint32_t field) {
    const Value& v = case_->slots[case_->records[record].first_slot + field];
    if (log_) {
      TraceEntry& e = log_->entries[cur_];
      e.fact = TraceEntry::Fact::field;
      e.fact_record = record;
      e.fact_field = field;
      e.absent = !v.known();
    }
    return v;
  }
  // Recording a quantifier's elements: each gets an entry (returned by begin_element), pruned
  // when it finishes past the first element_limit of its outcome (leave_out, in
  // expr_eval_trace.cpp, which opens the quantifier's tally).
  std::uint32_t begin_element(const Op& op, std::uint32_t list, std::uint32_t index, const Value& element) {
    TraceLog& log = *log_;
    const auto at = static_cast<std::uint32_t>(log.entries.size());
    TraceEntry& e = log.entries.emplace_back();
    e.op = static_cast<std::uint32_t>(&op - program_.ops.data());
    e.element = true;
    e.side_at = static_cast<std::uint32_t>(log.elements.size());
    log.elements.push_back({list, index, element.kind == Kind::record ? element.index : no_parent, Value{}});
    cur_ = at;
    return at;
  }
  // The element `index` of the list; `yes` and `undecided` count the elements before it
  // that held and that stayed undecided.
  void finish_element(std::uint32_t at, std::uint32_t quantifier_at, const Value& outcome, const Value& key,
                      std::uint32_t index, std::int64_t yes, std::int64_t undecided) {
    TraceLog& log = *log_;
    cur_ = quantifier_at;
    TraceEntry& e = log.entries[at];
    e.value = outcome;
    e.end = static_cast<std::uint32_t>(log.entries.size());
    if (index >= log.element_limit) {  // the first element_limit are kept whatever they came to
      const std::uint8_t o = outcome_index(outcome);
      const std::int64_t seen = o == outcome_yes ? yes : o == outcome_unknown ? undecided : index - yes - undecided;
      if (seen >= log.element_limit) return leave_out(at, quantifier_at, o);
    }
    log.elements[e.side_at].key = key;
  }
  void leave_out(std::uint32_t at, std::uint32_t quantifier_at, std::uint8_t outcome);
  // A quantifier that pruned elements keeps its counts by outcome in its tally.
  void close_tally(std::uint32_t quantifier_at, std::int64_t yes, std::int64_t undecided, std::uint32_t elements) {
    const std::uint32_t at = log_->entries[quantifier_at].side_at;
    if (at == 0) return;
    ElementTally& tally = log_->tallies[at - 1];
    tally.count[outcome_yes] = static_cast<std::uint32_t>(yes);
    tally.count[outcome_unknown] = static_cast<std::uint32_t>(undecided);
    tally.count[outcome_no] = static_cast<std::uint32_t>(elements - yes - undecided);
  }
  ElementReason reason_text(std::uint32_t op, std::uint8_t truth) const;
  void materialize_elements(const TraceLog& log, std::uint32_t at, TraceNode& node) const;
  Value compare(const Op& op, const Value& a, const Value& b);
  Value arithmetic(const Op& op, const Value& a, const Value& b);
  Value overflowed(const Op& op);
  Value quantify(const Op& op);
  Truth in_codeset(std::uint32_t set, const Value& item) const;
  Value equal(const Value& a, const Value& b) const;
  std::string element_path(const Value& element, std::uint32_t list, std::uint32_t index) const;

  // Keys of `count distinct`, as (kind, payload) values; strings compare by content.
  struct KeyScratch {
    std::vector<Value> certain, possible;
  };
  void dedupe_keys(std::vector<Value>& keys) const;

  const Program& program_;
  const Case* case_;
  const EvalContext& context_;
  std::vector<Value> variables_;
  std::vector<Value> memo_values_;  // by define, valid where memo_stamp_ == memo_epoch_
  std::vector<std::uint32_t> memo_stamp_;
  std::uint32_t memo_epoch_ = 1;
  std::vector<Truth> eager_;  // by TestForm::eager slot, valid for phases < eager_ready_
  std::uint8_t eager_ready_ = 0;
  std::uint32_t root_first_slot_ = 0;    // records[0].first_slot of the current case
  std::vector<KeyScratch> key_scratch_;  // one per nesting level of count distinct
  std::size_t key_depth_ = 0;
  std::uint32_t self_record_ = 0;
  TraceLog* log_ = nullptr;       // set while recording a trace
  std::uint32_t cur_ = no_entry;  // the entry whose children are being recorded
};

}  // namespace covcheck::engine
