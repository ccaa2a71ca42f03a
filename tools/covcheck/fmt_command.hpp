// `covcheck fmt [--check] PATH...`: rewrites CPL files in the canonical layout (dsl/format/format.hpp),
// or with --check lists the files that would change.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

struct FmtOptions {
  std::vector<std::string> paths;  // files, or directories walked for *.cpl
  bool check = false;
};

// Exit status: 0 all formatted (or rewritten); 1 with --check when some file would change;
// 2 a path cannot be read or written; 3 a file does not parse (it is left untouched).
// When several apply the error wins: 2, then 3, then 1.
int run_fmt(const FmtOptions& options, std::ostream& out, std::ostream& err);

// Files named directly are taken whatever their extension; directories give their *.cpl
// files, walked in sorted order. Missing paths are reported on `err`; returns false then.
bool collect_cpl_files(const std::vector<std::string>& paths, std::vector<std::string>& files, std::ostream& err);

Command add_fmt_command(CLI::App& app);

}  // namespace covcheck::cli
