// The replay of an audit record: the last line of the audit file, the case (whose digest
// must be the recorded one), the rules given now; exit 0 when the recomputed record agrees,
// 1 naming every difference, 2/3/4 as `check` for files, rules and cases.
#include "tools/covcheck/replay_command.hpp"

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/audit/audit_record.hpp"
#include "engine/session/rule_source.hpp"
#include "engine/session/session.hpp"
#include "tools/covcheck/check_command.hpp"

namespace covcheck::cli {

namespace {

struct ReplayOptions {
  std::string audit_path;
  std::string case_path;
  std::vector<std::string> rules;
};

// The last non-blank line of the file; nullopt (and a diagnostic) when there is none.
std::optional<std::string> last_record(const std::string& path, dsl::Diagnostics& diagnostics) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error("io.not_found", dsl::SourceSpan{}, fmt::format("audit file `{}` cannot be read", path));
    return std::nullopt;
  }
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  if (last.empty()) {
    diagnostics.error("audit.empty", dsl::SourceSpan{}, fmt::format("audit file `{}` holds no record", path));
    return std::nullopt;
  }
  return last;
}

int run_replay(const ReplayOptions& options, std::ostream& out, std::ostream& err) {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  auto finish = [&](int status, const dsl::SourceRegistry& registry) {
    diagnostics.sort();
    err << dsl::render_all(diagnostics, registry);
    err.flush();
    return status;
  };

  std::optional<std::string> line = last_record(options.audit_path, diagnostics);
  if (!line) return finish(exit_usage, sources);
  std::string error;
  std::optional<engine::AuditRecord> recorded = engine::parse_audit_line(*line, error);
  if (!recorded) {
    diagnostics.error("audit.invalid", dsl::SourceSpan{},
                      fmt::format("the last line of `{}` is not an audit record: {}", options.audit_path, error));
    return finish(exit_usage, sources);
  }
  std::optional<std::int32_t> as_of;
  if (recorded->as_of) {
    as_of = dsl::parse_iso_date(*recorded->as_of);
    if (!as_of) {
      diagnostics.error("audit.invalid", dsl::SourceSpan{},
                        fmt::format("the record's as_of `{}` is not a date", *recorded->as_of));
      return finish(exit_usage, sources);
    }
  }
  std::optional<CaseText> case_text = read_case_file(options.case_path, diagnostics);
  if (!case_text) return finish(exit_usage, sources);

  engine::RuleSource built = engine::load_rule_source(options.rules, sources, diagnostics);
  if (built.status == engine::RuleSetStatus::unreadable) return finish(exit_usage, sources);
  if (built.status == engine::RuleSetStatus::does_not_compile) return finish(exit_rules, sources);
  std::unique_ptr<engine::DecisionSession> session = built.session(sources);
  engine::CaseInput input;
  input.text = case_text->text;
  input.name = case_text->name;
  engine::SessionOptions session_options;
  session_options.as_of = as_of;
  session_options.checklist = false;  // the record carries none of it
  engine::CaseOutcome& result = session->decide(input, session_options);
  diagnostics.append(result.diagnostics);
  if (!result.determination) return finish(exit_case, session->sources());

  engine::AuditContext context;
  context.route = recorded->route;
  context.answer_id = recorded->answer_id;
  context.as_of = as_of;
  context.version = COVCHECK_VERSION;
  engine::AuditRecord now =
      engine::make_audit_record(context, *result.determination, session->last_case(), session->program());
  finish(exit_ok, session->sources());  // warnings
  std::vector<std::string> differences = engine::audit_differences(*recorded, now);
  if (differences.empty()) {
    out << fmt::format("replay matches: answer {} decided {} again (case {}, covcheck {} then, {} now)\n",
                       recorded->answer_id, now.decision, now.case_digest, recorded->version, now.version);
    return exit_ok;
  }
  out << fmt::format("replay differs: answer {} ({} difference(s))\n", recorded->answer_id, differences.size());
  for (const std::string& d : differences) out << "  " << d << '\n';
  return exit_fail_on;
}

}  // namespace

Command add_replay_command(CLI::App& app) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* replay = app.add_subcommand(
      "replay", "Recompute the decision of an audit file's last record and compare (exit 1: differs)");
  replay->add_option("audit", options->audit_path, "The audit log (JSON Lines); its last record is replayed")
      ->required()
      ->type_name("AUDIT_FILE");
  replay->add_option("case", options->case_path, "The case that record was decided for (YAML, JSON or FHIR)")
      ->required()
      ->type_name("CASE_FILE");
  replay->add_option("--rules", options->rules, "Rule files, or directories of *.cpl files (repeatable)")
      ->required()
      ->type_name("PATH");
  return {replay, [options]() { return run_replay(*options, std::cout, std::cerr); }};
}

}  // namespace covcheck::cli
