// Impact analysis of a policy change: the same corpus of cases decided under an old and a
// new rule set, summarised as a matrix of old decision x new decision, the rules behind
// each changed cell with example cases, and the changes in benefit routing and prior
// authorization. Deciding and summarising are separate, so that a faster decider (the
// batch engine) can feed the same summary.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/source/source.hpp"
#include "engine/answer/determination.hpp"
#include "engine/compile/program.hpp"
#include "engine/session/session.hpp"

namespace covcheck::engine {

// One case of the corpus: its text and the name it is registered under
// (`cases.jsonl:#12`, the 1-based record number).
struct CorpusRecord {
  std::string name;
  std::string text;
  // How the session's reader table chooses its reader, as in `batch`: a YAML document is
  // YAML (`format`); a JSON Lines record is JSON by media type, so that the FHIR row still
  // claims a bundle on one line (case_readers.hpp).
  std::string_view format = "yaml";
  std::string_view media_type;
};

// Splits a corpus into records: JSON Lines (one case per non-blank line) when `yaml` is
// false, else a YAML stream (one case per document). Names are `<file>:#N`.
std::vector<CorpusRecord> split_corpus(std::string_view text, const std::string& file_name, bool yaml);

// What one side made of one case: a determination, or the error that stopped it.
struct SideOutcome {
  std::optional<Determination> determination;
  std::string error;  // first error message when there is no determination
};

// Decides the record through the side's session; `as_of` pins the evaluation date for
// effective ranges (nullopt: date_of_service).
SideOutcome decide_record(DecisionSession& session, const CorpusRecord& record, std::optional<std::int32_t> as_of);

// A decisive reason as the report names it: rule id, effect and citation.
struct ReasonKey {
  std::string rule;    // `s3_esketamine`, or `(policy default)` when the default decided
  std::string effect;  // cover / deny / pend / exclude
  std::string cite;    // may be empty
  friend auto operator<=>(const ReasonKey&, const ReasonKey&) = default;
};

struct ReasonCount {
  ReasonKey reason;
  bool old_side = false;  // true: decisive under the old rules only; false: under the new only
  std::uint64_t cases = 0;
};

// A cell of the old x new matrix. Outcomes are decision names or `error`.
struct ImpactCell {
  std::string old_outcome, new_outcome;
  std::uint64_t cases = 0;
  std::vector<ReasonCount> reasons;   // changed cells only: the decisive reasons that differ, most cases first
  std::vector<std::string> examples;  // up to `max_examples` case ids, in corpus order
};

// A change of one attribute (benefit, prior authorization) between the two sides.
struct AttributeChange {
  std::string old_value, new_value;  // `mental_health`, `none`; `true`, `false`, `unknown`
  std::uint64_t cases = 0;
  std::vector<std::string> examples;
};

struct ImpactReport {
  std::uint64_t cases = 0;
  std::uint64_t changed = 0;             // cases whose decision differs
  std::vector<ImpactCell> cells;         // every non-empty cell, in outcome order (old, then new)
  std::vector<AttributeChange> benefit;  // only differing pairs
  std::vector<AttributeChange> prior_auth;
  std::vector<std::string> old_policies;  // `acme 2025.2`, as seen in the old determinations
  std::vector<std::string> new_policies;
  std::vector<std::pair<std::string, std::string>> errors;  // (case, "old: message" / "new: message"), first few
};

// The outcome names in matrix order.
const std::vector<std::string>& impact_outcomes();

// Accumulates cases one at a time, in corpus order.
class ImpactSummary {
 public:
  explicit ImpactSummary(std::size_t max_examples = 5) : max_examples_(max_examples) {}
  void add(const std::string& case_id, const SideOutcome& old_side, const SideOutcome& new_side);
  ImpactReport finish() const;

 private:
  struct Cell {
    std::uint64_t cases = 0;
    std::map<std::pair<bool, ReasonKey>, std::uint64_t> reasons;
    std::vector<std::string> examples;
  };
  std::size_t max_examples_;
  std::uint64_t cases_ = 0, changed_ = 0;
  std::map<std::pair<std::size_t, std::size_t>, Cell> cells_;
  std::map<std::pair<std::string, std::string>, AttributeChange> benefit_, prior_auth_;
  std::vector<std::string> old_policies_, new_policies_;
  std::vector<std::pair<std::string, std::string>> errors_;
};

}  // namespace covcheck::engine
