// Three-valued evaluation of compiled expressions against one case: Kleene logic,
// unknown for absent facts, bounds for counts, optional recording of a trace tree.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/case.hpp"
#include "engine/determination.hpp"
#include "engine/program.hpp"
#include "engine/trace_log.hpp"

namespace covcheck::engine {

// What an expression may read besides the case: the evaluation date for dated code sets,
// the routed benefit, the decision (advice only), and the in-force policy for params.
struct EvalContext {
  std::int32_t evaluation_date = 0;
  bool has_evaluation_date = false;
  Value benefit;                   // unknown while routing is undecided
  Value decision;                  // set only while advice runs
  std::uint32_t policy_unit = 0;
  const dsl::SourceRegistry* sources = nullptr;
  std::vector<std::string>* warnings = nullptr;  // arithmetic overflow and the like
};

enum class Truth : std::uint8_t { no, yes, unknown };
Truth truth_of(const Value& v);

class ExprEvaluator {
 public:
  ExprEvaluator(const Program& program, const Case& c, const EvalContext& context);
  // Points the evaluator at another case, keeping its scratch storage (batch evaluation
  // reuses one evaluator per thread, so evaluating allocates nothing).
  void reset(const Case& c) {
    case_ = &c;
    self_record_ = 0;
    forget_memos();
  }
  // Defines without parameters are evaluated once per case; their values depend on the
  // context's benefit and decision too, so the decider forgets them when those change.
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
  // Evaluates recording the trace into `log`; `root` is the entry of `op` (no_entry when
  // the op adds nothing to read: a constant, or a record on the way along a path).
  Value eval_logged(std::uint32_t op, TraceLog& log, std::uint32_t& root);
  // The recorded subtree at `at` as text: source, rendered values, input paths, notes.
  TraceNode materialize(const TraceLog& log, std::uint32_t at) const;
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
  Value read_field(std::uint32_t record, std::uint32_t field, std::uint32_t derived);
  std::string fact_path(const TraceLog& log, std::uint32_t at) const;
  Value compare(const Op& op, const Value& a, const Value& b);
  Value arithmetic(const Op& op, const Value& a, const Value& b);
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
  std::vector<Value> memo_values_;        // by define, valid where memo_stamp_ == memo_epoch_
  std::vector<std::uint32_t> memo_stamp_;
  std::uint32_t memo_epoch_ = 1;
  std::vector<KeyScratch> key_scratch_;  // one per nesting level of count distinct
  std::size_t key_depth_ = 0;
  std::uint32_t self_record_ = 0;
  TraceLog* log_ = nullptr;     // set while recording a trace
  std::uint32_t cur_ = no_entry; // the entry whose children are being recorded
};

}  // namespace covcheck::engine
