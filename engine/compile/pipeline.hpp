// Building a program from rule paths: load, check, compile, stopping at the first stage that
// reports an error. Cases are then decided through a DecisionSession (session.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "engine/compile/program.hpp"

namespace covcheck::engine {

enum class RuleSetStatus { ok, unreadable, does_not_compile };

struct RuleSetBuild {
  std::shared_ptr<const Program> program;  // null unless status is ok
  RuleSetStatus status = RuleSetStatus::ok;
};

// Loads, checks and compiles. Warnings and errors go to `diagnostics`.
RuleSetBuild build_rule_set(const std::vector<std::string>& paths, dsl::SourceRegistry& sources,
                            dsl::Diagnostics& diagnostics);

}  // namespace covcheck::engine
