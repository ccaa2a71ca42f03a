// Building a program from rule paths: the rule-side stages wired in order.
#include "engine/compile/pipeline.hpp"

#include "dsl/check/checker.hpp"
#include "dsl/syntax/rule_files.hpp"
#include "engine/compile/compile.hpp"

namespace covcheck::engine {

RuleSetBuild build_rule_set(const std::vector<std::string>& paths, dsl::SourceRegistry& sources,
                            dsl::Diagnostics& diagnostics, const dsl::SourceOverlay* overlay, dsl::RuleTree tree) {
  dsl::RuleFiles files;
  if (!dsl::load_rule_files(paths, sources, files, diagnostics, overlay, tree))
    return {nullptr, RuleSetStatus::unreadable};
  // Syntax errors stop here: checking a rule set with files missing would only add noise.
  if (diagnostics.has_errors()) return {nullptr, RuleSetStatus::does_not_compile};
  std::unique_ptr<dsl::CheckedRuleSet> checked = dsl::check_rule_set(std::move(files), sources, diagnostics);
  if (!checked || diagnostics.has_errors()) return {nullptr, RuleSetStatus::does_not_compile};
  return {compile(std::move(checked)), RuleSetStatus::ok};
}

}  // namespace covcheck::engine
