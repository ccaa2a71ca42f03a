// covcheck's entry point: parses the command line with CLI11 and dispatches to a command.
#include <iostream>

#include <CLI/CLI.hpp>

#include "dsl/dates.hpp"
#include "tools/covcheck/check_command.hpp"

namespace {

constexpr const char* covcheck_version = COVCHECK_VERSION;  // from CMake's project()

int usage_error(const std::string& message) {
  std::cerr << "covcheck: error: " << message << "\nRun with --help for more information.\n";
  return covcheck::cli::exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"covcheck: checks patient cases against coverage policies written in CPL", "covcheck"};
  app.set_version_flag("--version", std::string("covcheck ") + covcheck_version);
  app.require_subcommand(1);

  CLI::App* check = app.add_subcommand("check", "Decide one case against a rule set");
  covcheck::cli::CheckOptions options;
  std::string format = "text";
  std::string as_of;
  std::string fail_on;
  bool no_trace = false;
  check->add_option("--rules", options.rules, "Rule files, or directories of *.cpl files (repeatable)")
      ->required()
      ->type_name("PATH");
  check->add_option("--case", options.case_path, "The case file (YAML or JSON); - reads stdin")
      ->required()
      ->type_name("FILE");
  check->add_option("--format", format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  check->add_option("--as-of", as_of, "Judge effective ranges on this date instead of date_of_service")
      ->type_name("DATE");
  check->add_option("--fail-on", fail_on, "Exit 1 when the decision is one of these (pend,denied,excluded)")
      ->type_name("LIST");
  check->add_flag("--no-trace", no_trace, "Hide the explanation trace");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, the version or the error
    return code == 0 ? 0 : covcheck::cli::exit_usage;
  }

  if (check->parsed()) {
    options.json = format == "json";
    options.trace = !no_trace;
    if (check->count("--as-of") > 0) {
      options.as_of = covcheck::dsl::parse_iso_date(as_of);
      if (!options.as_of) return usage_error("--as-of: `" + as_of + "` is not a date (YYYY-MM-DD)");
    }
    if (check->count("--fail-on") > 0) {
      auto decisions = covcheck::cli::parse_fail_on(fail_on);
      if (!decisions) {
        return usage_error("--fail-on: `" + fail_on + "` is not a comma-separated subset of pend,denied,excluded");
      }
      options.fail_on = *decisions;
    }
    return covcheck::cli::run_check(options, std::cout, std::cerr);
  }
  return covcheck::cli::exit_usage;
}
