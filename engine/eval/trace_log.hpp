// The explanation trace as evaluation records it: a flat, pre-order array of the evaluated
// sub-expressions with their values and the case facts they read. Recording costs a few
// stores per node and no text, and stays bounded per quantifier: past the first
// `element_limit` elements of each outcome, an element keeps only its absent facts (what
// `missing` reads) and a tally. ExprEvaluator::materialize (expr_eval_trace.cpp) turns a
// subtree into TraceNodes only when an answer shows it.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/answer/determination.hpp"
#include "engine/cases/case.hpp"
#include "engine/compile/program.hpp"

namespace covcheck::engine {

inline constexpr std::uint32_t no_entry = 0xFFFFFFFFu;

// A quantifier's element: which element of which list, and its key for `count distinct`.
struct TraceElement {
  std::uint32_t list = 0, index = 0;
  std::uint32_t record = no_parent;  // the element's record, when it is one
  Value key;                         // `count distinct`: its key, when known
};

struct TraceEntry {
  enum class Fact : std::uint8_t {
    none,
    field,        // record.field of the case: fact_record, fact_field
    child_field,  // an absent record's field: the first child's fact + "." + field (fact_record = record type)
  };
  std::uint32_t op = 0;   // the op evaluated; for a quantifier's element, the quantifier
  std::uint32_t end = 0;  // one past the last entry of this subtree
  Value value;            // element: true / false / unknown (undecided)
  std::uint32_t fact_record = 0;
  std::uint32_t fact_field = 0;
  // An element: its TraceElement in TraceLog::elements. A quantifier: 1 + its ElementTally
  // in TraceLog::tallies, when it pruned elements; 0 otherwise.
  std::uint32_t side_at = 0;
  Fact fact = Fact::none;
  bool element = false;
  bool absent = false;  // the fact read is absent from the case
  enum class Mark : std::uint8_t {
    none,
    // An element left out of the trace: its children are only its absent facts (each with
    // the entries its input path needs), as absent_reads() would find them.
    pruned,
    // A fact of a pruned element that undecided_reads() of the element found.
    undecided_read,
  };
  Mark mark = Mark::none;
};
static_assert(sizeof(TraceEntry) == 40, "recording writes one entry per evaluated node: keep it small");

// An element's outcome as an index, in the order of Truth: no, yes, unknown.
inline constexpr std::uint8_t outcome_no = 0, outcome_yes = 1, outcome_unknown = 2;
inline std::uint8_t outcome_index(const Value& v) {
  return v.kind == Kind::boolean ? (v.boolean ? outcome_yes : outcome_no) : outcome_unknown;
}

// What a quantifier's elements came to, by outcome (outcome_index).
// A quantifier's elements by outcome, kept for a quantifier that pruned some (the others
// count their elements in the log).
struct ElementTally {
  static constexpr std::uint32_t none = 0, mixed = 0xFFFFFFFFu;
  // Every element visited (set when the quantifier finishes); the first element_limit of
  // each outcome are recorded in full.
  std::uint32_t count[3] = {0, 0, 0};
  // The sub-expression that settled every pruned element of an outcome (settled_by), as
  // 1 + its op: `none` while none was pruned, `mixed` when they differ.
  std::uint32_t reason[3] = {none, none, none};
  std::uint8_t reason_truth[3] = {0, 0, 0};
};

struct TraceLog {
  std::vector<TraceEntry> entries;  // 40 bytes each: recording writes one per evaluated node
  std::vector<TraceElement> elements;
  std::vector<ElementTally> tallies;
  std::vector<std::uint32_t> scratch;  // prune_element's, kept to spare an allocation per element
  // Elements of each outcome recorded in full per quantifier (the rest are pruned); the
  // trace shows at most this many per quantifier. every_trace_element keeps them all.
  std::uint32_t element_limit = default_trace_elements;
  void clear() {
    entries.clear();
    elements.clear();
    tallies.clear();
  }
};

// The recorded node at `at` was undetermined: unknown, or a count whose bounds differ.
bool undetermined(const TraceLog& log, std::uint32_t at);
// The node read a case fact that is absent.
inline bool absent_fact(const TraceEntry& e) { return !e.element && e.fact != TraceEntry::Fact::none && e.absent; }

// The absent facts that kept the subtree at `at` undecided, in pre-order: below each
// undetermined node, its absent facts; a node undetermined although none of its parts is
// (an `if` without `else` whose condition is false for want of a fact) names every absent
// fact below it. Returns how many it found. `missing` and next steps are made of these.
std::size_t undecided_reads(const TraceLog& log, std::uint32_t at, const std::function<void(std::uint32_t)>& found);
// Every absent fact read in the subtree at `at` (not below another), in pre-order.
std::size_t absent_reads(const TraceLog& log, std::uint32_t at, const std::function<void(std::uint32_t)>& found);

// Leaves the element at `at` (the last subtree of the log) out of the trace: keeps only the
// absent facts undecided_reads() and absent_reads() find there, or nothing when there are
// none, and drops the TraceElements and tallies recorded inside it.
void prune_element(TraceLog& log, std::uint32_t at);

// The sub-expression that settled an element's outcome: from the quantifier's filter down
// through defines, `not`, and the part of an `and` / `or` that decided it. `op` is no_entry
// when the quantifier has no filter (every element counts).
struct Settled {
  std::uint32_t op = no_entry;
  std::uint8_t truth = 0;  // its value, as outcome_index
};
Settled settled_by(const Program& program, const TraceLog& log, std::uint32_t element);

}  // namespace covcheck::engine
