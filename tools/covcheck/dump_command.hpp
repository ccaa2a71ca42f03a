// `covcheck dump --stage parse|ast|checked|program FILE...`: prints one pipeline stage, for
// debugging the engine and for teaching how a rule file becomes a program.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "engine/compile/program.hpp"
#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

enum class DumpStage { parse, ast, checked, program };

struct DumpOptions {
  DumpStage stage = DumpStage::ast;
  // parse, ast: each file on its own; checked, program: one rule set, like `check --rules`.
  std::vector<std::string> paths;
};

// Exit status: 0 printed; 2 a path cannot be read; 3 the files do not parse (or the rule set
// does not compile), with the diagnostics on `err`.
int run_dump(const DumpOptions& options, std::ostream& out, std::ostream& err);

Command add_dump_command(CLI::App& app);

}  // namespace covcheck::cli
