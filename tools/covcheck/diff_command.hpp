// `covcheck diff --old PATH... --new PATH... --cases FILE`: impact analysis of a policy
// change over a corpus of cases (engine/batch/impact.hpp), rendered as text or JSON.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "engine/batch/impact.hpp"
#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

struct DiffOptions {
  std::vector<std::string> old_rules, new_rules;
  std::string cases_path;
  std::optional<std::int32_t> old_as_of, new_as_of;
  bool json = false;
};

// Exit: 0 the report was produced (cases that fail on a side are `error` rows, not a
// failure), 2 usage or an unreadable file, 3 a side's rule set does not compile.
int run_diff(const DiffOptions& options, std::ostream& out, std::ostream& err);

std::string render_impact_text(const engine::ImpactReport& report, const DiffOptions& options);
std::string render_impact_json(const engine::ImpactReport& report, const DiffOptions& options);

Command add_diff_command(CLI::App& app);

}  // namespace covcheck::cli
