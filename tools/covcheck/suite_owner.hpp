// Which rule files a suite owns. A rule file belongs to the suites of the nearest folder at
// or above it that has a `tests/` folder of suites (rules/claims/claims.cpl to
// rules/claims/tests/*.yaml), so a module imported by another payer's rules counts toward its
// own suites' coverage and is mutated by them, not by the importer's.
#pragma once

#include <map>
#include <string>

namespace covcheck::cli {

class SuiteOwnership {
 public:
  // The folder whose rules a suite owns (canonical): the folder holding its `tests` folder,
  // or, for a suite elsewhere, its own folder.
  std::string suite_home(const std::string& suite_path);
  // The suite folder a rule file belongs to (canonical), or empty when no folder at or above
  // it has a `tests/` folder of suites.
  const std::string& rule_home(const std::string& rule_file);

  // The suite's tests count toward the file's coverage: the suite owns it, or nobody does.
  bool counts(const std::string& suite_path, const std::string& rule_file);
  // The suite mutates the file: it owns it, or nobody does and the file lies below the
  // suite's home (a shared library such as rules/common/ is mutated by no suite).
  bool mutates(const std::string& suite_path, const std::string& rule_file);

 private:
  std::map<std::string, std::string> homes_;  // canonical rule file -> its home
  std::map<std::string, bool> has_suites_;    // folder -> it has a `tests/` folder of suites
};

}  // namespace covcheck::cli
