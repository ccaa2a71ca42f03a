// The pipeline as two library calls that every command shares (check, test, batch, serve,
// diff, compare): build a program from rule paths; decide one registered case file.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsl/diagnostics.hpp"
#include "engine/determination.hpp"
#include "engine/evaluate.hpp"
#include "engine/program.hpp"

namespace covcheck::engine {

enum class RuleSetStatus { ok, unreadable, does_not_compile };

struct RuleSetBuild {
  std::shared_ptr<const Program> program;  // null unless status is ok
  RuleSetStatus status = RuleSetStatus::ok;
};

// Loads, checks and compiles. Warnings and errors go to `diagnostics`.
RuleSetBuild build_rule_set(const std::vector<std::string>& paths, dsl::SourceRegistry& sources,
                            dsl::Diagnostics& diagnostics);

struct CaseResult {
  std::optional<Determination> determination;  // absent when the case failed to load, validate or be decided
  dsl::Diagnostics diagnostics;                 // loading, validation and evaluation (errors and warnings)
};

// Loads, validates and evaluates one case file already registered in `sources`; the
// loader's warnings are copied into the determination's `warnings`.
CaseResult decide_case(const Program& program, const dsl::SourceRegistry& sources, dsl::FileId case_file,
                       EvaluationOptions options);

}  // namespace covcheck::engine
