// Deciding one case for several payers: a row per payer from its session outcome, every
// payer of a registry (or the named ones) through one registry session.
#include "engine/session/compare.hpp"

#include <fmt/format.h>

namespace covcheck::engine {

namespace {

// A case that cannot be decided only because of the dates in force is a row, not an error.
bool only_date_errors(const dsl::Diagnostics& diagnostics) {
  bool any = false;
  for (const dsl::Diagnostic& d : diagnostics.items()) {
    if (d.severity != dsl::Severity::error) continue;
    if (d.code != "eval.no_policy_in_force" && d.code != "eval.several_policies_in_force") return false;
    any = true;
  }
  return any;
}

std::string date_error_text(const dsl::Diagnostics& diagnostics) {
  for (const dsl::Diagnostic& d : diagnostics.items()) {
    if (d.severity != dsl::Severity::error) continue;
    std::string text = d.message;
    for (const dsl::DiagnosticNote& n : d.notes)
      if (n.message.rfind("loaded: ", 0) == 0) text += " (" + n.message + ")";
    return text;
  }
  return {};
}

std::string default_message_of(const Program& program, const Determination& d) {
  for (const PolicyRef& ref : d.policies) {
    if (ref.kind != "policy") continue;
    for (const dsl::Unit& unit : program.checked->units)
      if (unit.kind == dsl::ast::FileKind::policy && unit.id == ref.name && unit.version == ref.version)
        return unit.default_message;
  }
  return {};
}

}  // namespace

bool compare_row(CompareRow& row, CaseOutcome& outcome, const Program& program) {
  if (!outcome.determination) {
    if (!only_date_errors(outcome.diagnostics)) return false;
    row.error = date_error_text(outcome.diagnostics);
    return true;
  }
  row.default_message = default_message_of(program, *outcome.determination);
  row.determination = std::move(outcome.determination);
  return true;
}

std::optional<std::vector<const PayerEntry*>> choose_payers(const PayerRegistry& registry,
                                                            const std::vector<std::string>& ids, std::string& error) {
  std::vector<const PayerEntry*> out;
  if (ids.empty()) {
    for (const PayerEntry& e : registry.entries) out.push_back(&e);
    return out;
  }
  for (const std::string& id : ids) {
    const PayerEntry* e = registry.find_id(id);
    if (!e) {
      error = fmt::format("unknown payer `{}`; the known payers are {}", id, registry.known_payers());
      return std::nullopt;
    }
    out.push_back(e);
  }
  return out;
}

std::optional<std::vector<CompareRow>> compare_payers(DecisionSession& session,
                                                      const std::vector<const PayerEntry*>& entries,
                                                      const CaseInput& input, const SessionOptions& options,
                                                      dsl::Diagnostics& diagnostics) {
  std::vector<CompareRow> rows;
  bool warnings_kept = false;
  for (const PayerEntry* entry : entries) {
    CompareRow row;
    row.name = entry->id;
    row.paths = entry->rules;
    CaseOutcome& outcome = session.decide_for(*entry, input, options);
    dsl::Diagnostics seen = outcome.diagnostics;
    if (!compare_row(row, outcome, session.program())) {
      diagnostics.append(seen);
      return std::nullopt;
    }
    // The case's own warnings (unknown fields…) are the same for every payer: report them once.
    if (row.determination && !warnings_kept) diagnostics.append(seen), warnings_kept = true;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace covcheck::engine
