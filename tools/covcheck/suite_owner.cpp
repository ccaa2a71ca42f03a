// Rule-file ownership by folder (suite_owner.hpp), with the file system looked at once per
// folder.
#include "tools/covcheck/suite_owner.hpp"

#include <filesystem>

namespace covcheck::cli {

namespace fs = std::filesystem;

namespace {

std::string canonical(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return (ec ? fs::absolute(p, ec).lexically_normal() : c).generic_string();
}

bool below(const std::string& file, const std::string& folder) {
  return file.size() > folder.size() && file.compare(0, folder.size(), folder) == 0 && file[folder.size()] == '/';
}

}  // namespace

std::string SuiteOwnership::suite_home(const std::string& suite_path) {
  fs::path folder = fs::path(canonical(suite_path)).parent_path();
  return (folder.filename() == "tests" ? folder.parent_path() : folder).generic_string();
}

const std::string& SuiteOwnership::rule_home(const std::string& rule_file) {
  std::string file = canonical(rule_file);
  auto found = homes_.find(file);
  if (found != homes_.end()) return found->second;
  std::string home;
  for (fs::path folder = fs::path(file).parent_path(); !folder.empty(); folder = folder.parent_path()) {
    std::string key = folder.generic_string();
    auto known = has_suites_.find(key);
    if (known == has_suites_.end()) {
      bool suites = false;
      std::error_code ec;
      for (auto it = fs::directory_iterator(folder / "tests", ec); !ec && it != fs::directory_iterator();
           it.increment(ec)) {
        fs::path p = it->path();
        if ((p.extension() == ".yaml" || p.extension() == ".yml") && it->is_regular_file(ec)) {
          suites = true;
          break;
        }
      }
      known = has_suites_.emplace(key, suites).first;
    }
    if (known->second) {
      home = key;
      break;
    }
    if (folder == folder.root_path()) break;
  }
  return homes_.emplace(file, home).first->second;
}

bool SuiteOwnership::counts(const std::string& suite_path, const std::string& rule_file) {
  const std::string& home = rule_home(rule_file);
  return home.empty() || home == suite_home(suite_path);
}

bool SuiteOwnership::mutates(const std::string& suite_path, const std::string& rule_file) {
  const std::string& home = rule_home(rule_file);
  std::string mine = suite_home(suite_path);
  return home.empty() ? below(canonical(rule_file), mine) : home == mine;
}

}  // namespace covcheck::cli
