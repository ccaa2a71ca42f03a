// The compiled program printed for `covcheck dump --stage program`.
#pragma once

#include <string>

#include "dsl/source/source.hpp"
#include "engine/compile/program.hpp"

namespace covcheck::engine {

// Ops, code sets, rules, checks and slots, one line each, with the source text of each op.
std::string dump_program(const Program& program, const dsl::SourceRegistry& sources);

}  // namespace covcheck::engine
