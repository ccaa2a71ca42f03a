// Explanations derived from an evaluation: the missing facts under an undecided
// sub-expression, and the next step that would change a failed or undecided criterion.
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

// "Two adequate trials are required: found 1 `treatments` matching `adequate_trial(t)`; 1 more needed".
// `at` is the criterion's recorded trace in `log` (no_entry when it was not recorded).
std::string next_step_for(ExprEvaluator& evaluator, const CompiledRule& rule, std::size_t criterion, Truth result,
                          const TraceLog& log, std::uint32_t at);

}  // namespace covcheck::engine
