// Turning failed and undecided criteria into sentences a clinic can act on: the facts the
// failing comparison read, named in plain words, with their values and what is required.
#include "engine/eval/explain.hpp"

#include <unordered_set>

#include <fmt/format.h>

#include "engine/eval/plain_words.hpp"

namespace covcheck::engine {

void collect_missing(const ExprEvaluator& evaluator, const TraceLog& log, std::uint32_t at,
                     const std::function<void(const std::string&)>& found) {
  if (at == no_entry) return;
  undecided_reads(log, at, [&](std::uint32_t fact) { found(evaluator.fact_path(log, fact)); });
}

namespace {

using Req = dsl::ast::Requirement::Kind;

// The first recorded entry of `op` in the subtree at `at` whose value is `want` (any value
// when `want` is unknown), or no_entry.
std::uint32_t find_entry(const TraceLog& log, std::uint32_t at, std::uint32_t op, std::optional<bool> want) {
  if (at == no_entry) return no_entry;
  for (std::uint32_t i = at; i < log.entries[at].end; ++i) {
    const TraceEntry& e = log.entries[i];
    if (e.element || e.op != op) continue;
    if (want && !(e.value.kind == Kind::boolean && e.value.boolean == *want)) continue;
    return i;
  }
  return no_entry;
}

// The fact an operand's entry read, as words, or "".
std::string operand_words(const ExprEvaluator& ev, const Case& c, const TraceLog& log, std::uint32_t entry) {
  if (entry == no_entry) return {};
  std::string path = ev.fact_path(log, entry);
  if (path.empty()) path = op_fact_path(ev.program(), log.entries[entry].op);
  return path.empty() ? std::string() : fact_words(ev.program().schema(), c, path);
}

std::string required_words(OpCode code, const std::string& bound, bool date) {
  switch (code) {
    case OpCode::ge: return fmt::format("{} or {} is required", bound, date ? "later" : "more");
    case OpCode::gt: return fmt::format("{} than {} is required", date ? "later" : "more", bound);
    case OpCode::le: return fmt::format("{} or {} is required", bound, date ? "earlier" : "less");
    case OpCode::lt: return fmt::format("{} than {} is required", date ? "earlier" : "less", bound);
    case OpCode::eq: return fmt::format("{} is required", bound);
    case OpCode::ne: return fmt::format("it must not be {}", bound);
    default: return {};
  }
}

class FalseExplainer {
 public:
  FalseExplainer(ExprEvaluator& ev, const Case& c, const TraceLog& log, std::uint32_t at)
      : ev_(ev), p_(ev.program()), c_(c), log_(log), at_(at) {}

  std::string explain(std::uint32_t index) {
    const Op& op = p_.ops[index];
    switch (op.code) {
      case OpCode::define_call: return explain(op.a);
      case OpCode::and_: {
        std::string out;
        for (std::uint32_t side : {op.a, op.b}) {
          if (truth_of(ev_.eval(side)) != Truth::no) continue;
          std::string part = explain(side);
          if (!part.empty()) out += (out.empty() ? "" : "; ") + part;
        }
        return out;
      }
      case OpCode::lt:
      case OpCode::le:
      case OpCode::gt:
      case OpCode::ge:
      case OpCode::eq:
      case OpCode::ne: return comparison(index, op);
      default: return {};
    }
  }

 private:
  std::string comparison(std::uint32_t index, const Op& op) {
    const dsl::Schema& schema = p_.schema();
    const Op& left = p_.ops[op.a];
    const Op& right = p_.ops[op.b];
    Value lhs = ev_.eval(op.a);
    Value rhs = ev_.eval(op.b);
    if ((left.code == OpCode::count || left.code == OpCode::count_distinct) && rhs.kind == Kind::integer &&
        (op.code == OpCode::ge || op.code == OpCode::gt)) {
      std::int64_t have = lhs.kind == Kind::range ? lhs.range.lo : lhs.integer;
      std::int64_t need = rhs.integer + (op.code == OpCode::gt ? 1 : 0) - have;
      const std::uint32_t self = find_entry(log_, at_, index, false);
      const std::uint32_t list_entry = self == no_entry ? no_entry : find_entry(log_, self, left.a, std::nullopt);
      std::string list = operand_words(ev_, c_, log_, list_entry);
      if (list.empty()) list = "entries";
      if (left.code == OpCode::count_distinct) {
        // The key by its field's name when it is one (`t.class`: "distinct class").
        std::string key = "kind";
        if (left.c != no_op && left.c < p_.ops.size()) {
          const Op& k = p_.ops[left.c];
          if ((k.code == OpCode::field || k.code == OpCode::self_field) && k.c < schema.records.size() &&
              k.b < schema.records[k.c].fields.size())
            key = words_of(schema.records[k.c].fields[k.b].name);
        }
        return fmt::format("{}: {} distinct {} value{} qualif{}; {} more needed", list, have, key, have == 1 ? "" : "s",
                           have == 1 ? "ies" : "y", need);
      }
      return fmt::format("{}: {} qualif{}; {} more needed", list, have, have == 1 ? "ies" : "y", need);
    }
    const std::uint32_t self = find_entry(log_, at_, index, false);
    std::string subject = operand_words(ev_, c_, log_, find_entry(log_, self, op.a, std::nullopt));
    if (subject.empty()) return {};
    const bool date = lhs.kind == Kind::date;
    std::string value = value_words(schema, c_, lhs, left.enum_ref);
    std::string bound = right.code == OpCode::constant
                            ? value_words(schema, c_, rhs, right.enum_ref != no_op ? right.enum_ref : left.enum_ref)
                            : operand_words(ev_, c_, log_, find_entry(log_, self, op.b, std::nullopt));
    if (bound.empty()) bound = value_words(schema, c_, rhs, right.enum_ref != no_op ? right.enum_ref : left.enum_ref);
    return fmt::format("{} is {}; {}", subject, value, required_words(op.code, bound, date));
  }

  ExprEvaluator& ev_;
  const Program& p_;
  const Case& c_;
  const TraceLog& log_;
  std::uint32_t at_;
};

}  // namespace

std::string op_fact_path(const Program& p, std::uint32_t index) {
  if (index >= p.ops.size()) return {};
  const Op& op = p.ops[index];
  const dsl::Schema& schema = p.schema();
  if (op.code == OpCode::root_field) {
    const auto& fields = schema.root_record().fields;
    return op.b < fields.size() ? fields[op.b].name : std::string();
  }
  if (op.code == OpCode::field && op.c < schema.records.size() && op.b < schema.records[op.c].fields.size()) {
    std::string record = op_fact_path(p, op.a);
    return record.empty() ? std::string() : record + "." + schema.records[op.c].fields[op.b].name;
  }
  return {};
}

std::string criterion_label(const Program& p, const CompiledRule& rule, std::size_t i) {
  const dsl::ast::Requirement& q = *rule.criteria[i].source;
  if (q.else_message) return q.else_message->text;
  if (rule.criteria[i].kind == Req::document) return fmt::format("Document: {}", words_of(q.document->text));
  (void)p;
  return rule.source->title.value_or(words_of(rule.source->name.text));
}

std::string criterion_detail(ExprEvaluator& ev, const Case& c, const CompiledRule& rule, std::size_t i, Truth result,
                             const TraceLog& log, std::uint32_t at) {
  const Criterion& cr = rule.criteria[i];
  const dsl::Schema& schema = ev.program().schema();
  if (cr.kind == Req::document) {
    const std::string doc = words_of(cr.source->document->text);
    return result == Truth::no ? fmt::format("{} is not among the documents sent", doc)
                               : fmt::format("the documents sent are not stated; {} is required", doc);
  }
  if (result == Truth::unknown) {
    // Each fact once, by exact path (a search of the text so far was quadratic in a list of
    // undecided elements, and took `x` for a repeat of `person.x`).
    // A sentence names the first few; `missing` (data) lists every one.
    constexpr std::size_t named = 5;
    std::string facts;
    std::unordered_set<std::string> seen;
    collect_missing(ev, log, at, [&](const std::string& f) {
      if (!seen.insert(f).second || seen.size() > named) return;
      std::string words = fact_words(schema, c, f);
      std::string doc = fact_doc(schema, f);
      if (!doc.empty()) words += fmt::format(" ({})", doc);
      facts += (facts.empty() ? "" : "; ") + words;
    });
    if (seen.size() > named) facts += fmt::format("; and {} more", seen.size() - named);
    return facts.empty() ? std::string() : facts + " not stated";
  }
  if (result != Truth::no) return {};
  // Re-evaluation sees the same case and context, so it reproduces the failure.
  return FalseExplainer(ev, c, log, at).explain(cr.op);
}

std::string next_step_for(ExprEvaluator& ev, const Case& c, const CompiledRule& rule, std::size_t i, Truth result,
                          const TraceLog& log, std::uint32_t at) {
  std::string label = criterion_label(ev.program(), rule, i);
  std::string detail = criterion_detail(ev, c, rule, i, result, log, at);
  if (detail.empty()) return result == Truth::unknown ? label + ": not yet decided" : label;
  return fmt::format("{}: {}", label, detail);
}

}  // namespace covcheck::engine
