// `covcheck compare`: one case against several rule sets (one per payer) side by side —
// decision, prior authorization, benefit, authorization length, deciding reason, missing facts.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "engine/answer/determination.hpp"
#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

// `--set NAME=PATH[,PATH...]`: a named rule set (files or directories, like `check --rules`).
struct CompareSet {
  std::string name;
  std::vector<std::string> paths;
};

// Parses one `--set` value; nullopt and `error` set when it is malformed.
std::optional<CompareSet> parse_compare_set(const std::string& spec, std::string& error);

struct CompareOptions {
  std::vector<CompareSet> sets;
  std::string case_path;                   // `-` reads stdin
  bool json = false;
  std::optional<std::int32_t> as_of;
};

// One column of the comparison: a determination, or why the set could not decide the case
// (no policy, or several, in force on the case's date).
struct CompareRow {
  std::string name;
  std::vector<std::string> paths;
  std::optional<engine::Determination> determination;
  std::string default_message;             // the in-force policy's default, shown when it decided
  std::string error;                       // set when there is no determination
};

// Renderers, separate from the pipeline so unit tests can feed rows directly.
std::string render_compare_text(const std::vector<CompareRow>& rows);
std::string render_compare_json(const std::vector<CompareRow>& rows);

// Runs the comparison; output to `out`, diagnostics to `err`. Returns the exit status.
int run_compare(const CompareOptions& options, std::ostream& out, std::ostream& err);

// Registers the subcommand (compare_command.cpp).
Command add_compare_command(CLI::App& app);

}  // namespace covcheck::cli
