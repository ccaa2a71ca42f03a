// LCOV over the .cpl files: rules are functions, conditions are two-way branches, and a
// line's hits are the tests that evaluated what starts on it.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "tools/covcheck/suite_report.hpp"

namespace covcheck::cli {

std::string render_lcov(const Coverage& coverage) {
  std::map<std::string, std::vector<const CoverageItem*>> by_file;
  for (const CoverageItem* item : coverage.items()) by_file[item->file].push_back(item);
  std::string out;
  for (const auto& [file, items] : by_file) {
    out += "TN:covcheck\n";
    out += "SF:" + file + "\n";
    std::size_t functions = 0, functions_hit = 0;
    for (const CoverageItem* item : items) {
      if (item->kind != CoverageItem::Kind::rule) continue;
      out += fmt::format("FN:{},{}\n", item->line, item->rule);
    }
    for (const CoverageItem* item : items) {
      if (item->kind != CoverageItem::Kind::rule) continue;
      out += fmt::format("FNDA:{},{}\n", item->counts.yes, item->rule);
      ++functions;
      functions_hit += item->counts.yes > 0;
    }
    out += fmt::format("FNF:{}\nFNH:{}\n", functions, functions_hit);
    std::size_t branches = 0, branches_hit = 0, block = 0;
    std::map<std::uint32_t, std::uint32_t> lines;  // line -> hits (the most of what starts there)
    for (const CoverageItem* item : items) {
      std::uint32_t hits = item->counts.total();
      lines[item->line] = std::max(lines[item->line], hits);
      if (!item->condition()) continue;
      // `-`: the condition was never evaluated, as LCOV marks a branch in code never run.
      auto taken = [&](std::uint32_t n) { return hits == 0 ? std::string("-") : std::to_string(n); };
      out += fmt::format("BRDA:{},{},0,{}\n", item->line, block, taken(item->counts.yes));
      out += fmt::format("BRDA:{},{},1,{}\n", item->line, block, taken(item->counts.no));
      ++block;
      branches += 2;
      branches_hit += static_cast<std::size_t>(item->counts.directions());
    }
    out += fmt::format("BRF:{}\nBRH:{}\n", branches, branches_hit);
    std::size_t lines_hit = 0;
    for (const auto& [line, hits] : lines) {
      out += fmt::format("DA:{},{}\n", line, hits);
      lines_hit += hits > 0;
    }
    out += fmt::format("LF:{}\nLH:{}\n", lines.size(), lines_hit);
    out += "end_of_record\n";
  }
  return out;
}

}  // namespace covcheck::cli
