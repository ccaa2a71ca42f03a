// Running one test: decide its case with the suite's rule set, compare key by key, and on
// failure keep the part of the trace that decided the outcome.
#include "tools/covcheck/suite_run.hpp"

#include <fnmatch.h>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "dsl/source/one_line.hpp"

namespace covcheck::cli {

namespace {

using dsl::one_line;

std::string list_text(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& s : items) out += (out.size() > 1 ? ", " : "") + s;
  return out + "]";
}

std::string optional_text(const std::optional<std::string>& s) { return s ? *s : "null"; }
std::string optional_text(const std::optional<bool>& b) { return b ? (*b ? "true" : "false") : "null"; }

std::string map_text(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) out += (out.size() > 1 ? ", " : "") + k + ": " + v;
  return out + "}";
}

template <typename Auth>
std::string authorization_text(const std::optional<Auth>& a) {
  if (!a) return "null";
  std::vector<std::string> parts;
  if (a->days) parts.push_back(fmt::format("days: {}", *a->days));
  if (a->months) parts.push_back(fmt::format("months: {}", *a->months));
  if (a->units) parts.push_back(fmt::format("units: {}", *a->units));
  if (a->days_unknown) parts.push_back("days: null");
  if (a->months_unknown) parts.push_back("months: null");
  if (a->units_unknown) parts.push_back("units: null");
  std::string out = "{";
  for (const std::string& p : parts) out += (out.size() > 1 ? ", " : "") + p;
  return out + "}";
}

std::string first_error(const dsl::Diagnostics& ds) {
  for (const dsl::Diagnostic& d : ds.items())
    if (d.severity == dsl::Severity::error) return d.message;
  return {};
}

}  // namespace

std::size_t SuiteResult::failures() const {
  return static_cast<std::size_t>(
      std::count_if(tests.begin(), tests.end(), [](const TestResult& t) { return !t.passed; }));
}

engine::RuleSetStatus build_rule_sets(const std::vector<Suite>& suites, dsl::SourceRegistry& sources,
                                      dsl::Diagnostics& diagnostics, RuleSets& out) {
  engine::RuleSetStatus worst = engine::RuleSetStatus::ok;
  auto rank = [](engine::RuleSetStatus s) {
    return s == engine::RuleSetStatus::unreadable ? 2 : s == engine::RuleSetStatus::does_not_compile ? 1 : 0;
  };
  std::map<std::vector<std::string>, std::size_t> by_key;
  for (const Suite& suite : suites) {
    std::vector<std::string> key = suite.rules;
    std::sort(key.begin(), key.end());
    key.erase(std::unique(key.begin(), key.end()), key.end());
    auto [it, fresh] = by_key.try_emplace(key, out.programs.size());
    if (fresh) {
      engine::RuleSetBuild built = engine::build_rule_set(suite.rules, sources, diagnostics);
      out.paths.push_back(suite.rules);
      out.programs.push_back(built.program);
      if (rank(built.status) > rank(worst)) worst = built.status;
    }
    out.of_suite.push_back(it->second);
  }
  return worst;
}

bool filter_matches(const std::string& pattern, const std::string& name) {
  if (pattern.empty()) return true;
  if (pattern.find_first_of("*?[") != std::string::npos) return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
  return name.find(pattern) != std::string::npos;
}

// An expected reason that is no rule of the rule set is a typo in the suite, not a change
// in the policy: say so on the mismatch.
void name_unknown_rules(const engine::Program& program, const Expectation& e, std::vector<Mismatch>& mismatches) {
  if (!e.reasons && !e.reasons_include) return;
  std::vector<std::string> ids;
  for (const engine::CompiledRule& r : program.rules) ids.push_back(r.checked->display_id);
  for (Mismatch& m : mismatches) {
    if (m.key != "reasons" && m.key != "reasons_include") continue;
    for (const std::string& id : m.key == "reasons" ? *e.reasons : *e.reasons_include) {
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) continue;
      std::string line = fmt::format("`{}` is not a rule of the rule set", id);
      if (auto near = dsl::closest_match(id, ids)) line += fmt::format("; did you mean `{}`?", *near);
      m.hint += (m.hint.empty() ? "" : "; ") + line;
    }
  }
}

std::vector<Mismatch> compare(const Expectation& e, const engine::CaseOutcome& result) {
  std::vector<Mismatch> out;
  std::string error = first_error(result.diagnostics);
  if (e.error) {
    if (result.determination) {
      out.push_back({"error", "an error containing `" + *e.error + "`",
                     fmt::format("no error (decision {})", engine::decision_name(result.determination->decision))});
    } else if (error.find(*e.error) == std::string::npos) {
      out.push_back({"error", "an error containing `" + *e.error + "`", "error: " + error});
    }
    return out;
  }
  if (!result.determination) {
    out.push_back({"error", "none", "error: " + error});
    return out;
  }
  const engine::Determination& d = *result.determination;
  if (e.decision && *e.decision != engine::decision_name(d.decision))
    out.push_back({"decision", *e.decision, engine::decision_name(d.decision)});
  if (e.prior_auth && *e.prior_auth != d.prior_auth)
    out.push_back({"prior_auth", optional_text(*e.prior_auth), optional_text(d.prior_auth)});
  if (e.benefit && *e.benefit != d.benefit)
    out.push_back({"benefit", optional_text(*e.benefit), optional_text(d.benefit)});
  if (e.reasons) {
    std::vector<std::string> actual;
    for (const engine::Reason& r : d.reasons) actual.push_back(r.rule);
    std::sort(actual.begin(), actual.end());
    if (actual != *e.reasons) out.push_back({"reasons", list_text(*e.reasons), list_text(actual)});
  }
  if (e.reasons_include) {
    std::vector<std::string> actual;
    for (const engine::Reason& r : d.reasons) actual.push_back(r.rule);
    std::sort(actual.begin(), actual.end());
    if (!std::includes(actual.begin(), actual.end(), e.reasons_include->begin(), e.reasons_include->end()))
      out.push_back({"reasons_include", list_text(*e.reasons_include), list_text(actual)});
  }
  if (e.missing) {
    std::vector<std::string> actual;
    for (const engine::MissingFact& m : d.missing) actual.push_back(m.fact);
    std::sort(actual.begin(), actual.end());
    if (actual != *e.missing) out.push_back({"missing", list_text(*e.missing), list_text(actual)});
  }
  if (e.requirements) {
    std::map<std::string, std::string> actual;
    for (const engine::RequirementStatus& r : d.requirements) actual[r.item] = r.status;
    if (actual != *e.requirements) out.push_back({"requirements", map_text(*e.requirements), map_text(actual)});
  }
  for (const std::string& step : e.next_steps_contain) {
    // `(CITE)` or `CITE` also names a step by its criterion's or its rule's citation.
    std::string_view cite = step;
    if (cite.size() > 2 && cite.front() == '(' && cite.back() == ')') cite = cite.substr(1, cite.size() - 2);
    bool found = false;
    for (std::size_t i = 0; i < d.next_steps.size() && !found; ++i) {
      found = d.next_steps[i].find(step) != std::string::npos;
      if (!found && i < d.next_step_cites.size())
        for (const std::string& c : d.next_step_cite_sets[d.next_step_cites[i]]) found = found || c == cite;
    }
    if (!found) out.push_back({"next_steps", "a step containing `" + step + "`", list_text(d.next_steps)});
  }
  for (const std::string& text : e.next_steps_lack) {
    auto hit = std::find_if(d.next_steps.begin(), d.next_steps.end(),
                            [&](const std::string& s) { return s.find(text) != std::string::npos; });
    if (hit != d.next_steps.end()) out.push_back({"next_steps", "no step containing `" + text + "`", *hit});
  }
  // The answer's warnings: the case's own (unknown fields, implausible dates) and those of
  // advice rules (a declared indication the record contradicts).
  std::vector<std::string> warnings;
  for (const engine::CaseWarning& w : d.warnings) warnings.push_back(w.message);
  for (const std::string& text : e.warnings_contain) {
    bool found = std::any_of(warnings.begin(), warnings.end(),
                             [&](const std::string& w) { return w.find(text) != std::string::npos; });
    if (!found) out.push_back({"warnings", "a warning containing `" + text + "`", list_text(warnings)});
  }
  for (const std::string& text : e.warnings_lack) {
    auto hit = std::find_if(warnings.begin(), warnings.end(),
                            [&](const std::string& w) { return w.find(text) != std::string::npos; });
    if (hit != warnings.end()) out.push_back({"warnings", "no warning containing `" + text + "`", *hit});
  }
  if (e.authorization) {
    const auto& want = *e.authorization;
    bool same = want.has_value() == d.authorization.has_value();
    if (same && want)
      same = want->days == d.authorization->days && want->months == d.authorization->months &&
             want->units == d.authorization->units && want->days_unknown == d.authorization->days_unknown &&
             want->months_unknown == d.authorization->months_unknown &&
             want->units_unknown == d.authorization->units_unknown;
    if (!same) out.push_back({"authorization", authorization_text(want), authorization_text(d.authorization)});
  }
  return out;
}

std::vector<std::string> deciding_trace(const engine::Determination& d, const dsl::SourceRegistry& sources) {
  std::vector<std::string> out;
  for (const engine::Reason& r : d.reasons) {
    if (!r.decisive) continue;
    out.push_back(fmt::format("{}: decisive {} {}: {}", sources.describe(r.at), r.effect, r.rule, r.message));
  }
  for (const engine::RuleTrace& t : d.trace) {
    if (!t.in_force || t.applied == "false" || t.kind == "advice") continue;
    if (t.applied == "unknown" && t.when)
      out.push_back(fmt::format("{}: {} may apply: `{}` is unknown", sources.describe(t.when->span), t.rule,
                                one_line(t.when->expr)));
    for (const engine::CriterionTrace& c : t.criteria) {
      if (c.kind == "prior_auth" || c.result == "true" || c.result == "present") continue;
      std::string what = c.kind == "document" ? fmt::format("document `{}` is {}", c.text, c.result)
                                              : fmt::format("`{}` is {}", one_line(c.text), c.result);
      out.push_back(fmt::format("{}: {} {}{}", sources.describe(c.span), t.rule, what,
                                c.cite ? fmt::format(" ({})", *c.cite) : std::string()));
    }
  }
  return out;
}

PreparedCase prepare_case(const SuiteTest& test) {
  PreparedCase prepared;
  if (test.inline_case) return prepared;  // read with its suite
  std::ifstream in(test.case_path, std::ios::binary);
  std::ostringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || in.bad()) {
    prepared.unreadable = "cannot read `" + test.case_path + "`";
    return prepared;
  }
  prepared.text = std::move(buffer).str();
  return prepared;
}

engine::CaseInput case_input(const SuiteTest& test, const PreparedCase& prepared) {
  engine::CaseInput input;
  if (test.inline_case) {
    input.format = "value";
    input.value = test.inline_case.get();
    input.file = test.case_at.file;
  } else {
    input.name = test.case_path;
    input.text = prepared.text;
  }
  return input;
}

TestResult run_test(const SuiteTest& test, const PreparedCase& prepared, engine::DecisionSession& session, bool trace) {
  auto start = std::chrono::steady_clock::now();
  TestResult result;
  result.test = &test;
  if (!prepared.unreadable.empty()) {
    result.mismatches.push_back({"case", "a readable case file", prepared.unreadable});
    return result;
  }
  engine::SessionOptions options;
  options.as_of = test.as_of;
  options.trace = trace;
  engine::CaseOutcome& decided = session.decide(case_input(test, prepared), options);
  result.mismatches = compare(test.expect, decided);
  name_unknown_rules(session.program(), test.expect, result.mismatches);
  result.passed = result.mismatches.empty();
  if (!result.passed) {
    if (decided.determination && trace) result.trace = deciding_trace(*decided.determination, session.sources());
    if (decided.diagnostics.has_errors())
      result.case_diagnostics = dsl::render_all(decided.diagnostics, session.sources());
  }
  result.determination = std::move(decided.determination);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

TestResult run_test(const SuiteTest& test, engine::DecisionSession& session) {
  return run_test(test, prepare_case(test), session, true);
}

}  // namespace covcheck::cli
