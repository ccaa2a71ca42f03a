// One case decided by several payers side by side (`covcheck compare`, POST /v1/compare): the
// rows, the shortest path to coverage, and their text and JSON renderings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "engine/answer/determination.hpp"
#include "engine/session/payer_registry.hpp"
#include "engine/session/session.hpp"

namespace covcheck::engine {

// One column of the comparison: a determination, or why the set could not decide the case
// (no policy, or several, in force on the case's date).
struct CompareRow {
  std::string name;  // the `--set` name or the registry entry's id
  std::vector<std::string> paths;
  std::optional<Determination> determination;
  std::string default_message;  // the in-force policy's default, shown when it decided
  std::string error;            // set when there is no determination
};

// A row from one session's outcome: the determination, or an error row when only the dates in
// force stopped it. False when the case itself failed (its diagnostics are the caller's error).
bool compare_row(CompareRow& row, CaseOutcome& outcome, const Program& program);

// The registry entries named in `ids` (all, in file order, when empty); nullopt and `error`
// (listing the known payers) when one is unknown.
std::optional<std::vector<const PayerEntry*>> choose_payers(const PayerRegistry& registry,
                                                            const std::vector<std::string>& ids, std::string& error);

// Decides one case for each entry through one registry session. nullopt when the case cannot
// be read or validated (its diagnostics appended to `diagnostics`); the case's warnings are
// appended once.
std::optional<std::vector<CompareRow>> compare_payers(DecisionSession& session,
                                                      const std::vector<const PayerEntry*>& entries,
                                                      const CaseInput& input, const SessionOptions& options,
                                                      dsl::Diagnostics& diagnostics);

// The policy did not address the service: no rule decided, the policy's default did.
bool not_addressed(const Determination& d);

// Which payers cover the case; else the addressed payer with the fewest gaps (missing facts,
// missing or unknown required items, deciding denials), ties in row order.
struct ShortestPath {
  std::vector<std::string> covered_by;
  std::optional<std::string> closest;
  std::size_t gaps = 0;
};
ShortestPath shortest_path(const std::vector<CompareRow>& rows);

std::string render_compare_text(const std::vector<CompareRow>& rows);
std::string render_compare_json(const std::vector<CompareRow>& rows);

}  // namespace covcheck::engine
