// Building a program from rule paths and deciding one case: the stages wired in order,
// stopping at the first stage that reports an error.
#include "engine/pipeline.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dsl/checker.hpp"
#include "dsl/rule_files.hpp"
#include "engine/case_loader.hpp"
#include "engine/compile.hpp"

namespace covcheck::engine {

RuleSetBuild build_rule_set(const std::vector<std::string>& paths, dsl::SourceRegistry& sources,
                            dsl::Diagnostics& diagnostics) {
  dsl::RuleFiles files;
  if (!dsl::load_rule_files(paths, sources, files, diagnostics)) return {nullptr, RuleSetStatus::unreadable};
  // Syntax errors stop here: checking a rule set with files missing would only add noise.
  if (diagnostics.has_errors()) return {nullptr, RuleSetStatus::does_not_compile};
  std::unique_ptr<dsl::CheckedRuleSet> checked = dsl::check_rule_set(std::move(files), sources, diagnostics);
  if (!checked || diagnostics.has_errors()) return {nullptr, RuleSetStatus::does_not_compile};
  return {compile(std::move(checked)), RuleSetStatus::ok};
}

namespace {

// The case loader's warnings belong to the answer; the evaluator sees only the Case.
void attach_case_warnings(Determination& determination, const dsl::Diagnostics& case_diags) {
  std::vector<CaseWarning> warnings;
  for (const dsl::Diagnostic& d : case_diags.items()) {
    if (d.severity != dsl::Severity::warning) continue;
    std::string message = d.help ? fmt::format("{}; {}", d.message, *d.help) : d.message;
    bool seen = std::any_of(determination.warnings.begin(), determination.warnings.end(),
                            [&](const CaseWarning& w) { return w.at == d.span && w.message == message; });
    if (!seen) warnings.push_back(CaseWarning{d.span, std::move(message)});
  }
  determination.warnings.insert(determination.warnings.begin(), warnings.begin(), warnings.end());
}

}  // namespace

CaseResult decide_case(const Program& program, const dsl::SourceRegistry& sources, dsl::FileId case_file,
                       EvaluationOptions options) {
  CaseResult result;
  std::optional<Case> loaded = load_case(program.schema(), sources, case_file, result.diagnostics);
  if (loaded) validate_case(program, *loaded, result.diagnostics);
  if (!loaded || result.diagnostics.has_errors()) return result;
  if (!options.sources) options.sources = &sources;
  Evaluation evaluation = evaluate(program, *loaded, options);
  result.diagnostics.append(evaluation.errors);
  if (!evaluation.determination || evaluation.errors.has_errors()) return result;
  result.determination = std::move(evaluation.determination);
  attach_case_warnings(*result.determination, result.diagnostics);
  return result;
}

}  // namespace covcheck::engine
