// The checklist's words that depend on the rule set alone: each rule's section and title,
// each criterion's label and its sentences when met or not applicable. Made once per
// Decider (so once per compiled rule set a session decides with), not once per case.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/compile/program.hpp"

namespace covcheck::engine {

struct ChecklistWords {
  struct Rule {
    std::string section;      // rule_section()
    std::string title;        // its title, else its qualified id
    std::uint32_t first = 0;  // its criteria: criteria[first ..)
  };
  struct Criterion {
    std::string label;           // criterion_label()
    std::string met;             // "<label>: met" (a rule's only criterion: "<title>: met")
    std::string not_applicable;  // "<label>: does not apply" (likewise)
  };
  std::vector<Rule> rules;  // by rule index
  std::vector<Criterion> criteria;
  // By op: the input path it reads when it is a path from the case root (op_fact_path()),
  // naming the evidence of derived facts.
  std::vector<std::string> op_paths;
};

ChecklistWords make_checklist_words(const Program& program);

}  // namespace covcheck::engine
