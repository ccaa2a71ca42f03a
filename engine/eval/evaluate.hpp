// Evaluating one case against a compiled program: in-force versions, routing,
// applicability with overrides, three-valued criteria, the decision lattice, advice.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "engine/answer/determination.hpp"
#include "engine/cases/case.hpp"
#include "engine/compile/program.hpp"

namespace covcheck::engine {

struct EvaluationOptions {
  std::optional<std::int32_t> as_of;  // replaces date_of_service for effective ranges
  bool trace = true;                  // build the explanation trace (Determination::trace); implies `explain`
  bool explain = true;  // derive `missing` and undecided next steps (pending cases are decided again with traces)
  // Build the checklist (Determination::checklist): records the conditions' traces, for its
  // evidence and missing facts, whatever `trace` says.
  bool checklist = true;
  // When given, traces carry each sub-expression's source text and next steps quote it.
  const dsl::SourceRegistry* sources = nullptr;
  // Elements the trace shows per quantifier (every_trace_element: all of them, for audits);
  // the rest are counted by outcome. `missing` and next steps read every element either way.
  std::uint32_t trace_elements = default_trace_elements;
};

// `--trace-elements` and the server's `trace_elements`: a count, or `all`; nullopt otherwise.
std::optional<std::uint32_t> parse_trace_elements(std::string_view text);

struct Evaluation {
  std::optional<Determination> determination;  // absent when the case cannot be decided
  dsl::Diagnostics errors;                     // e.g. no policy in force on the date (exit 4)
};

class Decider;
Evaluation evaluate(const Program& program, const Case& c, const EvaluationOptions& options);
// The same with a decider reused from case to case (batch workers, server threads).
Evaluation evaluate(Decider& decider, const Case& c, const EvaluationOptions& options);

// Runs the schema's `check` validations; definite failures are errors (or, for `else
// warning` checks, warnings) at the first field the condition reads, at most one per value.
// Runs on a case read through with refused values too: checks over them are unknown, skipped.
void validate_case(const Program& program, const Case& c, dsl::Diagnostics& diagnostics);

// The decision without its explanation: what `batch --compact` prints. Equal, field for
// field, to the same parts of evaluate()'s Determination.
struct QuickDetermination {
  Decision decision = Decision::pend;
  bool dated = true;         // false: basis null (the case could not be dated)
  bool basis_rules = false;  // basis "rules" (else "default")
  std::optional<bool> prior_auth;
  std::uint32_t benefit = no_member;   // a member of the `benefit` enumeration, or none
  std::vector<std::uint32_t> reasons;  // rule indexes, in the order of Determination::reasons
};

// Decides cases one after another with no per-case allocation once warmed up: state lives
// in scratch arrays reused from case to case, and no trace or text is built. One per thread;
// the Program is shared. Cases it cannot decide (no policy, or several, in force) return
// false: the caller runs evaluate() for the error.
class QuickDecider {
 public:
  explicit QuickDecider(const Program& program);
  ~QuickDecider();
  QuickDecider(const QuickDecider&) = delete;
  QuickDecider& operator=(const QuickDecider&) = delete;

  bool decide(const Case& c, std::optional<std::int32_t> as_of, QuickDetermination& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace covcheck::engine
