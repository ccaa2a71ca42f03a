// The `lint` subcommand: builds the rule set like `check`, runs the linter over the checked
// rules and prints the checker's warnings and the lint findings together.
#include "tools/covcheck/lint_command.hpp"

#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "dsl/lint/lint.hpp"
#include "engine/answer/json_writer.hpp"
#include "engine/answer/render_diagnostics.hpp"
#include "engine/compile/pipeline.hpp"
#include "tools/covcheck/check_command.hpp"

namespace covcheck::cli {

namespace {

// The linter reports unused declarations by reachability, which subsumes these checker warnings.
bool superseded(const std::string& code) { return code.rfind("check.unused_", 0) == 0; }

// {"findings": [diagnostics, in the one shape of render_diagnostics.hpp], "errors", "warnings"}.
std::string render_json(const dsl::Diagnostics& findings, const dsl::SourceRegistry& sources) {
  engine::JsonWriter w(true);
  std::int64_t errors = 0, warnings = 0;
  for (const dsl::Diagnostic& d : findings.items()) (d.severity == dsl::Severity::error ? errors : warnings) += 1;
  w.begin_object().key("findings");
  engine::write_diagnostics(w, findings, sources);
  w.member("errors", errors).member("warnings", warnings);
  w.end_object();
  return w.str() + "\n";
}

}  // namespace

int run_lint(const LintOptions& options, std::ostream& out, std::ostream& err) {
  dsl::SourceRegistry sources;
  dsl::Diagnostics build;
  engine::RuleSetBuild built = engine::build_rule_set(options.paths, sources, build);
  if (built.status != engine::RuleSetStatus::ok) {
    build.sort();
    err << dsl::render_all(build, sources);
    return built.status == engine::RuleSetStatus::unreadable ? exit_usage : exit_rules;
  }
  dsl::Diagnostics findings;
  for (const dsl::Diagnostic& d : build.items())
    if (!superseded(d.code)) findings.add(d);
  findings.append(dsl::lint_rule_set(*built.program->checked, sources));
  findings.sort();

  std::size_t errors = findings.error_count();
  std::size_t warnings = findings.items().size() - errors;
  if (options.json) {
    out << render_json(findings, sources);
  } else if (findings.empty()) {
    std::size_t files = built.program->checked->files.files.size();
    out << fmt::format("no findings in {} file{}\n", files, files == 1 ? "" : "s");
  } else {
    out << dsl::render_all(findings, sources);
  }
  out.flush();
  return errors > 0 || (options.strict && warnings > 0) ? exit_fail_on : exit_ok;
}

Command add_lint_command(CLI::App& app) {
  struct Raw {
    LintOptions options;
    std::string format = "text";
  };
  auto raw = std::make_shared<Raw>();
  CLI::App* lint = app.add_subcommand("lint",
                                      "Static analysis of a rule set: dead, shadowed and conflicting rules, "
                                      "unused declarations, overlapping code sets, missing citations");
  lint->add_option("paths", raw->options.paths, "Rule files, or directories of *.cpl files")
      ->required()
      ->type_name("PATH");
  lint->add_option("--format", raw->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  lint->add_flag("--strict", raw->options.strict, "Exit 1 on warnings too");
  std::string codes;
  for (const std::string& c : dsl::lint_codes()) codes += (codes.empty() ? "" : ", ") + c;
  lint->footer("Finding codes: " + codes +
               ".\nSilence one finding with `# covcheck:ignore CODE` on its line or the line above.\n"
               "Exit status: 0 no errors (1 with --strict and warnings), 1 errors, 2 unreadable path, "
               "3 the rule set does not compile.");
  return {lint, [raw]() {
            LintOptions options = raw->options;
            options.json = raw->format == "json";
            return run_lint(options, std::cout, std::cerr);
          }};
}

}  // namespace covcheck::cli
