// The compiled program as text (`covcheck dump --stage program`): the op arena, code-set
// interval tables, rules and the rest, beside the program it prints (the AST and checked
// dumps are dsl/syntax/ast_dump.*).
#include "engine/compile/program_dump.hpp"

#include <fmt/format.h>

#include "dsl/source/dates.hpp"

namespace covcheck::engine {

namespace {

const char* opcode_name(OpCode c) {
  switch (c) {
    case OpCode::constant: return "constant";
    case OpCode::root_field: return "root_field";
    case OpCode::field: return "field";
    case OpCode::self_field: return "self_field";
    case OpCode::variable: return "variable";
    case OpCode::param: return "param";
    case OpCode::benefit: return "benefit";
    case OpCode::decision: return "decision";
    case OpCode::and_: return "and";
    case OpCode::or_: return "or";
    case OpCode::not_: return "not";
    case OpCode::eq: return "eq";
    case OpCode::ne: return "ne";
    case OpCode::lt: return "lt";
    case OpCode::le: return "le";
    case OpCode::gt: return "gt";
    case OpCode::ge: return "ge";
    case OpCode::add: return "add";
    case OpCode::sub: return "sub";
    case OpCode::mul: return "mul";
    case OpCode::negate: return "negate";
    case OpCode::add_months: return "add_months";
    case OpCode::in_codeset: return "in_codeset";
    case OpCode::in_list: return "in_list";
    case OpCode::in_values: return "in_values";
    case OpCode::is_known: return "is_known";
    case OpCode::is_unknown: return "is_unknown";
    case OpCode::within: return "within";
    case OpCode::years_between: return "years_between";
    case OpCode::min_of: return "min";
    case OpCode::max_of: return "max";
    case OpCode::any: return "any";
    case OpCode::all: return "all";
    case OpCode::count: return "count";
    case OpCode::count_distinct: return "count_distinct";
    case OpCode::conditional: return "conditional";
    case OpCode::define_call: return "define_call";
    case OpCode::is_none: return "is_none";
    case OpCode::unknown_value: return "unknown_value";
  }
  return "?";
}

// Code interval bounds hold a 0xFF sentinel (`F33.` .. `F33.\xff`): shown escaped.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F) out += static_cast<char>(c);
    else out += fmt::format("\\x{:02x}", c);
  }
  return out;
}

std::string value_text(const Program& p, const Op& op) {
  const Value& v = op.imm;
  const dsl::Schema& schema = p.schema();
  auto string_at = [&](std::uint32_t index) -> std::string {
    if ((index & program_string_bit) == 0) return fmt::format("case string {}", index);
    std::uint32_t i = index & ~program_string_bit;
    return i < p.strings.size() ? "\"" + printable(p.strings[i]) + "\"" : "?";
  };
  switch (v.kind) {
    case Kind::unknown: return "unknown";
    case Kind::boolean: return v.boolean ? "true" : "false";
    case Kind::integer: return std::to_string(v.integer);
    case Kind::decimal: return fmt::format("{}", v.decimal);
    case Kind::string: return string_at(v.index);
    case Kind::code: return "code " + string_at(v.index);
    case Kind::date: return dsl::format_iso_date(v.date);
    case Kind::duration: return fmt::format("{} {}", v.days, op.months ? "months" : "days");
    case Kind::enumeration:
      if (op.enum_ref < schema.enums.size() && v.index < schema.enums[op.enum_ref].members.size()) {
        return schema.enums[op.enum_ref].name + "." + schema.enums[op.enum_ref].members[v.index];
      }
      return fmt::format("member {}", v.index);
    case Kind::record: return fmt::format("record {}", v.index);
    case Kind::list: return fmt::format("list {}", v.index);
    case Kind::range: return fmt::format("[{}, {}]", v.range.lo, v.range.hi);
    case Kind::none: return "none";
  }
  return "?";
}

// The first line of an op's source text, shortened: enough to find it in the file.
std::string source_text(const dsl::SourceRegistry& sources, dsl::SourceSpan span) {
  if (span.file == dsl::no_file || span.file >= sources.size()) return "";
  std::string_view text = sources.file(span.file).slice(span);
  std::string line(text.substr(0, text.find('\n')));
  if (line.size() < text.size()) line += " …";
  if (line.size() > 60) line = line.substr(0, 57) + "...";
  return line;
}

std::string op_ref(std::uint32_t op) { return op == no_op ? "-" : fmt::format("%{}", op); }

const char* decision_name(dsl::ast::Decision d) {
  switch (d) {
    case dsl::ast::Decision::covered: return "covered";
    case dsl::ast::Decision::pend: return "pend";
    case dsl::ast::Decision::denied: return "denied";
    case dsl::ast::Decision::excluded: return "excluded";
  }
  return "?";
}

void dump_ops(std::string& out, const Program& p, const dsl::SourceRegistry& sources) {
  out += fmt::format("ops ({}):\n", p.ops.size());
  for (std::size_t i = 0; i < p.ops.size(); ++i) {
    const Op& op = p.ops[i];
    std::string operands;
    if (op.a != no_op) operands += " a=" + op_ref(op.a);
    if (op.code == OpCode::in_values || op.code == OpCode::unknown_value) {
      std::string items;
      for (std::uint32_t k = op.b; k < op.b + op.c && k < p.args.size(); ++k)
        items += (items.empty() ? "" : ",") + op_ref(p.args[k]);
      operands += " values=[" + items + "]";
    } else if (op.code == OpCode::in_codeset) {
      operands += fmt::format(" codeset={}", op.b);
    } else if (op.code == OpCode::root_field || op.code == OpCode::self_field || op.code == OpCode::variable ||
               op.code == OpCode::param) {
      operands += fmt::format(" slot={}", op.b);
    } else if (op.code == OpCode::field) {
      operands += fmt::format(" field={}", op.b);
    } else if (op.b != no_op) {
      operands += " b=" + op_ref(op.b);
    }
    if (op.c != no_op && op.code != OpCode::in_values && op.code != OpCode::unknown_value &&
        op.code != OpCode::self_field)
      operands += " c=" + op_ref(op.c);
    if (op.code == OpCode::constant || op.imm.kind != Kind::unknown) operands += " imm=" + value_text(p, op);
    if (op.distinct_cap >= 0) operands += fmt::format(" distinct_cap={}", op.distinct_cap);
    if (op.enum_ref != no_op && op.enum_ref < p.schema().enums.size()) {
      operands += " enum=" + p.schema().enums[op.enum_ref].name;
    }
    out += fmt::format("  %{:<4} {:<14}{:<40} {}\n", i, opcode_name(op.code), operands, source_text(sources, op.span));
  }
}

void dump_codesets(std::string& out, const Program& p) {
  out += fmt::format("code sets ({}):\n", p.codesets.size());
  for (std::size_t i = 0; i < p.codesets.size(); ++i) {
    const CodeSet& cs = p.codesets[i];
    using K = CodeSet::Kind;
    std::string body;
    switch (cs.kind) {
      case K::codes:
        for (const auto& [lo, hi] : cs.intervals) {
          body +=
              lo == hi ? fmt::format(" {}", printable(lo)) : fmt::format(" [{} .. {}]", printable(lo), printable(hi));
        }
        for (const auto& d : cs.dated) {
          body += fmt::format(" [{} .. {}] from {} to {}", printable(d.lo), printable(d.hi),
                              dsl::format_iso_date(d.from), dsl::format_iso_date(d.to));
        }
        break;
      case K::enumeration:
        for (std::size_t m = 0; m < cs.members.size(); ++m) {
          if (cs.members[m]) body += fmt::format(" #{}", m);
        }
        break;
      case K::strings:
        for (const std::string& s : cs.strings) body += " \"" + printable(s) + "\"";
        break;
      case K::union_: body = fmt::format(" codeset {} | codeset {}", cs.lhs, cs.rhs); break;
      case K::difference: body = fmt::format(" codeset {} - codeset {}", cs.lhs, cs.rhs); break;
    }
    const char* kind = cs.kind == K::codes         ? "codes"
                       : cs.kind == K::enumeration ? "members"
                       : cs.kind == K::strings     ? "strings"
                                                   : "set";
    out += fmt::format("  codeset {} {}:{}\n", i, kind, body);
  }
}

const char* rule_kind_name(dsl::RuleKind kind) {
  switch (kind) {
    case dsl::RuleKind::coverage: return "coverage";
    case dsl::RuleKind::restriction: return "restriction";
    case dsl::RuleKind::effect: return "effect";
    case dsl::RuleKind::advice: return "advice";
  }
  return "?";
}

void dump_rules(std::string& out, const Program& p) {
  out += fmt::format("rules ({}):\n", p.rules.size());
  for (std::size_t i = 0; i < p.rules.size(); ++i) {
    const CompiledRule& r = p.rules[i];
    const dsl::CheckedRule& c = p.checked->rules.at(i);
    std::string line = fmt::format("  rule {} {} ({}) unit {} when={}", i, c.display_id, rule_kind_name(r.kind), r.unit,
                                   op_ref(r.when));
    if (r.direct) line += std::string(" direct=") + decision_name(*r.direct);
    if (r.route && p.checked->benefit_enum) {
      const auto& members = p.schema().enums.at(*p.checked->benefit_enum).members;
      line += " route=" + (*r.route < members.size() ? members[*r.route] : std::to_string(*r.route));
    }
    if (r.prior_auth) line += " prior_auth";
    if (r.from || r.to) {
      line += fmt::format(" effective {} .. {}", r.from ? dsl::format_iso_date(*r.from) : "",
                          r.to ? dsl::format_iso_date(*r.to) : "");
    }
    if (!r.overridden_by.empty()) {
      std::string by;
      for (std::uint32_t o : r.overridden_by) by += (by.empty() ? "" : ",") + p.checked->rules.at(o).display_id;
      line += " overridden_by=" + by;
    }
    out += line + "\n";
    for (const Criterion& k : r.criteria) {
      std::string dated = k.dated() ? fmt::format(" effective {} .. {}", k.from ? dsl::format_iso_date(*k.from) : "",
                                                  k.to ? dsl::format_iso_date(*k.to) : "")
                                    : "";
      if (k.kind == dsl::ast::Requirement::Kind::document) {
        out += fmt::format("    document #{} else {}{}\n", k.document, decision_name(k.on_fail), dated);
      } else {
        out += fmt::format("    criterion {} else {}{}\n", op_ref(k.op), decision_name(k.on_fail), dated);
      }
    }
    for (std::size_t g = 0; g < r.grant_ops.size(); ++g)
      if (r.grant_ops[g] != no_op)
        out += fmt::format("    authorize {} {}\n", op_ref(r.grant_ops[g]), r.source->grants[g].unit);
  }
}

void dump_rest(std::string& out, const Program& p) {
  out += fmt::format("units ({}):\n", p.checked->units.size());
  for (std::size_t u = 0; u < p.checked->units.size(); ++u) {
    const dsl::Unit& unit = p.checked->units[u];
    out += fmt::format("  unit {} {} {}\n", u, unit.id, unit.version);
  }
  out += fmt::format("params ({}):\n", p.params.size());
  for (std::size_t i = 0; i < p.params.size(); ++i) {
    std::string sets;
    for (const auto& [unit, op] : p.params[i].set_by) sets += fmt::format(" unit {}={}", unit, op_ref(op));
    out += fmt::format("  param {} {} default={}{}\n", i, p.checked->params.at(i).qualified,
                       op_ref(p.params[i].default_op), sets);
  }
  out += "derived fields:\n";
  const dsl::Schema& s = p.schema();
  for (std::size_t r = 0; r < p.derived.size() && r < s.records.size(); ++r) {
    for (std::size_t f = 0; f < p.derived[r].size() && f < s.records[r].fields.size(); ++f) {
      if (p.derived[r][f] != no_op) {
        out += fmt::format("  {}.{} = {}\n", s.records[r].name, s.records[r].fields[f].name, op_ref(p.derived[r][f]));
      }
    }
  }
  out += "checks:\n";
  for (const SchemaCheck& c : p.checks) {
    out += fmt::format("  {}: {}", s.records.at(c.record).name, op_ref(c.op));
    if (c.guard != no_op) out += fmt::format(" when {}", op_ref(c.guard));
    out += c.decl->warning ? " (warning)\n" : "\n";
  }
  out += fmt::format("variable slots: {}; needs evaluation date: {}\n", p.variable_slots,
                     p.needs_evaluation_date ? "yes" : "no");
}

}  // namespace

std::string dump_program(const Program& program, const dsl::SourceRegistry& sources) {
  std::string out;
  dump_ops(out, program, sources);
  dump_codesets(out, program);
  dump_rules(out, program);
  dump_rest(out, program);
  return out;
}

}  // namespace covcheck::engine
