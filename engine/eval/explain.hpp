// Explanations derived from an evaluation: the missing facts under an undecided
// sub-expression, and in plain words what failed or stays undecided in a criterion (its
// next step, its checklist sentence). No CPL text: facts are named by plain_words.hpp.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "engine/answer/determination.hpp"
#include "engine/compile/program.hpp"
#include "engine/eval/expr_eval.hpp"

namespace covcheck::engine {

// Calls `found` with the input path of every absent fact that kept the recorded subtree at
// `at` undecided (undecided_reads in trace_log.hpp), elements the trace leaves out included.
void collect_missing(const ExprEvaluator& evaluator, const TraceLog& log, std::uint32_t at,
                     const std::function<void(const std::string&)>& found);

// The input path an op reads when it is a path from the case root (`patient.age`), "" when
// it is not (a list element's field, an expression): for derived facts, which record no fact.
std::string op_fact_path(const Program& program, std::uint32_t op);

// What a criterion asks, as its author worded it: its `else` message, else "Document:
// letter of medical necessity", else the rule's title.
std::string criterion_label(const Program& program, const CompiledRule& rule, std::size_t criterion);

// Why a criterion is not met or undecided, in words, from its recorded trace at `at` in
// `log` (no_entry when not recorded): "Request: prescriber specialty is psychiatric nurse
// practitioner; psychiatry is required", "Treatment 2 (duloxetine): adequate dose not stated".
// "" when nothing more specific than the label can be said.
std::string criterion_detail(ExprEvaluator& evaluator, const Case& c, const CompiledRule& rule, std::size_t criterion,
                             Truth result, const TraceLog& log, std::uint32_t at);

// The next step for a failed or undecided criterion: its label and detail as one sentence.
std::string next_step_for(ExprEvaluator& evaluator, const Case& c, const CompiledRule& rule, std::size_t criterion,
                          Truth result, const TraceLog& log, std::uint32_t at);

}  // namespace covcheck::engine
