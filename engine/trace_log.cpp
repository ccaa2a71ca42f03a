// Turning a recorded trace (trace_log.hpp) into TraceNodes: the source text of each
// sub-expression, its value as text, the input path of the fact it read, and for each
// element a quantifier visited, whether it held, was counted or stayed undecided.
#include <fmt/format.h>

#include "engine/expr_eval.hpp"

namespace covcheck::engine {

std::string ExprEvaluator::fact_path(const TraceLog& log, std::uint32_t at) const {
  const TraceEntry& e = log.entries[at];
  switch (e.fact) {
    case TraceEntry::Fact::none: return {};
    case TraceEntry::Fact::field: return case_->field_path(program_.schema(), e.fact_record, e.fact_field);
    case TraceEntry::Fact::child_field: {
      // The record was absent: name the field asked for under the record's own path.
      const std::uint32_t type = e.fact_record;
      const std::string& name = program_.schema().records[type].fields[program_.fact_field[type][e.fact_field]].name;
      return fact_path(log, at + 1) + "." + name;
    }
  }
  return {};
}

TraceNode ExprEvaluator::materialize(const TraceLog& log, std::uint32_t at) const {
  const TraceEntry& e = log.entries[at];
  const Op& o = program_.ops[e.op];
  TraceNode node;
  if (e.element) {
    Truth t = truth_of(e.value);
    const TraceElement& el = log.elements[e.element_at];
    Value element = el.record != no_parent ? Value::make_indexed(Kind::record, el.record) : Value{};
    node.span = program_.ops[o.a].span;
    node.expr = element_path(element, el.list, el.index);
    node.value = t == Truth::yes ? "true" : t == Truth::no ? "false" : "unknown";
    node.undetermined = t == Truth::unknown;
    const bool counting = o.code == OpCode::count || o.code == OpCode::count_distinct;
    const char* verdict = counting ? (t == Truth::yes ? "counted" : t == Truth::no ? "rejected" : "undecided")
                                   : (t == Truth::yes ? "holds" : t == Truth::no ? "fails" : "undecided");
    node.note = el.key.known() ? fmt::format("{} (key {})", verdict, render_value(el.key, program_.ops[o.c].enum_ref)) : verdict;
  } else {
    node.span = o.span;
    node.expr = std::string(text(e.op));
    node.value = render_value(e.value, o.enum_ref);
    node.undetermined = e.value.kind == Kind::unknown || e.value.kind == Kind::range;
    node.fact = fact_path(log, at);
    if (e.absent) node.note = "absent";
  }
  for (std::uint32_t child = at + 1; child < e.end; child = log.entries[child].end)
    node.children.push_back(materialize(log, child));
  return node;
}

}  // namespace covcheck::engine
