// `covcheck compare`'s pipeline: reads the case once, builds each named rule set, decides the
// case with each and prints one row per set. A set with no policy in force on the case's date is an
// error row, not a failure; rule sets that cannot be read or compiled and invalid cases keep
// the exit statuses of `check` (2, 3, 4; the lowest wins).
#include "tools/covcheck/compare_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "engine/compile/pipeline.hpp"
#include "engine/session/compare.hpp"
#include "engine/session/rule_source.hpp"
#include "engine/session/session.hpp"
#include "tools/covcheck/check_command.hpp"

namespace covcheck::cli {

namespace {

bool valid_set_name(const std::string& name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

// Reads the case file (or stdin) up front: an unreadable case is exit 2 before any rule set.
std::optional<std::pair<std::string, std::string>> read_case(const std::string& path, dsl::Diagnostics& diagnostics) {
  if (path == "-") {
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    return std::make_pair(std::string("<stdin>"), std::move(buffer).str());
  }
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status) || std::filesystem::is_directory(status)) {
    diagnostics.error(
        "io.not_found", dsl::SourceSpan{},
        fmt::format("case file `{}` {}", path, std::filesystem::exists(status) ? "is a directory" : "does not exist"));
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || in.bad()) {
    diagnostics.error("io.read", dsl::SourceSpan{}, fmt::format("cannot read case file `{}`", path));
    return std::nullopt;
  }
  return std::make_pair(path, std::move(buffer).str());
}

void report(std::ostream& err, dsl::Diagnostics& diagnostics, const dsl::SourceRegistry& sources) {
  diagnostics.sort();
  err << dsl::render_all(diagnostics, sources);
  err.flush();
}

}  // namespace

namespace {

// `compare --rules DIR`: every payer of DIR/payers.yaml (or `--payers`), one registry session.
int run_registry_compare(const CompareOptions& options, const std::pair<std::string, std::string>& case_text,
                         std::ostream& out, std::ostream& err) {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  const dsl::SourceRegistry* registry = &sources;
  auto finish = [&](int status) {
    report(err, diagnostics, *registry);
    return status;
  };
  if (!engine::registry_file_in({options.registry_dir})) {
    diagnostics.error("io.not_found", dsl::SourceSpan{}, fmt::format("`{}` holds no payers.yaml", options.registry_dir))
        .help = "name a rules directory with a payer registry, or compare rule sets with `--set NAME=PATH`";
    return finish(exit_usage);
  }
  engine::RuleSource rules = engine::load_rule_source({options.registry_dir}, sources, diagnostics);
  if (rules.status == engine::RuleSetStatus::unreadable) return finish(exit_usage);
  if (rules.status == engine::RuleSetStatus::does_not_compile) return finish(exit_rules);
  std::string error;
  auto entries = engine::choose_payers(*rules.registry, options.payers, error);
  if (!entries) {
    diagnostics.error("usage.unknown_payer", dsl::SourceSpan{}, error);
    return finish(exit_usage);
  }
  std::unique_ptr<engine::DecisionSession> session = rules.session(sources);
  engine::CaseInput input;
  input.name = case_text.first;
  input.text = case_text.second;
  engine::SessionOptions session_options;
  session_options.as_of = options.as_of;
  auto rows = engine::compare_payers(*session, *entries, input, session_options, diagnostics);
  registry = &session->sources();
  if (!rows) return finish(exit_case);
  report(err, diagnostics, *registry);
  out << (options.json ? render_compare_json(*rows) : render_compare_text(*rows));
  out.flush();
  return exit_ok;
}

}  // namespace

std::optional<CompareSet> parse_compare_set(const std::string& spec, std::string& error) {
  std::size_t eq = spec.find('=');
  if (eq == std::string::npos) {
    error = fmt::format("--set `{}`: expected NAME=PATH[,PATH...]", spec);
    return std::nullopt;
  }
  CompareSet set;
  set.name = spec.substr(0, eq);
  if (!valid_set_name(set.name)) {
    error = fmt::format("--set `{}`: the name must be letters, digits, `_`, `-` or `.`", spec);
    return std::nullopt;
  }
  std::string rest = spec.substr(eq + 1);
  std::size_t start = 0;
  while (start <= rest.size()) {
    std::size_t comma = std::min(rest.find(',', start), rest.size());
    std::string path = rest.substr(start, comma - start);
    if (path.empty()) {
      error = fmt::format("--set `{}`: empty path", spec);
      return std::nullopt;
    }
    set.paths.push_back(std::move(path));
    start = comma + 1;
  }
  return set;
}

int run_compare(const CompareOptions& options, std::ostream& out, std::ostream& err) {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  // Once a case is decided, its locations are in the deciding session's registry (a copy
  // of `sources` with the case added).
  const dsl::SourceRegistry* registry = &sources;
  auto finish = [&](int status) {
    report(err, diagnostics, *registry);
    return status;
  };

  auto case_text = read_case(options.case_path, diagnostics);
  if (!case_text) return finish(exit_usage);

  if (!options.registry_dir.empty()) return run_registry_compare(options, *case_text, out, err);

  // Build every set before deciding anything, so that the exit status is the lowest of all.
  std::vector<std::shared_ptr<const engine::Program>> programs;
  int worst = exit_ok;
  for (const CompareSet& set : options.sets) {
    engine::RuleSetBuild built = engine::build_rule_set(set.paths, sources, diagnostics);
    programs.push_back(built.program);
    if (built.status == engine::RuleSetStatus::unreadable) worst = exit_usage;
    if (built.status == engine::RuleSetStatus::does_not_compile && worst != exit_usage) worst = exit_rules;
  }
  if (worst != exit_ok) return finish(worst);

  engine::CaseInput input;
  input.name = case_text->first;
  input.text = case_text->second;
  engine::SessionOptions session_options;
  session_options.as_of = options.as_of;
  session_options.trace = false;  // the table needs decisions, reasons and `missing`, not the trace
  std::vector<std::unique_ptr<engine::DecisionSession>> sessions;
  std::vector<CompareRow> rows;
  bool warnings_kept = false;
  for (std::size_t i = 0; i < options.sets.size(); ++i) {
    CompareRow row;
    row.name = options.sets[i].name;
    row.paths = options.sets[i].paths;
    sessions.push_back(std::make_unique<engine::DecisionSession>(*programs[i], sources));
    engine::CaseOutcome& result = sessions.back()->decide(input, session_options);
    registry = &sessions.back()->sources();
    dsl::Diagnostics seen = result.diagnostics;
    if (!engine::compare_row(row, result, *programs[i])) {
      diagnostics.append(seen);
      return finish(exit_case);
    }
    // The case's own warnings (unknown fields…) are the same for every set: report them once.
    if (row.determination && !warnings_kept) diagnostics.append(seen), warnings_kept = true;
    rows.push_back(std::move(row));
  }
  report(err, diagnostics, *registry);
  out << (options.json ? render_compare_json(rows) : render_compare_text(rows));
  out.flush();
  return exit_ok;
}

}  // namespace covcheck::cli
