// Effective ranges of the versions of one policy: consecutive versions should meet day to
// day, or cases dated in between have no policy in force and cannot be decided. (Versions
// that overlap are already a checker error, `check.version_overlap`, so a rule set that
// reaches the linter has none.)
#include <algorithm>
#include <climits>
#include <map>

#include <fmt/format.h>

#include "dsl/lint/lint_context.hpp"
#include "dsl/source/dates.hpp"

namespace covcheck::dsl::lint {

void lint_versions(Context& cx) {
  std::map<std::string, std::vector<const Unit*>> by_policy;
  for (const Unit& u : cx.rs.units)
    if (u.kind == ast::FileKind::policy) by_policy[u.id].push_back(&u);
  for (auto& [id, versions] : by_policy) {
    if (versions.size() < 2) continue;
    auto from = [](const Unit* u) { return u->effective && u->effective->from ? *u->effective->from : INT32_MIN; };
    std::sort(versions.begin(), versions.end(), [&](const Unit* a, const Unit* b) { return from(a) < from(b); });
    for (std::size_t i = 1; i < versions.size(); ++i) {
      const Unit& prev = *versions[i - 1];
      const Unit& next = *versions[i];
      if (!prev.effective || !prev.effective->to || !next.effective || !next.effective->from) continue;
      std::int32_t end = *prev.effective->to, start = *next.effective->from;
      if (start <= end + 1) continue;
      std::int32_t days = start - end - 1;
      Diagnostic& d = cx.report(
          Severity::warning, "lint.version_gap", next.effective->span,
          fmt::format("policy `{}` has no version in force from {} to {} ({} day{}), between versions {} and {}", id,
                      format_iso_date(end + 1), format_iso_date(start - 1), days, days == 1 ? "" : "s", prev.version,
                      next.version),
          "a case dated in the gap has no policy in force and cannot be decided (exit 4)",
          fmt::format("start version {} on {}, or end version {} on {}", next.version, format_iso_date(end + 1),
                      prev.version, format_iso_date(start - 1)));
      d.notes.push_back({prev.effective->span, fmt::format("version {} ends here", prev.version)});
    }
  }
}

}  // namespace covcheck::dsl::lint
