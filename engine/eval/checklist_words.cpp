// Building a rule set's fixed checklist words (see checklist_words.hpp).
#include "engine/eval/checklist_words.hpp"

#include <fmt/format.h>

#include "engine/eval/checklist.hpp"
#include "engine/eval/explain.hpp"

namespace covcheck::engine {

ChecklistWords make_checklist_words(const Program& p) {
  ChecklistWords words;
  words.rules.reserve(p.rules.size());
  for (const CompiledRule& rule : p.rules) {
    words.rules.push_back({rule_section(p, rule), rule.source->title.value_or(rule.checked->display_id),
                           static_cast<std::uint32_t>(words.criteria.size())});
    // An `else` message words the failure ("filed more than 90 days after …"): a rule's
    // only criterion, when met or not applicable, is named by the rule's title, which
    // words the requirement.
    const bool title_words = rule.criteria.size() == 1 && rule.source->title;
    for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
      std::string label = criterion_label(p, rule, i);
      const std::string& settled = title_words ? *rule.source->title : label;
      words.criteria.push_back({label, fmt::format("{}: met", settled), fmt::format("{}: does not apply", settled)});
    }
  }
  words.op_paths.reserve(p.ops.size());
  for (std::uint32_t op = 0; op < p.ops.size(); ++op) words.op_paths.push_back(op_fact_path(p, op));
  return words;
}

}  // namespace covcheck::engine
