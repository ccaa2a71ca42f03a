// Test helper: the CLI's pipeline as a library call (load rules, check, compile once; then
// load, validate and evaluate any number of cases), with every stage's diagnostics kept.
#pragma once

#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "dsl/check/checker.hpp"
#include "dsl/source/dates.hpp"
#include "dsl/syntax/rule_files.hpp"
#include "engine/cases/case_loader.hpp"
#include "engine/compile/compile.hpp"
#include "engine/eval/evaluate.hpp"

namespace covcheck::testing {

inline std::string decision_text(engine::Decision d) { return engine::decision_name(d); }

struct CaseRun {
  std::optional<engine::Determination> determination;
  dsl::Diagnostics case_diagnostics;  // loading and validation
  dsl::Diagnostics errors;            // evaluation (e.g. no policy in force)

  // The first error of validation or evaluation, in that order; empty when none.
  std::string first_error() const {
    for (const dsl::Diagnostics* ds : {&case_diagnostics, &errors}) {
      for (const dsl::Diagnostic& d : ds->items()) {
        if (d.severity == dsl::Severity::error) return d.message;
      }
    }
    return {};
  }
};

class Pipeline {
 public:
  explicit Pipeline(const std::vector<std::string>& rule_paths) {
    dsl::RuleFiles files;
    if (!dsl::load_rule_files(rule_paths, sources_, files, diagnostics_) || diagnostics_.has_errors()) return;
    std::unique_ptr<dsl::CheckedRuleSet> checked = dsl::check_rule_set(std::move(files), sources_, diagnostics_);
    if (!checked || diagnostics_.has_errors()) return;
    program_ = engine::compile(std::move(checked));
  }

  bool ok() const { return program_ != nullptr; }
  const engine::Program& program() const { return *program_; }
  dsl::SourceRegistry& sources() { return sources_; }
  std::string diagnostics_text() const { return dsl::render_all(diagnostics_, sources_); }
  std::string render(const dsl::Diagnostics& ds) const { return dsl::render_all(ds, sources_); }

  CaseRun run_text(const std::string& name, std::string text, std::optional<std::int32_t> as_of = std::nullopt) {
    engine::EvaluationOptions options;
    options.as_of = as_of;
    return run_text(name, std::move(text), options);
  }

  // The same with the evaluation options given (trace_elements, trace, ...).
  CaseRun run_text(const std::string& name, std::string text, engine::EvaluationOptions options) {
    CaseRun run;
    dsl::FileId file = sources_.add(name, std::move(text));
    // As the CLI: a case read through with refused values still gets its checks (one round).
    std::optional<engine::Case> c =
        engine::load_case(program_->schema(), sources_, file, run.case_diagnostics, engine::RefusedValues::keep_case);
    if (c) engine::validate_case(*program_, *c, run.case_diagnostics);
    if (!c || run.case_diagnostics.has_errors()) return run;
    options.sources = &sources_;
    engine::Evaluation e = engine::evaluate(*program_, *c, options);
    run.errors = std::move(e.errors);
    run.determination = std::move(e.determination);
    return run;
  }

  CaseRun run_file(const std::string& path, std::optional<std::int32_t> as_of = std::nullopt) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return run_text(path, std::move(buffer).str(), as_of);
  }

 private:
  dsl::SourceRegistry sources_;  // declared first: the program's ASTs point into its files
  dsl::Diagnostics diagnostics_;
  std::shared_ptr<const engine::Program> program_;
};

}  // namespace covcheck::testing
