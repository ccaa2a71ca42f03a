// Size limits of a rule set, checked once its files are loaded: generous enough for any real
// policy library, small enough that checking and compiling stay bounded in time and memory.
// (Per-file limits live with the code that meets them: 16 MiB per file and import depth 64 in
// rule_files.cpp, expression nesting in the parser.)
#pragma once

#include <cstddef>

#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/rule_files.hpp"

namespace covcheck::dsl {

struct RuleSetLimits {
  std::size_t max_rules = 100'000;           // rules and advice, over all files
  std::size_t max_code_entries = 1'000'000;  // entries of code-set literals, over all files
  std::size_t max_string_bytes = 1u << 20;   // one string literal (titles, messages, cites)
};

struct RuleSetSize {
  std::size_t rules = 0;
  std::size_t code_entries = 0;
};

RuleSetSize measure_rule_set(const RuleFiles& files);

// Reports `load.too_many_rules`, `load.too_many_codes` or `load.string_too_long` (at the
// first offending item); returns false when a limit is exceeded.
bool check_rule_set_limits(const RuleFiles& files, Diagnostics& diagnostics, const RuleSetLimits& limits = {});

}  // namespace covcheck::dsl
