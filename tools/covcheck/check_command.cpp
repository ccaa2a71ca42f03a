// The `check` pipeline: load rules -> check -> compile -> read case -> load, validate ->
// evaluate -> render. Each stage reports diagnostics; this file only maps them to exits.
#include "tools/covcheck/check_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "dsl/checker.hpp"
#include "dsl/rule_files.hpp"
#include "engine/case_loader.hpp"
#include "engine/compile.hpp"
#include "engine/evaluate.hpp"
#include "engine/render.hpp"

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

// The case loader's warnings belong to the answer; the evaluator sees only the Case.
void attach_case_warnings(engine::Determination& determination, const dsl::Diagnostics& case_diags) {
  std::vector<engine::CaseWarning> warnings;
  for (const dsl::Diagnostic& d : case_diags.items()) {
    if (d.severity != dsl::Severity::warning) continue;
    std::string message = d.help ? fmt::format("{}; {}", d.message, *d.help) : d.message;
    bool seen = std::any_of(determination.warnings.begin(), determination.warnings.end(),
                            [&](const engine::CaseWarning& w) { return w.at == d.span && w.message == message; });
    if (!seen) warnings.push_back(engine::CaseWarning{d.span, std::move(message)});
  }
  determination.warnings.insert(determination.warnings.begin(), warnings.begin(), warnings.end());
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

  dsl::RuleFiles files;
  if (!dsl::load_rule_files(options.rules, sources, files, diagnostics)) return finish(exit_usage);
  // Syntax errors stop here: checking a rule set with files missing would only add noise.
  if (diagnostics.has_errors()) return finish(exit_rules);
  std::unique_ptr<dsl::CheckedRuleSet> checked = dsl::check_rule_set(std::move(files), sources, diagnostics);
  if (!checked || diagnostics.has_errors()) return finish(exit_rules);
  std::shared_ptr<const engine::Program> program = engine::compile(std::move(checked));
  if (!program) {
    diagnostics.error("internal.compile", dsl::SourceSpan{}, "the checked rule set could not be compiled");
    return finish(exit_rules);
  }

  dsl::FileId case_file = sources.add(case_text->name, std::move(case_text->text));
  dsl::Diagnostics case_diags;
  std::optional<engine::Case> loaded = engine::load_case(program->schema(), sources, case_file, case_diags);
  if (loaded) engine::validate_case(*program, *loaded, case_diags);
  diagnostics.append(case_diags);
  if (!loaded || case_diags.has_errors()) return finish(exit_case);

  engine::EvaluationOptions eval_options;
  eval_options.as_of = options.as_of;
  eval_options.trace = true;  // `missing` is derived from the trace; --no-trace only hides it
  eval_options.sources = &sources;
  engine::Evaluation evaluation = engine::evaluate(*program, *loaded, eval_options);
  diagnostics.append(evaluation.errors);
  if (!evaluation.determination || evaluation.errors.has_errors()) return finish(exit_case);
  engine::Determination& determination = *evaluation.determination;
  attach_case_warnings(determination, case_diags);

  // Warnings (rule set and case) go to stderr like a compiler's; the case's are also in the answer.
  report(err, diagnostics, sources);
  out << (options.json ? engine::render_json(determination, sources, options.trace)
                       : engine::render_text(determination, sources, options.trace));
  out.flush();
  bool fail = std::find(options.fail_on.begin(), options.fail_on.end(), determination.decision) != options.fail_on.end();
  return fail ? exit_fail_on : exit_ok;
}

}  // namespace covcheck::cli
