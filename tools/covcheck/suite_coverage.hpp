// Rule coverage of a test run: for each rule, its `when` and each criterion, how many tests
// made it true, false and unknown, counted from the determinations' traces.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "dsl/source/source.hpp"
#include "engine/answer/determination.hpp"
#include "engine/compile/program.hpp"
#include "tools/covcheck/suite_owner.hpp"

namespace covcheck::cli {

struct Counts {
  std::uint32_t yes = 0;  // true (applied, present)
  std::uint32_t no = 0;   // false (not applied, missing)
  std::uint32_t unknown = 0;
  std::uint32_t total() const { return yes + no + unknown; }
  // Directions covered: unknown is not a direction.
  int directions() const { return (yes > 0) + (no > 0); }
};

// A rule's applicability, its `when`, or one of its criteria (a document is a criterion
// whose true is `present`). Conditions (`when`s and criteria) count toward the percentage.
struct CoverageItem {
  enum class Kind { rule, when, criterion, document } kind = Kind::rule;
  std::string file;  // the rule file as loaded (display name)
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string rule;  // the rule's id
  std::string text;  // condition text (whitespace collapsed), or the document name
  std::string cite;
  bool can_be_off = false;    // rule: has a `when` or can be overridden, so "always applied" is a gap
  std::size_t rule_item = 0;  // index of the owning rule's item
  Counts counts;
  bool in_force = false;  // in force in at least one test; others are not reported
  // A criterion of a rule tagged `not_captured`: the policy's criteria were not encoded and the
  // rule stands in for them (a constant criterion that pends). Reported apart, not counted.
  bool not_captured = false;
  bool condition() const { return kind != Kind::rule; }
  bool counted() const { return condition() && !not_captured; }
  bool gap() const;  // not made both true and false
};

struct FileCoverage {
  std::string file;
  std::size_t conditions = 0;
  std::size_t directions = 0;  // of 2 * conditions
  double percent() const {
    return conditions == 0 ? 100.0 : 100.0 * static_cast<double>(directions) / (2.0 * static_cast<double>(conditions));
  }
};

// The percentage as printed: rounded down to one decimal.
double shown_percent(const FileCoverage& f);

class Coverage {
 public:
  // Registers the rules of a program; the same rule file reached by several rule sets
  // is one set of items (keyed by its canonical path and byte offsets).
  void add_program(const engine::Program& program, const dsl::SourceRegistry& sources);
  // Counts one test's determination (which must come from a registered program). With the
  // suite's path, only the rule files the suite owns count (suite_owner.hpp): an imported
  // module counts toward its own suites.
  void add(const engine::Determination& d, const dsl::SourceRegistry& sources, const std::string& suite = {});

  // Items in force in some test, by file, line and column.
  std::vector<const CoverageItem*> items() const;
  // Per file (files with in-force rules), then the total under the name "total".
  std::vector<FileCoverage> summary() const;

 private:
  using Key = std::tuple<std::string, std::uint32_t, int>;  // canonical file, offset, kind
  Key key(dsl::SourceSpan span, CoverageItem::Kind kind, const dsl::SourceRegistry& sources);
  std::size_t insert(Key key, CoverageItem item);

  std::vector<CoverageItem> items_;
  std::map<Key, std::size_t> index_;
  std::map<std::string, std::string> canonical_;  // display name -> canonical path
  SuiteOwnership owners_;
  std::map<std::pair<std::string, std::string>, bool> counts_;  // (suite, canonical file) -> counted
};

// The report printed by `covcheck test --coverage`: every item's counts per file, the gaps,
// the criteria marked not captured, and the per-file and total percentages.
std::string render_coverage(const Coverage& coverage);

// Files (or the total) below `min_percent`, formatted for an error line each.
std::vector<std::string> below_minimum(const Coverage& coverage, double min_percent);

}  // namespace covcheck::cli
