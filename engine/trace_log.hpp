// The explanation trace as evaluation records it: a flat, pre-order array of the evaluated
// sub-expressions with their values and the case facts they read. Recording costs a few
// stores per node and no text; ExprEvaluator::materialize turns a subtree into TraceNodes
// (source text, rendered values, input paths) only when an answer shows or reads it.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/case.hpp"

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
    field,         // record.field of the case: fact_record, fact_field
    child_field,   // an absent record's field: the first child's fact + "." + field (fact_record = record type)
  };
  std::uint32_t op = 0;          // the op evaluated; for a quantifier's element, the quantifier
  std::uint32_t end = 0;         // one past the last entry of this subtree
  Value value;                   // element: true / false / unknown (undecided)
  std::uint32_t fact_record = 0;
  std::uint32_t fact_field = 0;
  std::uint32_t element_at = 0;  // element: its TraceElement in TraceLog::elements
  Fact fact = Fact::none;
  bool element = false;
  bool absent = false;           // the fact read is absent from the case
};

struct TraceLog {
  std::vector<TraceEntry> entries;  // 40 bytes each: recording writes one per evaluated node
  std::vector<TraceElement> elements;
  void clear() {
    entries.clear();
    elements.clear();
  }
};

}  // namespace covcheck::engine
