// Planning how conditions are tested without a trace: the shape of each condition op
// (Program::tests), which defines depend on routing, and which conditions are computed
// eagerly for every case (Program::eager).
#pragma once

#include "engine/compile/program.hpp"

namespace covcheck::engine {

// Fills program.tests, program.routing_memos and program.eager from program.ops.
void plan_conditions(Program& program);

}  // namespace covcheck::engine
