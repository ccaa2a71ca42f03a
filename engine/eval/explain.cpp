// Turning failed and undecided criteria into next steps a clinic can act on, by
// re-evaluating the failing comparison's sides and naming the bound and the value.
#include "engine/eval/explain.hpp"

#include <unordered_set>

#include <fmt/format.h>

namespace covcheck::engine {

void collect_missing(const ExprEvaluator& evaluator, const TraceLog& log, std::uint32_t at,
                     const std::function<void(const std::string&)>& found) {
  if (at == no_entry) return;
  undecided_reads(log, at, [&](std::uint32_t fact) { found(evaluator.fact_path(log, fact)); });
}

namespace {

const char* op_symbol(OpCode c) {
  switch (c) {
    case OpCode::lt: return "<";
    case OpCode::le: return "<=";
    case OpCode::gt: return ">";
    case OpCode::ge: return ">=";
    case OpCode::eq: return "==";
    case OpCode::ne: return "!=";
    default: return "?";
  }
}

std::string quote(std::string_view text) { return fmt::format("`{}`", text); }

std::string explain_false(ExprEvaluator& ev, const Program& p, std::uint32_t index) {
  const Op& op = p.ops[index];
  switch (op.code) {
    case OpCode::define_call: {
      std::string inner = explain_false(ev, p, op.a);
      return inner.empty() ? quote(ev.text(index)) + " does not hold" : inner;
    }
    case OpCode::and_: {
      std::string out;
      for (std::uint32_t side : {op.a, op.b}) {
        if (truth_of(ev.eval(side)) != Truth::no) continue;
        std::string part = explain_false(ev, p, side);
        if (!part.empty()) out += (out.empty() ? "" : "; ") + part;
      }
      return out;
    }
    case OpCode::lt:
    case OpCode::le:
    case OpCode::gt:
    case OpCode::ge:
    case OpCode::eq:
    case OpCode::ne: {
      Value lhs = ev.eval(op.a);
      Value rhs = ev.eval(op.b);
      const Op& left = p.ops[op.a];
      if ((left.code == OpCode::count || left.code == OpCode::count_distinct) && rhs.kind == Kind::integer &&
          (op.code == OpCode::ge || op.code == OpCode::gt)) {
        std::int64_t have = lhs.kind == Kind::range ? lhs.range.lo : lhs.integer;
        std::int64_t need = rhs.integer + (op.code == OpCode::gt ? 1 : 0) - have;
        std::string what = left.b != no_op ? fmt::format(" matching {}", quote(ev.text(left.b))) : "";
        if (left.code == OpCode::count_distinct)
          return fmt::format("{} distinct {} found among `{}`{}; {} more needed", have, quote(ev.text(left.c)),
                             ev.text(left.a), what, need);
        return fmt::format("{} `{}` entr{} found{}; document {} more", have, ev.text(left.a), have == 1 ? "y" : "ies",
                           what, need);
      }
      return fmt::format(
          "{} is {}, must be {} {}", quote(ev.text(op.a)), ev.render_value(lhs, left.enum_ref), op_symbol(op.code),
          ev.text(op.b).empty() ? ev.render_value(rhs, p.ops[op.b].enum_ref) : std::string(ev.text(op.b)));
    }
    default: return quote(ev.text(index)) + " does not hold";
  }
}

}  // namespace

std::string next_step_for(ExprEvaluator& ev, const CompiledRule& rule, std::size_t i, Truth result, const TraceLog& log,
                          std::uint32_t at) {
  const Criterion& c = rule.criteria[i];
  const dsl::ast::Requirement& q = *c.source;
  std::string message = q.else_message ? q.else_message->text : "";
  std::string detail;
  if (c.kind == dsl::ast::Requirement::Kind::document) {
    detail = fmt::format("provide document `{}`", q.document->text);
  } else if (result == Truth::unknown) {
    // Each fact once, by exact path (a search of the text so far was quadratic in a list of
    // undecided elements, and took `x` for a repeat of `person.x`).
    std::string facts;
    std::unordered_set<std::string> seen;
    collect_missing(ev, log, at, [&](const std::string& f) {
      if (seen.insert(f).second) facts += (facts.empty() ? "" : ", ") + f;
    });
    detail = facts.empty() ? fmt::format("{} is undecided", quote(ev.text(c.op))) : "provide " + facts;
  } else {
    // Re-evaluation sees the same case and context, so it reproduces the failure.
    detail = explain_false(ev, ev.program(), c.op);
  }
  if (message.empty()) return detail;
  return fmt::format("{}: {}", message, detail);
}

}  // namespace covcheck::engine
