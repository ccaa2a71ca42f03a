// The pipeline as two library calls that every command shares (check, test, batch, serve,
// diff, compare): build a program from rule paths; decide one registered case file.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/diagnostics.hpp"
#include "engine/determination.hpp"
#include "engine/evaluate.hpp"
#include "engine/program.hpp"

namespace covcheck::engine::fhir {
class Terminology;
}

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

// How a case file is read. A `.json` file (or a body sent as application/json) is strict
// JSON, read by the simdjson loader of `batch`: trailing commas, comments, single quotes
// and the rest of YAML's leniency are syntax errors at their line:col. Both syntaxes share
// the schema walk, so a case's schema diagnostics do not depend on its syntax.
enum class CaseSyntax { by_name, yaml, json };

// `by_name` resolved: json for a name ending in `.json` (any case), yaml otherwise.
CaseSyntax case_syntax_of(std::string_view file_name);

// Loads, validates and evaluates one case file already registered in `sources`; the
// loader's warnings are copied into the determination's `warnings`. A JSON document with a
// top-level `resourceType` is FHIR (engine/fhir/bundle_reader.hpp), read through `fhir_map`
// (null: the shipped tables), whatever `syntax` says.
CaseResult decide_case(const Program& program, const dsl::SourceRegistry& sources, dsl::FileId case_file,
                       EvaluationOptions options, CaseSyntax syntax = CaseSyntax::by_name,
                       const fhir::Terminology* fhir_map = nullptr);

}  // namespace covcheck::engine
