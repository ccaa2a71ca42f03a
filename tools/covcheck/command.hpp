// How subcommands plug into the CLI: each command file registers its CLI11 subcommand
// and returns the function that runs it once the command line is parsed.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace covcheck::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // returns the exit status
};

// Prints "covcheck: error: MESSAGE" and returns the usage exit status (2).
int usage_error(const std::string& message);

Command add_check_command(CLI::App& app);

}  // namespace covcheck::cli
