// Mutation testing of rule files (`covcheck test --mutate`): one small, plausible mistake at
// a time is made in the rules a suite owns, and the suite must notice each (a test fails).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsl/source/source.hpp"
#include "engine/compile/program.hpp"
#include "tools/covcheck/suite.hpp"
#include "tools/covcheck/suite_run.hpp"

namespace covcheck::cli {

// One mistake: where it is, what it changes, and the whole file with it made.
struct Mutant {
  std::string file;       // the rule file as loaded (display name)
  std::string canonical;  // its canonical path: the key of the text overlay
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string change;  // "`<=` → `<`"
  std::string text;    // the mutated file
};

// Every mutant of one file of a program's rule set (`file_index` into its RuleFiles): the
// AST gives the places and spans, the formatter prints a changed node, and the text with
// that span replaced is the mutant. Compiling is left to the caller.
std::vector<Mutant> mutants_of_file(const engine::Program& program, std::size_t file_index,
                                    const dsl::SourceRegistry& sources);

struct MutationOptions {
  unsigned threads = 0;               // 0: the hardware's
  std::optional<std::size_t> sample;  // at most this many mutants per file, spread evenly
};

enum class MutantStatus { killed, survived, not_compiled };

struct FileMutation {
  std::string file;
  std::size_t mutants = 0;  // compiled mutants
  std::size_t killed = 0;
  std::size_t not_compiled = 0;
  std::size_t generated = 0;  // before sampling
};

struct MutationReport {
  std::vector<FileMutation> files;  // in the order the suites load them
  std::vector<Mutant> survivors;    // by file, line, column (the text dropped)
  std::size_t mutants = 0, killed = 0, not_compiled = 0, generated = 0;
  unsigned threads = 1;
};

// Floored, so that a score shown as 90 % never fails `--mutate-min 90`.
int shown_score(std::size_t killed, std::size_t mutants);

// Mutates each rule file that the selected suites own (suite_owner.hpp) and runs, for each
// mutant, the tests of the suites owning that file, each against its own rule set rebuilt
// with the mutated text; a mutant is killed when one test fails. `cases` is parallel to
// each suite's tests (prepared once, shared by every mutant and thread).
MutationReport run_mutation(const std::vector<Suite>& suites, const RuleSets& rule_sets,
                            const std::vector<std::vector<PreparedCase>>& cases, const dsl::SourceRegistry& sources,
                            const MutationOptions& options);

std::string render_mutation(const MutationReport& report);
// `{"passed": N, "failed": M, "mutation": {…}}`, the mutation object only with a report.
std::string render_tests_json(const MutationReport* report, std::size_t passed, std::size_t failed);
// Files (and the total) below `min_score`, one error line each.
std::vector<std::string> below_mutation_minimum(const MutationReport& report, double min_score);

}  // namespace covcheck::cli
