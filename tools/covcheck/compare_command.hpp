// `covcheck compare`: one case against several rule sets (one per payer) side by side —
// decision, prior authorization, benefit, authorization length, deciding reason, missing facts.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "engine/answer/determination.hpp"
#include "engine/session/compare.hpp"
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
  std::string registry_dir;         // `--rules DIR` with DIR/payers.yaml: every payer, or `payers`
  std::vector<std::string> payers;  // `--payers a,b`: registry entry ids
  std::string case_path;            // `-` reads stdin
  bool json = false;
  std::optional<std::int32_t> as_of;
};

using engine::CompareRow;
using engine::render_compare_json;
using engine::render_compare_text;

// Runs the comparison; output to `out`, diagnostics to `err`. Returns the exit status.
int run_compare(const CompareOptions& options, std::ostream& out, std::ostream& err);

// Registers the subcommand (compare_command.cpp).
Command add_compare_command(CLI::App& app);

}  // namespace covcheck::cli
