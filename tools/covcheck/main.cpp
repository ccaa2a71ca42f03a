// covcheck's entry point: registers every subcommand with CLI11 and runs the one given.
#include <iostream>
#include <vector>

#include "tools/covcheck/batch_command.hpp"
#include "tools/covcheck/bundle_command.hpp"
#include "tools/covcheck/check_command.hpp"
#include "tools/covcheck/command.hpp"
#include "tools/covcheck/compare_command.hpp"
#include "tools/covcheck/diff_command.hpp"
#include "tools/covcheck/dump_command.hpp"
#include "tools/covcheck/fhir2case_command.hpp"
#include "tools/covcheck/fmt_command.hpp"
#include "tools/covcheck/lint_command.hpp"
#include "tools/covcheck/lsp_command.hpp"
#include "tools/covcheck/replay_command.hpp"
#include "tools/covcheck/serve_command.hpp"
#include "tools/covcheck/test_command.hpp"

namespace covcheck::cli {

int usage_error(const std::string& message) {
  std::cerr << "covcheck: error: " << message << "\nRun with --help for more information.\n";
  return exit_usage;
}

}  // namespace covcheck::cli

int main(int argc, char** argv) {
  using namespace covcheck::cli;
  CLI::App app{"covcheck: checks patient cases against coverage policies written in CPL", "covcheck"};
  app.set_version_flag("--version", std::string("covcheck ") + COVCHECK_VERSION);
  app.require_subcommand(1);

  // One line per subcommand; each lives in its own *_command.cpp.
  std::vector<Command> commands{
      add_check_command(app),  add_compare_command(app), add_fmt_command(app),       add_dump_command(app),
      add_batch_command(app),  add_lint_command(app),    add_diff_command(app),      add_serve_command(app),
      add_test_command(app),   add_lsp_command(app),     add_fhir2case_command(app), add_replay_command(app),
      add_bundle_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, the version or the error
    return code == 0 ? 0 : exit_usage;
  }
  for (const Command& command : commands)
    if (command.app->parsed()) return command.run();
  return exit_usage;
}
