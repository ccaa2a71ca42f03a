// Reading and bounding a recorded trace (trace_log.hpp) without turning it into text: the
// absent facts behind an undecided node, pruning an element the trace will not show, and
// the sub-expression that settled an element.
#include "engine/eval/trace_log.hpp"

#include <algorithm>

namespace covcheck::engine {

bool undetermined(const TraceLog& log, std::uint32_t at) {
  const TraceEntry& e = log.entries[at];
  if (e.element) return e.value.kind != Kind::boolean;
  return e.value.kind == Kind::unknown || e.value.kind == Kind::range;
}

std::size_t absent_reads(const TraceLog& log, std::uint32_t at, const std::function<void(std::uint32_t)>& found) {
  const TraceEntry& e = log.entries[at];
  if (absent_fact(e)) {
    found(at);
    return 1;
  }
  std::size_t n = 0;
  for (std::uint32_t child = at + 1; child < e.end; child = log.entries[child].end)
    n += absent_reads(log, child, found);
  return n;
}

std::size_t undecided_reads(const TraceLog& log, std::uint32_t at, const std::function<void(std::uint32_t)>& found) {
  if (!undetermined(log, at)) return 0;
  const TraceEntry& e = log.entries[at];
  if (absent_fact(e)) {
    found(at);
    return 1;
  }
  std::size_t n = 0;
  if (e.mark == TraceEntry::Mark::pruned) {
    // What undecided_reads() found in the element before it was pruned.
    for (std::uint32_t child = at + 1; child < e.end; child = log.entries[child].end) {
      if (log.entries[child].mark != TraceEntry::Mark::undecided_read) continue;
      found(child);
      ++n;
    }
    return n;
  }
  for (std::uint32_t child = at + 1; child < e.end; child = log.entries[child].end)
    n += undecided_reads(log, child, found);
  // Unknown although every part is decided: an `if` without `else` whose condition is
  // false because of an absent fact (`if end is known then end`). That fact is missing.
  if (n == 0) n = absent_reads(log, at, found);
  return n;
}

void prune_element(TraceLog& log, std::uint32_t at) {
  std::vector<TraceEntry>& entries = log.entries;
  const auto end = static_cast<std::uint32_t>(entries.size());
  // Side arrays grow in evaluation order: what was recorded inside the element is at their
  // end, from its own TraceElement and from the first tally a quantifier inside opened.
  const std::uint32_t elements_from = entries[at].side_at;
  auto tallies_from = static_cast<std::uint32_t>(log.tallies.size());
  for (std::uint32_t k = at + 1; k < end; ++k)
    if (!entries[k].element && entries[k].side_at != 0) tallies_from = std::min(tallies_from, entries[k].side_at - 1);
  if (undetermined(log, at)) {
    // Found first, then marked: a pruned element nested inside carries marks of its own.
    log.scratch.clear();
    undecided_reads(log, at, [&](std::uint32_t f) { log.scratch.push_back(f); });
    for (std::uint32_t k = at + 1; k < end; ++k)
      if (entries[k].mark == TraceEntry::Mark::undecided_read) entries[k].mark = TraceEntry::Mark::none;
    for (std::uint32_t f : log.scratch) entries[f].mark = TraceEntry::Mark::undecided_read;
  }
  // Move each absent fact found as absent_reads() finds it (pre-order, not below another)
  // to the front, with the entries of its record path: an absent record's field names its
  // path through its first child (TraceEntry::Fact::child_field).
  std::uint32_t write = at + 1;
  for (std::uint32_t k = at + 1; k < end;) {
    if (!absent_fact(entries[k])) {
      ++k;
      continue;
    }
    std::uint32_t last = k;
    while (entries[last].fact == TraceEntry::Fact::child_field && last + 1 < end) ++last;
    const std::uint32_t next = entries[k].end;
    const std::uint32_t length = last - k + 1;
    for (std::uint32_t i = 0; i < length; ++i) {
      entries[write + i] = entries[k + i];
      entries[write + i].end = write + length;
    }
    write += length;
    k = next;
  }
  log.elements.resize(elements_from);
  log.tallies.resize(tallies_from);
  if (write == at + 1) {
    // Nothing `missing` could read: the tally alone stands for it.
    entries.resize(at);
    return;
  }
  entries.resize(write);
  TraceEntry& e = entries[at];
  e.end = write;
  e.mark = TraceEntry::Mark::pruned;
}

Settled settled_by(const Program& program, const TraceLog& log, std::uint32_t element) {
  const TraceEntry& el = log.entries[element];
  const Op& quantifier = program.ops[el.op];
  std::uint32_t at = element + 1;
  // The filter is the element's first child (a constant filter records nothing).
  if (quantifier.b == no_op || at >= el.end || log.entries[at].op != quantifier.b) return {};
  for (;;) {
    const TraceEntry& e = log.entries[at];
    const OpCode code = program.ops[e.op].code;
    const std::uint8_t truth = outcome_index(e.value);
    std::uint32_t next = no_entry;
    if (code == OpCode::define_call || code == OpCode::not_) {
      if (at + 1 < e.end) next = at + 1;
    } else if (code == OpCode::and_ || code == OpCode::or_) {
      // The part that made it so: a false part of a false `and`, a true part of a true
      // `or`, an undecided part of an undecided one. A true `and` (a false `or`) is its own reason.
      const bool whole = code == OpCode::and_ ? truth == outcome_yes : truth == outcome_no;
      for (std::uint32_t child = at + 1; child < e.end && !whole; child = log.entries[child].end) {
        if (outcome_index(log.entries[child].value) == truth) {
          next = child;
          break;
        }
      }
    }
    if (next == no_entry) return {e.op, truth};
    at = next;
  }
}

}  // namespace covcheck::engine
