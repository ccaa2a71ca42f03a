// `covcheck test`: find and validate suites, build each distinct rule set once, run the
// selected tests, then print failures, per-suite lines, coverage and `N passed, M failed`.
#include "tools/covcheck/test_command.hpp"

#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "tools/covcheck/check_command.hpp"
#include "tools/covcheck/suite.hpp"
#include "tools/covcheck/suite_coverage.hpp"
#include "tools/covcheck/suite_mutate.hpp"
#include "tools/covcheck/suite_report.hpp"
#include "tools/covcheck/suite_run.hpp"
#include "tools/covcheck/suite_update.hpp"

namespace covcheck::cli {

namespace {

bool write_file(const std::string& path, const std::string& text, std::ostream& err) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (file) return true;
  err << fmt::format("covcheck: error: cannot write `{}`\n", path);
  return false;
}

}  // namespace

int run_tests(const TestOptions& options, std::ostream& out, std::ostream& err) {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  auto report = [&]() {
    diagnostics.sort();
    err << dsl::render_all(diagnostics, sources);
    diagnostics = dsl::Diagnostics{};
  };

  std::vector<std::string> paths = find_suites(options.paths, diagnostics);
  std::vector<Suite> suites;
  for (const std::string& path : paths)
    if (std::optional<Suite> suite = load_suite(path, sources, diagnostics)) suites.push_back(std::move(*suite));
  if (diagnostics.has_errors()) {
    report();
    return exit_usage;
  }

  // Only suites with a selected test are built and run.
  std::vector<Suite> selected;
  for (Suite& suite : suites) {
    std::vector<SuiteTest> tests;
    for (SuiteTest& test : suite.tests)
      if (filter_matches(options.filter, test.name)) tests.push_back(std::move(test));
    if (tests.empty()) continue;
    suite.tests = std::move(tests);
    selected.push_back(std::move(suite));
  }
  if (selected.empty()) {
    report();
    err << fmt::format("covcheck: error: no test matches --filter `{}`\n", options.filter);
    return exit_usage;
  }

  RuleSets rule_sets;
  engine::RuleSetStatus status = build_rule_sets(selected, sources, diagnostics, rule_sets);
  report();
  if (status == engine::RuleSetStatus::unreadable) return exit_usage;
  if (status == engine::RuleSetStatus::does_not_compile) return exit_rules;

  bool want_coverage = options.coverage_report || options.coverage_min || options.lcov_file;
  Coverage coverage;
  if (want_coverage)
    for (const auto& program : rule_sets.programs) coverage.add_program(*program, sources);

  // Each case file is read once; mutants decide the same prepared cases.
  std::vector<std::vector<PreparedCase>> cases(selected.size());
  for (std::size_t i = 0; i < selected.size(); ++i)
    for (SuiteTest& test : selected[i].tests) {
      if (options.as_of && !test.as_of) test.as_of = options.as_of;
      cases[i].push_back(prepare_case(test));
    }

  // One session per rule set, made once every suite and rule file is registered.
  std::vector<std::unique_ptr<engine::DecisionSession>> sessions;
  for (const auto& program : rule_sets.programs)
    sessions.push_back(std::make_unique<engine::DecisionSession>(*program, sources));

  // With --format junit or json, stdout is the XML or JSON alone and the text goes to stderr.
  std::ostream& text = options.junit || options.json ? err : out;
  std::vector<SuiteResult> results;
  std::size_t passed = 0, failed = 0;
  std::size_t updated_tests = 0;
  bool update_complete = true;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    SuiteResult result;
    result.suite = &selected[i];
    result.rule_set = rule_sets.of_suite[i];
    engine::DecisionSession& session = *sessions[result.rule_set];
    std::vector<ExpectationEdit> edits;
    for (std::size_t t = 0; t < selected[i].tests.size(); ++t) {
      const SuiteTest& test = selected[i].tests[t];
      TestResult r = run_test(test, cases[i][t], session);
      if (r.passed) {
        ++passed;
      } else {
        ++failed;
        text << render_failure(r, sources);
      }
      if (options.update && !r.passed) {
        std::vector<ExpectationEdit> found = expectation_edits(r, session.sources());
        edits.insert(edits.end(), found.begin(), found.end());
      }
      if (want_coverage && r.determination) coverage.add(*r.determination, session.sources(), selected[i].path);
      r.determination.reset();  // traces are large; coverage has what it needs
      result.tests.push_back(std::move(r));
    }
    std::size_t failures = result.failures();
    std::string tests = fmt::format("{} test{}", result.tests.size(), result.tests.size() == 1 ? "" : "s");
    text << (failures == 0 ? fmt::format("{}: {} ok\n", result.suite->path, tests)
                           : fmt::format("{}: {}, {} failed\n", result.suite->path, tests, failures));
    results.push_back(std::move(result));
    if (!edits.empty()) {
      updated_tests += failures;
      if (!write_updates(selected[i].path, sources.file(selected[i].file).text(), edits, text, err))
        update_complete = false;
    }
  }

  // With --update, the failures are fixed in the suites: the run succeeds when all were.
  int exit = failed > 0 && !(options.update && update_complete) ? exit_fail_on : exit_ok;
  if (options.update && failed > 0)
    text << fmt::format("{} failing test{} updated{}\n", updated_tests, updated_tests == 1 ? "" : "s",
                        update_complete ? "" : " (not every expectation: see `not updated` above)");
  if (options.coverage_report) text << render_coverage(coverage);
  if (options.coverage_min) {
    for (const std::string& line : below_minimum(coverage, *options.coverage_min)) {
      err << "covcheck: error: " << line << "\n";
      exit = exit_fail_on;
    }
  }
  std::optional<MutationReport> mutation;
  if (options.mutate && failed > 0) {
    err << "covcheck: error: mutation testing needs every selected test to pass first\n";
    exit = exit_fail_on;
  } else if (options.mutate) {
    MutationOptions mo;
    mo.threads = options.threads;
    mo.sample = options.mutate_sample;
    mutation = run_mutation(selected, rule_sets, cases, sources, mo);
    text << render_mutation(*mutation);
    if (options.mutate_min) {
      for (const std::string& line : below_mutation_minimum(*mutation, *options.mutate_min)) {
        err << "covcheck: error: " << line << "\n";
        exit = exit_fail_on;
      }
    }
  }
  text << fmt::format("{} passed, {} failed\n", passed, failed);
  text.flush();

  if (options.json) out << render_tests_json(mutation ? &*mutation : nullptr, passed, failed);
  if (options.junit) out << render_junit(results, sources);
  out.flush();
  if (options.junit_file && !write_file(*options.junit_file, render_junit(results, sources), err)) return exit_usage;
  if (options.lcov_file && !write_file(*options.lcov_file, render_lcov(coverage), err)) return exit_usage;
  return exit;
}

Command add_test_command(CLI::App& app) {
  struct Raw {
    TestOptions options;
    std::string format = "text";
    std::string as_of;
    std::string junit_file, lcov_file;
    double coverage_min = 0;
    double mutate_min = 0;
    std::size_t mutate_sample = 0;
  };
  auto raw = std::make_shared<Raw>();
  CLI::App* test = app.add_subcommand("test", "Run rule test suites (tests/*.yaml), optionally with rule coverage");
  test->add_option("PATH", raw->options.paths, "Suite files, or folders searched for tests/*.yaml")
      ->required()
      ->type_name("PATH");
  test->add_option("--filter", raw->options.filter, "Run only tests whose name contains PATTERN (or matches the glob)")
      ->type_name("PATTERN");
  test->add_option(
          "--format", raw->format,
          "Output format (junit: JUnit XML on stdout, json: the counts and mutation results; the text on stderr)")
      ->check(CLI::IsMember({"text", "junit", "json"}))
      ->capture_default_str();
  test->add_option("--junit", raw->junit_file, "Also write JUnit XML to FILE")->type_name("FILE");
  test->add_flag("--coverage", raw->options.coverage_report,
                 "Report how often each rule and criterion was true, false, unknown");
  test->add_option("--coverage-min", raw->coverage_min,
                   "Fail (exit 1) when a rule file's criterion coverage is below P percent")
      ->type_name("P");
  test->add_option("--lcov", raw->lcov_file, "Write the coverage as LCOV to FILE (for genhtml and editors)")
      ->type_name("FILE");
  test->add_option("--as-of", raw->as_of, "Judge effective ranges on this date in tests without their own as_of")
      ->type_name("DATE");
  test->add_flag("--update", raw->options.update,
                 "Rewrite the failing expectations to the current results, in the suites' text (comments kept)");
  test->add_flag("--mutate", raw->options.mutate,
                 "Mutation testing: make small mistakes in the rules the suites own; each must fail a test");
  test->add_option("--mutate-min", raw->mutate_min,
                   "Fail (exit 1) when a rule file's mutation score is below P percent")
      ->type_name("P");
  test->add_option("--mutate-sample", raw->mutate_sample, "Run at most N mutants per rule file, spread evenly over it")
      ->type_name("N");
  test->add_option("--threads", raw->options.threads, "Mutation workers (default: one per core)")->type_name("N");
  return {test, [test, raw]() {
            TestOptions options = raw->options;
            options.junit = raw->format == "junit";
            options.json = raw->format == "json";
            if (test->count("--mutate-min") > 0) {
              if (!(raw->mutate_min >= 0 && raw->mutate_min <= 100))
                return usage_error(fmt::format("--mutate-min: {} is not a percentage (0 to 100)", raw->mutate_min));
              options.mutate_min = raw->mutate_min;
              options.mutate = true;
            }
            if (test->count("--mutate-sample") > 0) {
              if (raw->mutate_sample == 0) return usage_error("--mutate-sample: give at least 1");
              options.mutate_sample = raw->mutate_sample;
            }
            if (test->count("--junit") > 0) options.junit_file = raw->junit_file;
            if (test->count("--lcov") > 0) options.lcov_file = raw->lcov_file;
            if (test->count("--coverage-min") > 0) {
              if (!(raw->coverage_min >= 0 && raw->coverage_min <= 100))
                return usage_error(fmt::format("--coverage-min: {} is not a percentage (0 to 100)", raw->coverage_min));
              options.coverage_min = raw->coverage_min;
            }
            if (test->count("--as-of") > 0) {
              options.as_of = dsl::parse_iso_date(raw->as_of);
              if (!options.as_of) return usage_error("--as-of: `" + raw->as_of + "` is not a date (YYYY-MM-DD)");
            }
            return run_tests(options, std::cout, std::cerr);
          }};
}

}  // namespace covcheck::cli
