// ExprEvaluator's trace: recording a quantifier's elements into the TraceLog (pruning those
// past the element limit as they finish, so recording stays bounded), and materialising a
// recorded subtree into TraceNodes: the source text of each sub-expression, its value as
// text, the input path of the fact it read, the elements shown and the rest counted.
#include <array>

#include <fmt/format.h>

#include "engine/eval/expr_eval.hpp"

namespace covcheck::engine {

namespace {

bool quantifier(OpCode c) {
  return c == OpCode::any || c == OpCode::all || c == OpCode::count || c == OpCode::count_distinct;
}

const char* outcome_word(OpCode quantifier, std::uint8_t outcome) {
  const bool counting = quantifier == OpCode::count || quantifier == OpCode::count_distinct;
  switch (outcome) {
    case outcome_yes: return counting ? "counted" : "holds";
    case outcome_no: return counting ? "rejected" : "fails";
    default: return "undecided";
  }
}

const char* truth_word(std::uint8_t outcome) {
  return outcome == outcome_yes ? "true" : outcome == outcome_no ? "false" : "unknown";
}

// Which elements a quantifier shows first, by outcome (lower is first): the ones that
// decided its value. `any` true: those that hold; `all` false: those that fail; undecided
// ones when it is unknown; a count: the counted and the undecided, which make its bounds.
std::array<int, 3> show_first(OpCode code, const Value& value) {
  std::array<int, 3> rank{};  // by outcome_index: no, yes, unknown
  const std::uint8_t v = outcome_index(value);
  switch (code) {
    case OpCode::any: rank = v == outcome_yes ? std::array{2, 0, 1} : std::array{1, 2, 0}; break;
    case OpCode::all: rank = v == outcome_no ? std::array{0, 2, 1} : std::array{2, 1, 0}; break;
    default: rank = {1, 0, 0}; break;
  }
  return rank;
}

}  // namespace

// An element past the limit for its outcome: its tally notes what settled it, and the log
// keeps only what `missing` reads.
void ExprEvaluator::leave_out(std::uint32_t element, std::uint32_t quantifier_at, std::uint8_t o) {
  TraceLog& log = *log_;
  const Settled s = settled_by(program_, log, element);
  prune_element(log, element);
  // Opened after pruning, which drops the tallies opened inside the element.
  std::uint32_t& at = log.entries[quantifier_at].side_at;
  if (at == 0) {
    log.tallies.emplace_back();
    at = static_cast<std::uint32_t>(log.tallies.size());
  }
  ElementTally& tally = log.tallies[at - 1];
  const std::uint32_t reason = s.op == no_entry ? ElementTally::mixed : s.op + 1;
  if (tally.reason[o] == ElementTally::none) {
    tally.reason[o] = reason;
    tally.reason_truth[o] = s.truth;
  } else if (tally.reason[o] != reason || tally.reason_truth[o] != s.truth) {
    tally.reason[o] = ElementTally::mixed;
  }
}

std::string ExprEvaluator::fact_path(const TraceLog& log, std::uint32_t at) const {
  std::string path;
  append_fact_path(path, log, at);
  return path;
}

void ExprEvaluator::append_fact_path(std::string& out, const TraceLog& log, std::uint32_t at) const {
  const TraceEntry& e = log.entries[at];
  switch (e.fact) {
    case TraceEntry::Fact::none: return;
    case TraceEntry::Fact::field: return case_->append_field_path(out, program_.schema(), e.fact_record, e.fact_field);
    case TraceEntry::Fact::child_field: {
      // The record was absent: name the field asked for under the record's own path.
      const std::uint32_t type = e.fact_record;
      const std::string& name = program_.schema().records[type].fields[program_.fact_field[type][e.fact_field]].name;
      append_fact_path(out, log, at + 1);
      out += '.';
      out += name;
      return;
    }
  }
}

ElementReason ExprEvaluator::reason_text(std::uint32_t op, std::uint8_t truth) const {
  return {std::string(text(op)), program_.ops[op].span, truth_word(truth)};
}

TraceNode ExprEvaluator::materialize(const TraceLog& log, std::uint32_t at) const {
  const TraceEntry& e = log.entries[at];
  const Op& o = program_.ops[e.op];
  TraceNode node;
  if (e.element) {
    const std::uint8_t t = outcome_index(e.value);
    const TraceElement& el = log.elements[e.side_at];
    Value element = el.record != no_parent ? Value::make_indexed(Kind::record, el.record) : Value{};
    node.span = program_.ops[o.a].span;
    node.expr = element_path(element, el.list, el.index);
    node.value = truth_word(t);
    node.undetermined = t == outcome_unknown;
    const char* verdict = outcome_word(o.code, t);
    node.note = el.key.known() ? fmt::format("{} (key {})", verdict, render_value(el.key, program_.ops[o.c].enum_ref))
                               : verdict;
  } else {
    node.span = o.span;
    node.expr = std::string(text(e.op));
    node.value = render_value(e.value, o.enum_ref);
    node.undetermined = e.value.kind == Kind::unknown || e.value.kind == Kind::range;
    node.fact = fact_path(log, at);
    if (e.absent) node.note = "absent";
  }
  if (!e.element && quantifier(o.code)) {
    materialize_elements(log, at, node);
    return node;
  }
  for (std::uint32_t child = at + 1; child < e.end; child = log.entries[child].end)
    node.children.push_back(materialize(log, child));
  return node;
}

// A quantifier's children: its list, then at most element_limit elements, those that
// decided first (show_first), in list order; the others are counted by outcome, with the
// sub-expression that settled them when they all share one.
void ExprEvaluator::materialize_elements(const TraceLog& log, std::uint32_t at, TraceNode& node) const {
  const TraceEntry& e = log.entries[at];
  const OpCode code = program_.ops[e.op].code;
  // Without a tally nothing was pruned: the log holds every element.
  const ElementTally none;
  const ElementTally& tally = e.side_at ? log.tallies[e.side_at - 1] : none;
  std::uint64_t total = std::uint64_t{tally.count[0]} + tally.count[1] + tally.count[2];
  if (!e.side_at) {
    for (std::uint32_t child = at + 1; child < e.end; child = log.entries[child].end)
      total += log.entries[child].element;
  }
  if (total <= log.element_limit) {  // every element is shown
    for (std::uint32_t child = at + 1; child < e.end; child = log.entries[child].end)
      node.children.push_back(materialize(log, child));
    return;
  }
  std::vector<std::uint32_t> kept;
  std::uint32_t count_kept[3] = {0, 0, 0};
  for (std::uint32_t child = at + 1; child < e.end; child = log.entries[child].end) {
    const TraceEntry& c = log.entries[child];
    if (!c.element) {
      node.children.push_back(materialize(log, child));
    } else if (c.mark != TraceEntry::Mark::pruned) {
      kept.push_back(child);
      ++count_kept[outcome_index(c.value)];
    }
  }
  const std::uint32_t* count_by = e.side_at ? tally.count : count_kept;
  const std::array<int, 3> rank = show_first(code, e.value);
  std::vector<char> shown(kept.size(), 0);
  std::uint32_t shown_by[3] = {0, 0, 0};
  std::uint64_t count = 0;
  for (int tier = 0; tier < 3 && count < log.element_limit; ++tier) {
    for (std::size_t i = 0; i < kept.size() && count < log.element_limit; ++i) {
      const std::uint8_t o = outcome_index(log.entries[kept[i]].value);
      if (rank[o] != tier) continue;
      shown[i] = 1;
      ++shown_by[o];
      ++count;
    }
  }
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (shown[i]) node.children.push_back(materialize(log, kept[i]));

  OmittedElements omitted;
  omitted.count = total - count;
  for (std::uint8_t o : {outcome_yes, outcome_no, outcome_unknown}) {
    OmittedElements::Group g;
    g.outcome = outcome_word(code, o);
    g.count = count_by[o] - shown_by[o];
    // Pruned elements were tallied as they finished; kept ones not shown are looked at here.
    std::uint32_t reason = tally.reason[o];
    std::uint8_t truth = tally.reason_truth[o];
    for (std::size_t i = 0; i < kept.size() && g.count > 0 && reason != ElementTally::mixed; ++i) {
      if (shown[i] || outcome_index(log.entries[kept[i]].value) != o) continue;
      const Settled s = settled_by(program_, log, kept[i]);
      const std::uint32_t r = s.op == no_entry ? ElementTally::mixed : s.op + 1;
      if (reason == ElementTally::none) {
        reason = r;
        truth = s.truth;
      } else if (reason != r || truth != s.truth) {
        reason = ElementTally::mixed;
      }
    }
    if (g.count > 0 && reason != ElementTally::none && reason != ElementTally::mixed)
      g.reason = reason_text(reason - 1, truth);
    omitted.groups.push_back(std::move(g));
  }
  node.omitted = std::move(omitted);
}

}  // namespace covcheck::engine
