// Compiling a checked rule set into the resolved program the evaluator runs: paths to
// slots, code sets to interval tables, defines inlined, no name lookups left.
#pragma once

#include <memory>

#include "dsl/check/checked.hpp"
#include "engine/compile/program.hpp"

namespace covcheck::engine {

std::shared_ptr<const Program> compile(std::unique_ptr<dsl::CheckedRuleSet> checked);

}  // namespace covcheck::engine
