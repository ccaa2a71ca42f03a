// Impact analysis: deciding corpus records on one side, and summarising the pairs of
// outcomes into the matrix, the responsible rules, and routing / authorization changes.
#include "engine/batch/impact.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/batch/batch_reader.hpp"

namespace covcheck::engine {

std::vector<CorpusRecord> split_corpus(std::string_view text, const std::string& file_name, bool yaml) {
  // The batch reader's splitter, so that `diff` and `batch` see the same records.
  std::vector<RecordRef> refs;
  split_records(text, yaml ? InputFormat::yaml : InputFormat::jsonl, 1, refs);
  std::vector<CorpusRecord> out;
  out.reserve(refs.size());
  for (const RecordRef& r : refs)
    out.push_back({fmt::format("{}:#{}", file_name, out.size() + 1), std::string(text.substr(r.offset, r.length)),
                   yaml ? "yaml" : "", yaml ? "" : "application/json"});
  return out;
}

SideOutcome decide_record(DecisionSession& session, const CorpusRecord& record, std::optional<std::int32_t> as_of) {
  CaseInput input;
  input.text = record.text;
  input.name = record.name;
  input.format = record.format;
  input.media_type = record.media_type;
  SessionOptions options;
  options.as_of = as_of;
  options.trace = false;  // the report needs decisions and reasons, not explanations
  options.explain = false;
  options.checklist = false;
  CaseOutcome& result = session.decide(input, options);
  SideOutcome out;
  if (result.determination) {
    out.determination = std::move(result.determination);
    return out;
  }
  for (const dsl::Diagnostic& d : result.diagnostics.items()) {
    if (d.severity != dsl::Severity::error) continue;
    out.error =
        d.span.file == dsl::no_file ? d.message : fmt::format("{}: {}", session.sources().describe(d.span), d.message);
    break;
  }
  if (out.error.empty()) out.error = "the case could not be decided";
  return out;
}

const std::vector<std::string>& impact_outcomes() {
  static const std::vector<std::string> names{"covered", "pend", "denied", "excluded", "error"};
  return names;
}

namespace {

std::size_t outcome_index(const SideOutcome& s) {
  return s.determination ? static_cast<std::size_t>(s.determination->decision) : 4;
}

std::vector<ReasonKey> decisive(const SideOutcome& s) {
  std::vector<ReasonKey> out;
  if (!s.determination) return out;
  for (const Reason& r : s.determination->reasons)
    if (r.decisive) out.push_back({r.rule, r.effect, r.cite.value_or("")});
  if (out.empty() && s.determination->basis == std::optional<std::string>("default"))
    out.push_back({"(policy default)", decision_name(s.determination->decision), ""});
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string benefit_of(const SideOutcome& s) {
  if (!s.determination) return "error";
  if (!s.determination->benefit_conflict.empty()) return "conflict";
  return s.determination->benefit.value_or("none");
}

std::string prior_auth_of(const SideOutcome& s) {
  if (!s.determination) return "error";
  if (!s.determination->prior_auth) return "unknown";
  return *s.determination->prior_auth ? "true" : "false";
}

void note_policies(const SideOutcome& s, std::vector<std::string>& seen) {
  if (!s.determination) return;
  for (const PolicyRef& p : s.determination->policies) {
    if (p.kind != "policy") continue;
    std::string name = fmt::format("{} {}", p.name, p.version);
    if (std::find(seen.begin(), seen.end(), name) == seen.end()) seen.push_back(name);
  }
}

}  // namespace

void ImpactSummary::add(const std::string& case_id, const SideOutcome& old_side, const SideOutcome& new_side) {
  ++cases_;
  std::size_t from = outcome_index(old_side), to = outcome_index(new_side);
  Cell& cell = cells_[{from, to}];
  ++cell.cases;
  if (cell.examples.size() < max_examples_) cell.examples.push_back(case_id);
  if (from != to) {
    ++changed_;
    std::vector<ReasonKey> before = decisive(old_side), after = decisive(new_side);
    for (const ReasonKey& r : before)
      if (!std::binary_search(after.begin(), after.end(), r)) ++cell.reasons[{true, r}];
    for (const ReasonKey& r : after)
      if (!std::binary_search(before.begin(), before.end(), r)) ++cell.reasons[{false, r}];
  }
  auto attribute = [&](std::map<std::pair<std::string, std::string>, AttributeChange>& changes, std::string a,
                       std::string b) {
    if (a == b || a == "error" || b == "error") return;  // errors are counted in the matrix
    AttributeChange& c = changes[{a, b}];
    c.old_value = std::move(a);
    c.new_value = std::move(b);
    ++c.cases;
    if (c.examples.size() < max_examples_) c.examples.push_back(case_id);
  };
  attribute(benefit_, benefit_of(old_side), benefit_of(new_side));
  attribute(prior_auth_, prior_auth_of(old_side), prior_auth_of(new_side));
  note_policies(old_side, old_policies_);
  note_policies(new_side, new_policies_);
  if (errors_.size() < max_examples_) {
    if (!old_side.determination) errors_.emplace_back(case_id, "old: " + old_side.error);
    if (!new_side.determination) errors_.emplace_back(case_id, "new: " + new_side.error);
  }
}

ImpactReport ImpactSummary::finish() const {
  ImpactReport report;
  report.cases = cases_;
  report.changed = changed_;
  const auto& names = impact_outcomes();
  for (const auto& [key, cell] : cells_) {
    ImpactCell out{names[key.first], names[key.second], cell.cases, {}, cell.examples};
    for (const auto& [reason, count] : cell.reasons) out.reasons.push_back({reason.second, reason.first, count});
    std::stable_sort(out.reasons.begin(), out.reasons.end(),
                     [](const ReasonCount& a, const ReasonCount& b) { return a.cases > b.cases; });
    report.cells.push_back(std::move(out));
  }
  auto flatten = [](const std::map<std::pair<std::string, std::string>, AttributeChange>& m) {
    std::vector<AttributeChange> out;
    for (const auto& [key, change] : m) out.push_back(change);
    std::stable_sort(out.begin(), out.end(),
                     [](const AttributeChange& a, const AttributeChange& b) { return a.cases > b.cases; });
    return out;
  };
  report.benefit = flatten(benefit_);
  report.prior_auth = flatten(prior_auth_);
  report.old_policies = old_policies_;
  report.new_policies = new_policies_;
  report.errors = errors_;
  return report;
}

}  // namespace covcheck::engine
