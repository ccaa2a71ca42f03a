// The `check` pipeline: load rules -> check -> compile -> read case -> load, validate ->
// evaluate -> render. Each stage reports diagnostics; this file only maps them to exits.
#include "tools/covcheck/check_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/answer/json_writer.hpp"
#include "engine/answer/render.hpp"
#include "engine/answer/render_diagnostics.hpp"
#include "engine/cases/case_readers.hpp"
#include "engine/cases/fhir/terminology.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/crd/questionnaire.hpp"
#include "engine/eval/evaluate.hpp"
#include "engine/session/rule_source.hpp"
#include "engine/session/session.hpp"
#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

namespace {

void report(std::ostream& err, dsl::Diagnostics& diagnostics, const dsl::SourceRegistry& sources) {
  diagnostics.sort();
  err << dsl::render_all(diagnostics, sources);
  err.flush();
}

}  // namespace

// Reads the case file (or stdin) up front: a case that cannot be opened is exit 2, which
// must win over a rule set that does not compile (exit 3).
std::optional<CaseText> read_case_file(const std::string& path, dsl::Diagnostics& diagnostics) {
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
  // Without an answer: the text on stderr and, for --format json, the error object on stdout.
  auto finish = [&](int status, const dsl::SourceRegistry& registry, const std::optional<std::string>& case_id) {
    report(err, diagnostics, registry);
    if (options.json) {
      std::string error = "the case could not be decided";
      for (const dsl::Diagnostic& d : diagnostics.items())
        if (d.severity == dsl::Severity::error) {
          error = d.message;
          break;
        }
      engine::JsonWriter w(true);
      engine::write_case_error(w, case_id, std::nullopt, error, diagnostics, registry);
      out << w.str() << '\n';
      out.flush();
    }
    return status;
  };

  std::optional<CaseText> case_text = read_case_file(options.case_path, diagnostics);
  if (!case_text) return finish(exit_usage, sources, std::nullopt);

  engine::RuleSource built = engine::load_rule_source(options.rules, sources, diagnostics);
  if (built.status == engine::RuleSetStatus::unreadable) return finish(exit_usage, sources, std::nullopt);
  if (built.status == engine::RuleSetStatus::does_not_compile) return finish(exit_rules, sources, std::nullopt);

  // The FHIR mapping tables, when a directory overrides the shipped ones (else the session
  // builds the shipped tables if the case is a bundle).
  std::optional<engine::fhir::Terminology> fhir_map;
  if (!options.fhir_map.empty()) {
    std::vector<engine::fhir::TableText> tables = engine::fhir::shipped_tables();
    if (!engine::fhir::add_table_dir(options.fhir_map, tables, diagnostics))
      return finish(exit_usage, sources, std::nullopt);
    fhir_map = engine::fhir::build_terminology(tables, sources, diagnostics);
    if (!fhir_map) return finish(exit_rules, sources, std::nullopt);
  }
  std::unique_ptr<engine::DecisionSession> owned = built.session(sources);
  engine::DecisionSession& session = *owned;
  if (fhir_map) session.set_fhir_map(&*fhir_map);
  engine::CaseInput input;
  input.text = case_text->text;
  input.name = case_text->name;
  input.format = options.case_format;
  engine::SessionOptions session_options;
  session_options.as_of = options.as_of;
  session_options.trace = options.trace;  // `missing` is derived either way
  session_options.case_facts = options.html;
  session_options.trace_elements = options.trace_elements;
  engine::CaseOutcome& result = session.decide(input, session_options);
  diagnostics.append(result.diagnostics);
  if (!result.determination) return finish(exit_case, session.sources(), *result.case_id);
  const engine::Determination& determination = *result.determination;

  // Warnings (rule set and case) go to stderr like a compiler's; the case's are also in the answer.
  report(err, diagnostics, session.sources());
  if (options.questionnaire) {
    // The questionnaire's items are the missing facts; a decided case has none to ask.
    std::string id = engine::crd::questionnaire_id(determination);
    engine::JsonWriter w(true);
    engine::crd::write_questionnaire(w, determination, session.program().schema(), id,
                                     "urn:covcheck:questionnaire:" + id);
    out << w.str() << "\n";
    if (determination.missing.empty())
      err << fmt::format("covcheck: the case is {}: no fact is missing, the questionnaire has no items\n",
                         engine::decision_name(determination.decision));
    out.flush();
    bool fail =
        std::find(options.fail_on.begin(), options.fail_on.end(), determination.decision) != options.fail_on.end();
    return fail ? exit_fail_on : exit_ok;
  }
  if (options.html) {
    out << engine::render_html(determination, session.sources());
  } else {
    out << (options.json ? engine::render_json(determination, session.sources(), options.trace)
                         : engine::render_text(determination, session.sources(), options.trace));
  }
  out.flush();
  bool fail =
      std::find(options.fail_on.begin(), options.fail_on.end(), determination.decision) != options.fail_on.end();
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
    bool trace = false;
    bool no_trace = false;
    std::string trace_elements;
  };
  auto raw = std::make_shared<Raw>();
  CLI::App* check = app.add_subcommand("check", "Decide one case against a rule set");
  check->add_option("--rules", raw->options.rules, "Rule files, or directories of *.cpl files (repeatable)")
      ->required()
      ->type_name("PATH");
  check->add_option("--case", raw->options.case_path, "The case file (YAML, JSON or a FHIR R4 Bundle); - reads stdin")
      ->required()
      ->type_name("FILE");
  std::vector<std::string> formats;  // the case readers' names (engine/cases/case_readers.hpp)
  for (const engine::CaseReader& r : engine::case_readers())
    if (!r.value_tree) formats.emplace_back(r.name);
  check
      ->add_option("--case-format", raw->case_format,
                   "Read the case as fhir, json or yaml (default: by its name and text; stdin is YAML unless it is a "
                   "FHIR resource)")
      ->check(CLI::IsMember(formats));
  check->add_option("--format", raw->format, "Output format (html: the printable prior-authorization summary)")
      ->check(CLI::IsMember({"text", "json", "html"}))
      ->capture_default_str();
  check->add_option("--as-of", raw->as_of, "Judge effective ranges on this date instead of date_of_service")
      ->type_name("DATE");
  check->add_option("--fail-on", raw->fail_on, "Exit 1 when the decision is one of these (pend,denied,excluded)")
      ->type_name("LIST");
  check->add_flag("--trace", raw->trace, "Show the explanation trace in text (JSON carries it unless --no-trace)");
  check->add_flag("--no-trace", raw->no_trace, "Hide the explanation trace");
  check->add_flag("--questionnaire", raw->options.questionnaire,
                  "Print a FHIR R4 Questionnaire for the facts the decision waits for, instead of the answer");
  check
      ->add_option("--fhir-map", raw->options.fhir_map,
                   "FHIR mapping tables (*.yaml) replacing or adding to the shipped rules/fhir ones")
      ->type_name("DIR");
  check
      ->add_option("--trace-elements", raw->trace_elements,
                   "List elements the trace shows per quantifier, the rest counted (default 5; all: every one)")
      ->type_name("N|all");
  return {check, [check, raw]() {
            CheckOptions options = raw->options;
            options.json = raw->format == "json";
            options.html = raw->format == "html";
            // Text shows the trace only when asked; JSON keeps it unless told not to; the
            // printed summary never shows it.
            options.trace = !options.html && !raw->no_trace && (options.json || raw->trace);
            options.case_format = raw->case_format;
            if (check->count("--trace-elements") > 0) {
              auto n = engine::parse_trace_elements(raw->trace_elements);
              if (!n) return usage_error("--trace-elements: `" + raw->trace_elements + "` is not a count or `all`");
              options.trace_elements = *n;
            }
            if (check->count("--as-of") > 0) {
              options.as_of = dsl::parse_iso_date(raw->as_of);
              if (!options.as_of) return usage_error("--as-of: `" + raw->as_of + "` is not a date (YYYY-MM-DD)");
            }
            if (check->count("--fail-on") > 0) {
              auto decisions = parse_fail_on(raw->fail_on);
              if (!decisions)
                return usage_error("--fail-on: `" + raw->fail_on +
                                   "` is not a comma-separated subset of pend,denied,excluded");
              options.fail_on = *decisions;
            }
            return run_check(options, std::cout, std::cerr);
          }};
}

}  // namespace covcheck::cli
