// Evaluating one case against a compiled program: in-force versions, routing,
// applicability with overrides, three-valued criteria, the decision lattice, advice.
#pragma once

#include <cstdint>
#include <optional>

#include "dsl/diagnostics.hpp"
#include "engine/case.hpp"
#include "engine/determination.hpp"
#include "engine/program.hpp"

namespace covcheck::engine {

struct EvaluationOptions {
  std::optional<std::int32_t> as_of;  // replaces date_of_service for effective ranges
  bool trace = true;                  // record the explanation trace (and derive `missing`)
  // When given, traces carry each sub-expression's source text and next steps quote it.
  const dsl::SourceRegistry* sources = nullptr;
};

struct Evaluation {
  std::optional<Determination> determination;  // absent when the case cannot be decided
  dsl::Diagnostics errors;                     // e.g. no policy in force on the date (exit 4)
};

Evaluation evaluate(const Program& program, const Case& c, const EvaluationOptions& options);

// Runs the schema's `check` validations; definite failures are errors at the field read.
void validate_case(const Program& program, const Case& c, dsl::Diagnostics& diagnostics);

}  // namespace covcheck::engine
