// Test helper: writes CPL sources given as strings into a fresh temporary directory and
// builds a Pipeline over them, so evaluator and checker tests read as rule text + case text.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "pipeline_fixture.hpp"

namespace covcheck::testing {

// A small schema with every kind of field the evaluator handles.
inline const char* test_schema = R"(schema t "test schema" version "1"
enum benefit { pain_management, mental_health }
enum document { lmn, notes }
enum cls { a, b, c }
enum outcome { failed, ok, ongoing }
record trial {
  cls: cls
  outcome: outcome
  start: date
  end: date
  duration: duration = (if end is known then end else if outcome == ongoing then date_of_service) - start
}
record person {
  birth_date: date
  age: int = years_between(birth_date, date_of_service)
  flag: bool
}
record case {
  id: string
  date_of_service: date
  person: person
  trials: list of trial
  documents: list of document
  codes: list of icd10
  x: int
  y: int
  s: string
  check x >= 0 "must not be negative"
}
)";

inline std::filesystem::path write_rule_dir(const std::vector<std::pair<std::string, std::string>>& files) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("covcheck-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const auto& [name, text] : files) {
    std::ofstream out(dir / name, std::ios::binary);
    out << text;
  }
  return dir;
}

// A pipeline over the test schema plus one policy file (and optional extra files).
inline Pipeline policy_pipeline(const std::string& policy,
                                std::vector<std::pair<std::string, std::string>> extra = {}) {
  extra.emplace_back("schema.cpl", test_schema);
  extra.emplace_back("policy.cpl", policy);
  return Pipeline({write_rule_dir(extra).string()});
}

// A schema with the case-vocabulary mechanisms: fields declared `or none`, and synonyms.
inline const char* vocabulary_schema = R"(schema v "vocabulary test schema" version "1"
enum benefit { pain_management, mental_health }
enum specialty { psychiatry, neurology, other }
enum level { low, high }
record visit {
  date: date
  specialty: specialty or none
}
record case {
  id: string
  date_of_service: date
  consultant: specialty or none
  prescriber: specialty
  discharged: date or none
  score: int or none
  level: level
  visits: list of visit
}
synonyms specialty {
  psychiatry: "2084P0800X", "Psychiatrist"
  neurology: "2084N0400X"
}
)";

// A pipeline over the vocabulary schema plus one policy file.
inline Pipeline vocabulary_pipeline(const std::string& policy) {
  return Pipeline({write_rule_dir({{"schema.cpl", vocabulary_schema}, {"policy.cpl", policy}}).string()});
}

}  // namespace covcheck::testing
