// `covcheck batch`: many cases (JSON Lines or a YAML stream) through one rule set, one
// JSON line out per record in input order, a summary on stderr.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "engine/batch/batch.hpp"
#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

struct BatchCommandOptions {
  std::vector<std::string> rules;
  std::string cases = "-";                    // `-` reads stdin
  std::string out = "-";                      // `-` writes stdout
  std::optional<engine::InputFormat> format;  // nullopt: by extension (`.yaml`/`.yml`: YAML; else JSON Lines)
  engine::OutputMode mode = engine::OutputMode::full;
  unsigned threads = 0;  // 0: the machine's hardware concurrency
  std::optional<std::int32_t> as_of;
  std::uint32_t trace_elements = engine::default_trace_elements;  // with --trace
  bool progress = false;                                          // a progress line on stderr (when it is a terminal)
  std::string fhir_map;  // `--fhir-map DIR`: FHIR tables replacing or adding to the shipped ones
};

// Runs the batch; diagnostics and the summary go to `err`. Returns the exit status: 0, 2
// (usage, or reading or writing failed) or 3 (the rule set does not compile).
int run_batch_command(const BatchCommandOptions& options, std::ostream& err);

Command add_batch_command(CLI::App& app);

}  // namespace covcheck::cli
