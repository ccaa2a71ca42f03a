// `covcheck check`: one case through the whole pipeline (a DecisionSession), rendered as
// text, JSON or the printable HTML summary; with JSON, a case that gets no answer is a JSON error object too.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "engine/answer/determination.hpp"
#include "engine/compile/pipeline.hpp"

namespace covcheck::cli {

// Exit statuses of the CLI contract; when several apply the lowest wins.
enum ExitCode : int { exit_ok = 0, exit_fail_on = 1, exit_usage = 2, exit_rules = 3, exit_case = 4 };

struct CheckOptions {
  std::vector<std::string> rules;
  std::string case_path;    // `-` reads stdin
  std::string case_format;  // a case reader's name; empty: by the file name (`.json` is JSON, else YAML)
  bool json = false;
  bool html = false;  // the printable summary (render_html); errors stay on stderr as text
  std::optional<std::int32_t> as_of;
  std::vector<engine::Decision> fail_on;
  bool trace = true;
  std::uint32_t trace_elements = engine::default_trace_elements;  // list elements shown per quantifier
  std::string fhir_map;  // `--fhir-map DIR`: FHIR mapping tables replacing or adding to the shipped ones
  // `--questionnaire`: print the FHIR Questionnaire for the facts the decision waits for
  // (docs/cds-hooks.md) instead of the answer.
  bool questionnaire = false;
};

// A case file's name and bytes (`-`: stdin, named `<stdin>`).
struct CaseText {
  std::string name;
  std::string text;
};
// Reads the case file up front (a missing one is an `io.*` error: exit 2, which must win
// over a rule set that does not compile); `check` and `replay` share it.
std::optional<CaseText> read_case_file(const std::string& path, dsl::Diagnostics& diagnostics);

// Runs the pipeline; output goes to `out`, diagnostics to `err`. Returns the exit status.
int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err);

// `--fail-on pend,denied`: nullopt (a usage error) for anything outside pend, denied, excluded.
std::optional<std::vector<engine::Decision>> parse_fail_on(const std::string& list);

}  // namespace covcheck::cli
