// `covcheck test --update`: a failing expectation's value is rewritten in the suite's text by
// its span, so comments, order and layout stay as the analyst wrote them.
#include "tools/covcheck/suite_update.hpp"

#include <algorithm>
#include <fstream>
#include <map>

#include <fmt/format.h>

namespace covcheck::cli {

namespace {

// A plain YAML scalar when it reads back as the same text, double-quoted otherwise.
std::string yaml_text(const std::string& s) {
  bool plain = !s.empty() && s.find_first_of("[]{},:#&*!|>'\"%@`") == std::string::npos && s.front() != ' ' &&
               s.back() != ' ' && s != "null" && s != "true" && s != "false" && s != "~" && s.front() != '-';
  if (plain) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string flow_list(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out = "[";
  for (const std::string& i : items) out += (out.size() > 1 ? ", " : "") + yaml_text(i);
  return out + "]";
}

// The value the determination gives for one expectation key, as YAML; nullopt when the key
// cannot be rewritten from it (`next_steps_contain`, `reasons_include`, `error`).
std::optional<std::string> current_value(const std::string& key, const engine::Determination& d) {
  if (key == "decision") return engine::decision_name(d.decision);
  if (key == "prior_auth") return d.prior_auth ? (*d.prior_auth ? "true" : "false") : "null";
  if (key == "benefit") return d.benefit ? yaml_text(*d.benefit) : "null";
  if (key == "reasons") {
    std::vector<std::string> ids;
    for (const engine::Reason& r : d.reasons) ids.push_back(r.rule);
    return flow_list(ids);
  }
  if (key == "missing") {
    std::vector<std::string> facts;
    for (const engine::MissingFact& m : d.missing) facts.push_back(m.fact);
    return flow_list(facts);
  }
  if (key == "requirements") {
    std::map<std::string, std::string> items;
    for (const engine::RequirementStatus& r : d.requirements) items[r.item] = r.status;
    std::string out = "{";
    for (const auto& [item, status] : items) out += (out.size() > 1 ? ", " : "") + yaml_text(item) + ": " + status;
    return out + "}";
  }
  if (key == "authorization") {
    if (!d.authorization) return "null";
    std::vector<std::string> parts;
    if (d.authorization->days) parts.push_back(fmt::format("days: {}", *d.authorization->days));
    if (d.authorization->months) parts.push_back(fmt::format("months: {}", *d.authorization->months));
    if (d.authorization->units) parts.push_back(fmt::format("units: {}", *d.authorization->units));
    if (d.authorization->days_unknown) parts.push_back("days: null");
    if (d.authorization->months_unknown) parts.push_back("months: null");
    if (d.authorization->units_unknown) parts.push_back("units: null");
    std::string out = "{";
    for (const std::string& p : parts) out += (out.size() > 1 ? ", " : "") + p;
    return out + "}";
  }
  return std::nullopt;
}

}  // namespace

std::vector<ExpectationEdit> expectation_edits(const TestResult& result, const dsl::SourceRegistry& sources) {
  std::vector<ExpectationEdit> out;
  const SuiteTest& test = *result.test;
  for (const Mismatch& m : result.mismatches) {
    ExpectationEdit edit;
    edit.test = test.name;
    if (m.key == "next_steps") edit.key = m.expected.starts_with("no step") ? "next_steps_lack" : "next_steps_contain";
    else if (m.key == "warnings")
      edit.key = m.expected.starts_with("no warning") ? "warnings_lack" : "warnings_contain";
    else edit.key = m.key;
    edit.was = m.expected;
    auto at = test.expect_values.find(edit.key);
    std::optional<std::string> now =
        result.determination ? current_value(edit.key, *result.determination) : std::nullopt;
    if (at == test.expect_values.end() || !now) {
      edit.problem = result.determination ? "cannot be rewritten from the result; edit it by hand"
                                          : "the case has no determination; edit it by hand";
    } else if (at->second.begin < test.expect_at.begin || at->second.end > test.expect_at.end) {
      edit.problem = "comes from a YAML anchor shared with other tests; edit it by hand";
    } else {
      edit.at = at->second;
      edit.text = *now;
    }
    edit.where = sources.describe(edit.at.file == dsl::no_file ? test.at : edit.at);
    // A key that mismatched twice (several next steps) is one edit.
    bool seen = std::any_of(out.begin(), out.end(), [&](const ExpectationEdit& e) { return e.key == edit.key; });
    if (!seen) out.push_back(std::move(edit));
  }
  return out;
}

std::string apply_edits(std::string_view text, std::vector<ExpectationEdit> edits) {
  std::sort(edits.begin(), edits.end(),
            [](const ExpectationEdit& a, const ExpectationEdit& b) { return a.at.begin > b.at.begin; });
  std::string out(text);
  for (const ExpectationEdit& e : edits) {
    if (!e.problem.empty() || e.at.file == dsl::no_file) continue;
    // An empty value (`key:` alone) gets the space YAML needs after the colon.
    out.replace(e.at.begin, e.at.end - e.at.begin, e.at.begin == e.at.end ? " " + e.text : e.text);
  }
  return out;
}

bool write_updates(const std::string& path, std::string_view text, const std::vector<ExpectationEdit>& edits,
                   std::ostream& out, std::ostream& err) {
  bool all = true;
  std::size_t applied = 0;
  for (const ExpectationEdit& e : edits) {
    if (!e.problem.empty()) {
      out << fmt::format("not updated {}: {}: `{}` {}\n", e.where, e.test, e.key, e.problem);
      all = false;
      continue;
    }
    out << fmt::format("updated {}: {}: {}: {} → {}\n", e.where, e.test, e.key, e.was, e.text);
    ++applied;
  }
  if (applied == 0) return all;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << apply_edits(text, edits);
  file.close();
  if (!file) {
    err << fmt::format("covcheck: error: cannot write `{}`\n", path);
    return false;
  }
  return all;
}

}  // namespace covcheck::cli
