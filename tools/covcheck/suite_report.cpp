// Text failures and JUnit XML of a test run.
#include "tools/covcheck/suite_report.hpp"

#include <fmt/format.h>

#include "engine/answer/markup.hpp"

namespace covcheck::cli {

namespace {

std::string xml(std::string_view s) { return engine::escape_markup(s); }

}  // namespace

std::string failure_summary(const TestResult& result) {
  std::string out;
  for (const Mismatch& m : result.mismatches)
    out += fmt::format("{}{}: expected {}, got {}", out.empty() ? "" : "; ", m.key, m.expected, m.actual);
  return out;
}

std::string render_failure(const TestResult& result, const dsl::SourceRegistry& sources) {
  std::string out = fmt::format("FAIL {}: {}\n", sources.describe(result.test->at), result.test->name);
  std::size_t width = 0;
  for (const Mismatch& m : result.mismatches) width = std::max(width, m.key.size() + 1);
  for (const Mismatch& m : result.mismatches) {
    out += fmt::format("  {:<{}} expected {}\n", m.key + ":", width, m.expected);
    out += fmt::format("  {:<{}}      got {}\n", "", width, m.actual);
    if (!m.hint.empty()) out += fmt::format("  {:<{}}     hint {}\n", "", width, m.hint);
  }
  if (!result.case_diagnostics.empty()) {
    out += "  case errors:\n";
    std::size_t start = 0;
    const std::string& text = result.case_diagnostics;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out += "    " + text.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }
  if (!result.trace.empty()) {
    out += "  deciding trace:\n";
    for (const std::string& line : result.trace) out += "    " + line + "\n";
  }
  return out;
}

std::string render_junit(const std::vector<SuiteResult>& suites, const dsl::SourceRegistry& sources) {
  std::size_t tests = 0, failures = 0;
  double seconds = 0;
  for (const SuiteResult& s : suites) {
    tests += s.tests.size();
    failures += s.failures();
    for (const TestResult& t : s.tests) seconds += t.seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"covcheck test\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3f}\">\n",
                     tests, failures, seconds);
  for (const SuiteResult& s : suites) {
    double suite_seconds = 0;
    for (const TestResult& t : s.tests) suite_seconds += t.seconds;
    out += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.3f}\">\n",
        xml(s.suite->path), s.tests.size(), s.failures(), suite_seconds);
    for (const TestResult& t : s.tests) {
      dsl::LineColumn lc = sources.file(t.test->at.file).location(t.test->at.begin);
      out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.3f}\"",
                         xml(t.test->name), xml(s.suite->path), xml(s.suite->path), lc.line, t.seconds);
      if (t.passed) {
        out += "/>\n";
        continue;
      }
      out += fmt::format(">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>\n",
                         xml(failure_summary(t)), xml(render_failure(t, sources)));
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace covcheck::cli
