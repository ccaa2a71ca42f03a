// Explanations derived from an evaluation: the missing facts under an undecided
// sub-expression, and the next step that would change a failed or undecided criterion.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "engine/determination.hpp"
#include "engine/expr_eval.hpp"
#include "engine/program.hpp"

namespace covcheck::engine {

// Calls `found` with the input path of every absent fact that kept `node` undecided.
void collect_missing(const TraceNode& node, const std::function<void(const std::string&)>& found);

// "Two adequate trials are required: found 1 `treatments` matching `adequate_trial(t)`; 1 more needed".
std::string next_step_for(ExprEvaluator& evaluator, const CompiledRule& rule, std::size_t criterion, Truth result,
                          const std::optional<TraceNode>& trace);

}  // namespace covcheck::engine
