// `batch`: many cases through one compiled program. Records stream in (JSON Lines or a YAML
// stream), N workers decide them against the shared immutable Program, and results stream
// out as JSON Lines in input order, one line per record (an error record when a case cannot
// be loaded or decided). Memory is bounded by a fixed window of chunks in flight.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "dsl/source/source.hpp"
#include "engine/answer/determination.hpp"
#include "engine/batch/batch_reader.hpp"
#include "engine/compile/program.hpp"
#include "engine/session/rule_source.hpp"

namespace covcheck::engine {

namespace fhir {
class Terminology;
}

enum class OutputMode { full, trace, compact };

struct BatchOptions {
  InputFormat format = InputFormat::jsonl;
  OutputMode mode = OutputMode::full;
  unsigned threads = 1;
  std::optional<std::int32_t> as_of;
  std::uint32_t trace_elements = default_trace_elements;  // OutputMode::trace: elements shown per quantifier
  std::string input_name = "<stdin>";                     // names record locations: `cases.jsonl:12:5`
  std::size_t chunk_size = 256 * 1024;
  // The FHIR mapping tables bundle records are read through (`--fhir-map`), owned by the
  // caller; null: the shipped ones (DecisionSession).
  const fhir::Terminology* fhir_map = nullptr;
};

struct BatchProgress {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;  // input consumed so far
  double seconds = 0;
};

struct BatchSummary {
  std::uint64_t records = 0;
  std::uint64_t errors = 0;
  std::array<std::uint64_t, 4> by_decision{};  // indexed by Decision: covered, pend, denied, excluded
  double seconds = 0;
  std::string input_error;   // reading failed (exit 2)
  std::string output_error;  // writing failed (exit 2)
};

// Runs the batch from `in_fd` to `out_fd`. `rule_sources` is the registry the program was
// built with (rule files only); each worker keeps its own copy so that records with
// diagnostics can be located without sharing a registry across threads. `progress`, when
// set, is called from the calling thread about twice a second.
BatchSummary run_batch(const RuleSource& program, const dsl::SourceRegistry& rule_sources, int in_fd, int out_fd,
                       const BatchOptions& options, const std::function<void(const BatchProgress&)>& progress = {});
inline BatchSummary run_batch(const Program& program, const dsl::SourceRegistry& rule_sources, int in_fd, int out_fd,
                              const BatchOptions& options,
                              const std::function<void(const BatchProgress&)>& progress = {}) {
  return run_batch(RuleSource::of(program), rule_sources, in_fd, out_fd, options, progress);
}

}  // namespace covcheck::engine
