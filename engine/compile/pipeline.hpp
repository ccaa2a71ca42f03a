// Building a program from rule paths: load, check, compile, stopping at the first stage that
// reports an error. Cases are then decided through a DecisionSession (session.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/rule_files.hpp"
#include "engine/compile/program.hpp"

namespace covcheck::engine {

enum class RuleSetStatus { ok, unreadable, does_not_compile };

struct RuleSetBuild {
  std::shared_ptr<const Program> program;  // null unless status is ok
  RuleSetStatus status = RuleSetStatus::ok;
};

// Loads, checks and compiles. Warnings and errors go to `diagnostics`. `overlay`: texts read
// instead of files (a rule set given as a string, from Python), or, with
// `RuleTree::overlay_only`, the only files there are (a rule bundle in memory).
RuleSetBuild build_rule_set(const std::vector<std::string>& paths, dsl::SourceRegistry& sources,
                            dsl::Diagnostics& diagnostics, const dsl::SourceOverlay* overlay = nullptr,
                            dsl::RuleTree tree = dsl::RuleTree::disk);

}  // namespace covcheck::engine
