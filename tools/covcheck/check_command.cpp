// The `check` pipeline: load rules -> check -> compile -> read case -> load, validate ->
// evaluate -> render. Each stage reports diagnostics; this file only maps them to exits.
#include "tools/covcheck/check_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "dsl/dates.hpp"
#include "engine/fhir/terminology.hpp"
#include "engine/pipeline.hpp"
#include "engine/render.hpp"
#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

namespace {

struct CaseText {
  std::string name;
  std::string text;
};

// Reads the case file (or stdin) up front: a case that cannot be opened is exit 2, which
// must win over a rule set that does not compile (exit 3).
std::optional<CaseText> read_case(const std::string& path, dsl::Diagnostics& diagnostics) {
  if (path == "-") {
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    return CaseText{"<stdin>", std::move(buffer).str()};
  }
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    diagnostics.error("io.not_found", dsl::SourceSpan{}, fmt::format("case file `{}` does not exist", path));
    return std::nullopt;
  }
  if (std::filesystem::is_directory(status)) {
    diagnostics.error("io.read", dsl::SourceSpan{}, fmt::format("case file `{}` is a directory", path));
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || in.bad()) {
    diagnostics.error("io.read", dsl::SourceSpan{}, fmt::format("cannot read case file `{}`", path));
    return std::nullopt;
  }
  return CaseText{path, std::move(buffer).str()};
}

void report(std::ostream& err, dsl::Diagnostics& diagnostics, const dsl::SourceRegistry& sources) {
  diagnostics.sort();
  err << dsl::render_all(diagnostics, sources);
  err.flush();
}

}  // namespace

std::optional<std::vector<engine::Decision>> parse_fail_on(const std::string& list) {
  std::vector<engine::Decision> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = std::min(list.find(',', start), list.size());
    std::string item = list.substr(start, comma - start);
    if (item == "pend") {
      out.push_back(engine::Decision::pend);
    } else if (item == "denied") {
      out.push_back(engine::Decision::denied);
    } else if (item == "excluded") {
      out.push_back(engine::Decision::excluded);
    } else {
      return std::nullopt;
    }
    start = comma + 1;
  }
  return out;
}

int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err) {
  dsl::SourceRegistry sources;
  // Every stage's diagnostics, rendered together at exit: one sorted list (rule files were
  // registered before the case, so rule-set warnings come first) and one summary line.
  dsl::Diagnostics diagnostics;
  auto finish = [&](int status) {
    report(err, diagnostics, sources);
    return status;
  };

  std::optional<CaseText> case_text = read_case(options.case_path, diagnostics);
  if (!case_text) return finish(exit_usage);

  engine::RuleSetBuild built = engine::build_rule_set(options.rules, sources, diagnostics);
  if (built.status == engine::RuleSetStatus::unreadable) return finish(exit_usage);
  if (built.status == engine::RuleSetStatus::does_not_compile) return finish(exit_rules);

  // The FHIR mapping tables, when a directory overrides the shipped ones (else the reader
  // uses the shipped tables as it needs them).
  std::optional<engine::fhir::Terminology> fhir_map;
  if (!options.fhir_map.empty()) {
    std::vector<engine::fhir::TableText> tables = engine::fhir::shipped_tables();
    if (!engine::fhir::add_table_dir(options.fhir_map, tables, diagnostics)) return finish(exit_usage);
    fhir_map = engine::fhir::build_terminology(tables, sources, diagnostics);
    if (!fhir_map) return finish(exit_rules);
  }
  dsl::FileId case_file = sources.add(case_text->name, std::move(case_text->text));
  engine::EvaluationOptions eval_options;
  eval_options.as_of = options.as_of;
  eval_options.trace = options.trace;  // `missing` is derived either way
  engine::CaseResult result = engine::decide_case(*built.program, sources, case_file, eval_options, options.syntax,
                                                       fhir_map ? &*fhir_map : nullptr);
  diagnostics.append(result.diagnostics);
  if (!result.determination) return finish(exit_case);
  const engine::Determination& determination = *result.determination;

  // Warnings (rule set and case) go to stderr like a compiler's; the case's are also in the answer.
  report(err, diagnostics, sources);
  out << (options.json ? engine::render_json(determination, sources, options.trace)
                       : engine::render_text(determination, sources, options.trace));
  out.flush();
  bool fail = std::find(options.fail_on.begin(), options.fail_on.end(), determination.decision) != options.fail_on.end();
  return fail ? exit_fail_on : exit_ok;
}

// Options are parsed into locals that the returned closure validates and turns into
// CheckOptions, so that CLI11 stays out of run_check.
Command add_check_command(CLI::App& app) {
  struct Raw {
    CheckOptions options;
    std::string format = "text";
    std::string case_format;
    std::string as_of;
    std::string fail_on;
    bool no_trace = false;
  };
  auto raw = std::make_shared<Raw>();
  CLI::App* check = app.add_subcommand("check", "Decide one case against a rule set");
  check->add_option("--rules", raw->options.rules, "Rule files, or directories of *.cpl files (repeatable)")
      ->required()
      ->type_name("PATH");
  check->add_option("--case", raw->options.case_path, "The case file (YAML, JSON or a FHIR R4 Bundle); - reads stdin")
      ->required()
      ->type_name("FILE");
  check->add_option("--case-format", raw->case_format, "Read the case as yaml or json (default: by its name; stdin is YAML)")
      ->check(CLI::IsMember({"yaml", "json"}));
  check->add_option("--format", raw->format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  check->add_option("--as-of", raw->as_of, "Judge effective ranges on this date instead of date_of_service")
      ->type_name("DATE");
  check->add_option("--fail-on", raw->fail_on, "Exit 1 when the decision is one of these (pend,denied,excluded)")
      ->type_name("LIST");
  check->add_flag("--no-trace", raw->no_trace, "Hide the explanation trace");
  check->add_option("--fhir-map", raw->options.fhir_map,
                    "FHIR mapping tables (*.yaml) replacing or adding to the shipped rules/fhir ones")
      ->type_name("DIR");
  return {check, [check, raw]() {
            CheckOptions options = raw->options;
            options.json = raw->format == "json";
            options.trace = !raw->no_trace;
            if (!raw->case_format.empty())
              options.syntax = raw->case_format == "json" ? engine::CaseSyntax::json : engine::CaseSyntax::yaml;
            if (check->count("--as-of") > 0) {
              options.as_of = dsl::parse_iso_date(raw->as_of);
              if (!options.as_of) return usage_error("--as-of: `" + raw->as_of + "` is not a date (YYYY-MM-DD)");
            }
            if (check->count("--fail-on") > 0) {
              auto decisions = parse_fail_on(raw->fail_on);
              if (!decisions)
                return usage_error("--fail-on: `" + raw->fail_on + "` is not a comma-separated subset of pend,denied,excluded");
              options.fail_on = *decisions;
            }
            return run_check(options, std::cout, std::cerr);
          }};
}

}  // namespace covcheck::cli
