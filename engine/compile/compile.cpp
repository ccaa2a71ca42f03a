// Lowering the checked AST into the program's op arena: names become slots and indexes,
// defines are inlined at each use, code sets become sorted interval tables.
#include "engine/compile/compile.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>

#include "engine/compile/condition_plan.hpp"

namespace covcheck::engine {

namespace {

namespace ast = dsl::ast;
using dsl::BaseType;

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

// The AST's operators as opcodes. No default: a new enumerator is a -Wswitch error here.
OpCode opcode_of(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::and_: return OpCode::and_;
    case ast::BinaryOp::or_: return OpCode::or_;
    case ast::BinaryOp::eq: return OpCode::eq;
    case ast::BinaryOp::ne: return OpCode::ne;
    case ast::BinaryOp::lt: return OpCode::lt;
    case ast::BinaryOp::le: return OpCode::le;
    case ast::BinaryOp::gt: return OpCode::gt;
    case ast::BinaryOp::ge: return OpCode::ge;
    case ast::BinaryOp::add: return OpCode::add;
    case ast::BinaryOp::sub: return OpCode::sub;
    case ast::BinaryOp::mul: return OpCode::mul;
  }
  throw std::logic_error("unknown binary operator");
}

OpCode opcode_of(ast::UnaryOp op) {
  switch (op) {
    case ast::UnaryOp::not_: return OpCode::not_;
    case ast::UnaryOp::negate: return OpCode::negate;
  }
  throw std::logic_error("unknown unary operator");
}

OpCode opcode_of(ast::QuantifierKind kind) {
  switch (kind) {
    case ast::QuantifierKind::any: return OpCode::any;
    case ast::QuantifierKind::all: return OpCode::all;
    case ast::QuantifierKind::count: return OpCode::count;
    case ast::QuantifierKind::count_distinct: return OpCode::count_distinct;
  }
  throw std::logic_error("unknown quantifier");
}

class Compiler {
 public:
  Compiler(Program& program) : p_(program), rs_(*program.checked) {}
  void run();

 private:
  std::uint32_t emit(Op op) {
    p_.ops.push_back(op);
    return static_cast<std::uint32_t>(p_.ops.size() - 1);
  }
  std::uint32_t constant(Value v, dsl::SourceSpan span) {
    Op op;
    op.code = OpCode::constant;
    op.imm = v;
    op.span = span;
    return emit(op);
  }
  std::uint32_t intern(const std::string& s) {
    p_.strings.push_back(s);
    return static_cast<std::uint32_t>(p_.strings.size() - 1) | program_string_bit;
  }
  std::uint32_t lower(const ast::Expr& e);
  std::uint32_t lower_node(const ast::Expr& e);
  std::uint32_t lower_define(std::uint32_t define, std::vector<std::uint32_t> args, dsl::SourceSpan span);
  std::uint32_t lower_membership(const ast::Expr& e, const ast::Membership& m);
  std::optional<std::uint32_t> lower_set(const ast::Expr& set);  // a code set index, when the set is static
  std::uint32_t codeset_of_decl(std::uint32_t index);
  std::uint32_t add_codeset(CodeSet cs) {
    p_.codesets.push_back(std::move(cs));
    return static_cast<std::uint32_t>(p_.codesets.size() - 1);
  }
  std::optional<Value> constant_value(const ast::Expr& e);

  Program& p_;
  const dsl::CheckedRuleSet& rs_;
  struct Binding {
    ast::NodeId binder;
    std::uint32_t slot;
  };
  std::vector<Binding> bindings_;
  std::uint32_t next_slot_ = 0;  // variable slots in use at this point of lowering
  std::vector<std::vector<std::uint32_t>> define_args_;
  std::vector<std::optional<std::uint32_t>> decl_codesets_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> derived_first_op_;
};

void normalise(CodeSet& cs) {
  auto& v = cs.intervals;
  std::sort(v.begin(), v.end());
  std::vector<std::pair<std::string, std::string>> merged;
  for (auto& iv : v) {
    if (!merged.empty() && iv.first <= merged.back().second) {
      if (iv.second > merged.back().second) merged.back().second = iv.second;
    } else {
      merged.push_back(std::move(iv));
    }
  }
  v = std::move(merged);
  std::sort(cs.strings.begin(), cs.strings.end());
  auto lead = [&](const std::string& lo, const std::string& hi) {
    unsigned first = lo.empty() ? 0u : static_cast<unsigned char>(lo[0]);
    unsigned last = hi.empty() ? 0u : static_cast<unsigned char>(hi[0]);
    for (unsigned b = first; b <= last; ++b) cs.leading[b >> 6] |= std::uint64_t{1} << (b & 63);
  };
  for (const auto& [lo, hi] : v) lead(lo, hi);
  for (const CodeSet::Dated& d : cs.dated) lead(d.lo, d.hi);
}

std::optional<Value> Compiler::constant_value(const ast::Expr& e) {
  const dsl::Resolution& r = rs_.resolutions[e.id];
  if (auto* m = std::get_if<dsl::RefEnumMember>(&r)) return Value::make_indexed(Kind::enumeration, m->member);
  const dsl::Type& t = rs_.types[e.id];
  return std::visit(
      overloaded{
          [&](const ast::BoolLiteral& b) -> std::optional<Value> { return Value::make_bool(b.value); },
          [&](const ast::IntLiteral& i) -> std::optional<Value> { return Value::make_int(i.value); },
          [&](const ast::DecimalLiteral& d) -> std::optional<Value> { return Value::make_decimal(d.value); },
          [&](const ast::StringLiteral& s) -> std::optional<Value> {
            return Value::make_indexed(t.is_code() ? Kind::code : Kind::string, intern(s.value));
          },
          [&](const ast::DateLiteral& d) -> std::optional<Value> { return Value::make_date(d.days); },
          [&](const ast::DurationLiteral& d) -> std::optional<Value> {
            std::int64_t n = d.amount;
            if (d.unit == ast::DurationUnit::weeks) n *= 7;
            if (d.unit == ast::DurationUnit::months) return Value::make_int(n);
            return Value::make_duration(n);
          },
          [&](const auto&) -> std::optional<Value> { return std::nullopt; },
      },
      e.kind);
}

std::uint32_t Compiler::codeset_of_decl(std::uint32_t index) {
  if (decl_codesets_.size() < rs_.codesets.size()) decl_codesets_.resize(rs_.codesets.size());
  if (!decl_codesets_[index]) {
    auto cs = lower_set(*rs_.codesets[index].decl->value);
    if (!cs) throw std::logic_error("code set declaration did not lower to a static set");
    decl_codesets_[index] = *cs;
  }
  return *decl_codesets_[index];
}

std::optional<std::uint32_t> Compiler::lower_set(const ast::Expr& set) {
  const dsl::Resolution& r = rs_.resolutions[set.id];
  if (auto* c = std::get_if<dsl::RefCodeSet>(&r)) return codeset_of_decl(c->codeset);
  if (auto* op = std::get_if<ast::SetOperation>(&set.kind)) {
    auto l = lower_set(*op->lhs);
    auto rr = lower_set(*op->rhs);
    if (!l || !rr) return std::nullopt;
    CodeSet cs;
    cs.kind = op->difference ? CodeSet::Kind::difference : CodeSet::Kind::union_;
    cs.lhs = *l;
    cs.rhs = *rr;
    cs.dated_anywhere = p_.codesets[*l].dated_anywhere || p_.codesets[*rr].dated_anywhere;
    return add_codeset(std::move(cs));
  }
  if (auto* lit = std::get_if<ast::CodeSetLiteral>(&set.kind)) {
    CodeSet cs;
    const dsl::Type& t = rs_.types[set.id];
    if (t.element == BaseType::enumeration) {
      cs.kind = CodeSet::Kind::enumeration;
      const dsl::EnumType& en = rs_.schema.enums[t.ref];
      cs.members.assign(en.members.size(), false);
      for (const ast::CodeEntry& entry : lit->entries)
        if (auto m = en.find(entry.low)) cs.members[*m] = true;
      return add_codeset(std::move(cs));
    }
    cs.kind = CodeSet::Kind::codes;
    for (const ast::CodeEntry& entry : lit->entries) {
      std::string lo = entry.low;
      std::string hi = entry.wildcard ? entry.low + "\xff" : (entry.high.empty() ? entry.low : entry.high + "\xff");
      if (entry.effective) {
        cs.dated.push_back(
            {lo, hi, entry.effective->from.value_or(INT32_MIN), entry.effective->to.value_or(INT32_MAX)});
        cs.dated_anywhere = true;
      } else {
        cs.intervals.emplace_back(lo, hi);
      }
    }
    normalise(cs);
    return add_codeset(std::move(cs));
  }
  if (auto* lit = std::get_if<ast::SetLiteral>(&set.kind)) {
    CodeSet cs;
    std::vector<Value> values;
    for (const auto& item : lit->items) {
      auto v = constant_value(*item);
      if (!v) return std::nullopt;
      values.push_back(*v);
    }
    const dsl::Type& elem = rs_.types[lit->items.empty() ? set.id : lit->items.front()->id];
    if (elem.base == BaseType::enumeration) {
      cs.kind = CodeSet::Kind::enumeration;
      cs.members.assign(rs_.schema.enums[elem.ref].members.size(), false);
      for (const Value& v : values) cs.members[v.index] = true;
    } else if (elem.is_code()) {
      cs.kind = CodeSet::Kind::codes;
      for (const Value& v : values) {
        const std::string& s = p_.strings[v.index & ~program_string_bit];
        cs.intervals.emplace_back(s, s);
      }
    } else if (elem.base == BaseType::string) {
      cs.kind = CodeSet::Kind::strings;
      for (const Value& v : values) cs.strings.push_back(p_.strings[v.index & ~program_string_bit]);
    } else {
      return std::nullopt;  // numbers, dates: compared one by one
    }
    normalise(cs);
    return add_codeset(std::move(cs));
  }
  return std::nullopt;
}

std::uint32_t Compiler::lower_membership(const ast::Expr& e, const ast::Membership& m) {
  Op op;
  op.span = e.span;
  op.a = lower(*m.item);
  if (auto cs = lower_set(*m.set)) {
    op.code = OpCode::in_codeset;
    op.b = *cs;
  } else if (auto* lit = std::get_if<ast::SetLiteral>(&m.set->kind)) {
    op.code = OpCode::in_values;
    std::vector<std::uint32_t> items;
    for (const auto& item : lit->items) items.push_back(lower(*item));
    op.b = static_cast<std::uint32_t>(p_.args.size());
    op.c = static_cast<std::uint32_t>(items.size());
    p_.args.insert(p_.args.end(), items.begin(), items.end());
  } else {
    op.code = OpCode::in_list;
    op.b = lower(*m.set);
  }
  std::uint32_t index = emit(op);
  if (!m.negated) return index;
  Op neg;
  neg.code = OpCode::not_;
  neg.a = index;
  neg.span = e.span;
  return emit(neg);
}

std::uint32_t Compiler::lower_define(std::uint32_t define, std::vector<std::uint32_t> args, dsl::SourceSpan span) {
  const bool has_args = !args.empty();
  define_args_.push_back(std::move(args));
  std::vector<Binding> outer;
  outer.swap(bindings_);  // a define's body sees only its parameters
  std::uint32_t body = lower(*rs_.defines[define].decl->body);
  bindings_.swap(outer);
  define_args_.pop_back();
  Op op;
  op.code = OpCode::define_call;
  op.a = body;
  op.span = span;
  if (!has_args) op.memo = define;
  return emit(op);
}

std::uint32_t Compiler::lower(const ast::Expr& e) {
  std::uint32_t index = lower_node(e);
  const dsl::Type& t = rs_.types[e.id];
  if (t.base == BaseType::enumeration && p_.ops[index].enum_ref == no_op) p_.ops[index].enum_ref = t.ref;
  return index;
}

std::uint32_t Compiler::lower_node(const ast::Expr& e) {
  const dsl::Resolution& res = rs_.resolutions[e.id];
  if (std::holds_alternative<dsl::RefEnumMember>(res)) return constant(*constant_value(e), e.span);
  if (auto* d = std::get_if<dsl::RefDefine>(&res); d && !std::holds_alternative<ast::Call>(e.kind))
    return lower_define(d->define, {}, e.span);
  if (auto* dp = std::get_if<dsl::RefDefineParam>(&res)) return define_args_.back().at(dp->index);
  Op op;
  op.span = e.span;
  if (auto* v = std::get_if<dsl::RefVariable>(&res)) {
    for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it) {
      if (it->binder == v->binder) {
        op.code = OpCode::variable;
        op.b = it->slot;
        return emit(op);
      }
    }
    throw std::logic_error("unbound variable in the checked AST");
  }
  if (auto* prm = std::get_if<dsl::RefParam>(&res)) {
    op.code = OpCode::param;
    op.b = prm->param;
    return emit(op);
  }
  if (std::holds_alternative<dsl::RefBenefit>(res)) {
    op.code = OpCode::benefit;
    return emit(op);
  }
  if (std::holds_alternative<dsl::RefDecision>(res)) {
    op.code = OpCode::decision;
    return emit(op);
  }
  if (auto* sf = std::get_if<dsl::RefSelfField>(&res)) {
    op.code = OpCode::self_field;
    op.b = sf->field;
    op.c = sf->record;
    return emit(op);
  }
  if (auto* f = std::get_if<dsl::RefField>(&res)) {
    if (auto* m = std::get_if<ast::MemberAccess>(&e.kind)) {
      op.code = OpCode::field;
      op.a = lower(*m->object);
      op.b = f->field;
      op.c = f->record;
    } else {
      op.code = OpCode::root_field;
      op.b = f->field;
      op.c = f->record;
    }
    return emit(op);
  }
  if (auto v = constant_value(e)) {
    op.code = OpCode::constant;
    op.imm = *v;
    op.months = std::holds_alternative<ast::DurationLiteral>(e.kind) &&
                std::get<ast::DurationLiteral>(e.kind).unit == ast::DurationUnit::months;
    return emit(op);
  }
  return std::visit(
      overloaded{
          [&](const ast::Unary& u) -> std::uint32_t {
            op.code = opcode_of(u.op);
            op.a = lower(*u.operand);
            return emit(op);
          },
          [&](const ast::Binary& b) -> std::uint32_t {
            const dsl::Type& rt = rs_.types[b.rhs->id];
            const dsl::Type& lt = rs_.types[b.lhs->id];
            if ((b.op == ast::BinaryOp::add || b.op == ast::BinaryOp::sub) &&
                (rt.base == BaseType::period || lt.base == BaseType::period)) {
              bool period_left = lt.base == BaseType::period;
              op.code = OpCode::add_months;
              op.a = lower(period_left ? *b.rhs : *b.lhs);
              op.b = lower(period_left ? *b.lhs : *b.rhs);
              op.imm = Value::make_int(b.op == ast::BinaryOp::sub ? -1 : 1);
              return emit(op);
            }
            op.code = opcode_of(b.op);
            op.a = lower(*b.lhs);
            op.b = lower(*b.rhs);
            return emit(op);
          },
          [&](const ast::Membership& m) -> std::uint32_t { return lower_membership(e, m); },
          [&](const ast::Presence& pr) -> std::uint32_t {
            op.code = pr.none ? OpCode::is_none : pr.known ? OpCode::is_known : OpCode::is_unknown;
            op.a = lower(*pr.operand);
            return emit(op);
          },
          [&](const ast::Within& w) -> std::uint32_t {
            op.code = OpCode::within;
            op.a = lower(*w.subject);
            op.b = lower(*w.amount);
            op.c = lower(*w.anchor);
            op.imm = Value::make_int(static_cast<int>(w.direction));
            op.months = rs_.types[w.amount->id].base == BaseType::period;
            return emit(op);
          },
          [&](const ast::Call& c) -> std::uint32_t {
            std::vector<std::uint32_t> args;
            for (const auto& a : c.args) args.push_back(lower(*a));
            if (const auto* b = std::get_if<dsl::RefBuiltin>(&res)) {
              if (b->function == dsl::Builtin::years_between) {
                op.code = OpCode::years_between;
                op.a = args.at(0);
                op.b = args.at(1);
                return emit(op);
              }
              // `min(a, b, c)`: `min(min(a, b), c)`, every link spanning the whole call.
              op.code = b->function == dsl::Builtin::min ? OpCode::min_of : OpCode::max_of;
              op.a = args.at(0);
              for (std::size_t i = 1; i < args.size(); ++i) {
                op.b = args[i];
                op.a = emit(op);
              }
              return op.a;
            }
            return lower_define(std::get<dsl::RefDefine>(res).define, std::move(args), e.span);
          },
          [&](const ast::Quantifier& q) -> std::uint32_t {
            op.code = opcode_of(q.kind);
            op.a = lower(*q.list);
            // Slots count every enclosing quantifier, including those of the caller when
            // this body is an inlined define: the caller's variables stay live meanwhile.
            std::uint32_t slot = next_slot_++;
            p_.variable_slots = std::max(p_.variable_slots, next_slot_);
            bindings_.push_back({e.id, slot});
            op.b = q.filter ? lower(*q.filter) : no_op;
            op.c = q.key ? lower(*q.key) : no_op;
            bindings_.pop_back();
            --next_slot_;
            op.imm = Value::make_int(slot);
            if (q.key) {  // count distinct: a finite key type caps the upper bound
              const dsl::Type& kt = rs_.types[q.key->id];
              if (kt.base == BaseType::enumeration)
                op.distinct_cap = static_cast<std::int32_t>(rs_.schema.enums[kt.ref].members.size());
              // A key declared `or none` has one value more.
              if (const auto* f = std::get_if<dsl::RefField>(&rs_.resolutions[q.key->id]);
                  f && op.distinct_cap >= 0 && rs_.schema.records[f->record].fields[f->field].or_none)
                ++op.distinct_cap;
              if (kt.base == BaseType::boolean) op.distinct_cap = 2;
            }
            return emit(op);
          },
          [&](const ast::UnknownValue& u) -> std::uint32_t {
            op.code = OpCode::unknown_value;
            std::vector<std::uint32_t> facts;
            for (const auto& f : u.facts) facts.push_back(lower(*f));
            op.b = static_cast<std::uint32_t>(p_.args.size());
            op.c = static_cast<std::uint32_t>(facts.size());
            p_.args.insert(p_.args.end(), facts.begin(), facts.end());
            return emit(op);
          },
          [&](const ast::Conditional& c) -> std::uint32_t {
            op.code = OpCode::conditional;
            op.a = lower(*c.condition);
            op.b = lower(*c.then_value);
            op.c = c.else_value ? lower(*c.else_value) : no_op;
            return emit(op);
          },
          [&](const auto&) -> std::uint32_t { throw std::logic_error("expression kind cannot be lowered here"); },
      },
      e.kind);
}

void Compiler::run() {
  const dsl::Schema& schema = rs_.schema;
  p_.derived.resize(schema.records.size());
  for (std::uint32_t r = 0; r < schema.records.size(); ++r) {
    p_.derived[r].assign(schema.records[r].fields.size(), no_op);
    for (std::uint32_t f = 0; f < schema.records[r].fields.size(); ++f) {
      if (!schema.records[r].fields[f].derived) continue;
      derived_first_op_[{r, f}] = static_cast<std::uint32_t>(p_.ops.size());
      p_.derived[r][f] = lower(*schema.records[r].fields[f].derived);
    }
    for (const ast::CheckDecl* c : schema.records[r].checks) {
      std::uint32_t condition = lower(*c->condition);
      p_.checks.push_back(SchemaCheck{r, condition, c->guard ? lower(*c->guard) : no_op, c});
    }
  }
  p_.fact_field.resize(schema.records.size());
  for (std::uint32_t r = 0; r < schema.records.size(); ++r) {
    p_.fact_field[r].resize(schema.records[r].fields.size());
    for (std::uint32_t f = 0; f < schema.records[r].fields.size(); ++f) {
      p_.fact_field[r][f] = f;
      if (p_.derived[r][f] == no_op) continue;
      // The first stored sibling the derivation reads, in op order.
      for (std::uint32_t i = derived_first_op_.at({r, f}); i <= p_.derived[r][f]; ++i) {
        const Op& op = p_.ops[i];
        if (op.code == OpCode::self_field && p_.derived[r][op.b] == no_op) {
          p_.fact_field[r][f] = op.b;
          break;
        }
      }
    }
  }
  p_.dos_field = schema.root_record().find("date_of_service");

  p_.params.resize(rs_.params.size());
  for (std::uint32_t i = 0; i < rs_.params.size(); ++i)
    p_.params[i].default_op = lower(*rs_.params[i].decl->default_value);
  for (std::uint32_t u = 0; u < rs_.units.size(); ++u) {
    for (const auto& [param, expr] : rs_.units[u].param_sets) p_.params[param].set_by.emplace_back(u, lower(*expr));
    if (rs_.units[u].effective) p_.needs_evaluation_date = true;
  }

  p_.rules.resize(rs_.rules.size());
  for (std::uint32_t i = 0; i < rs_.rules.size(); ++i) {
    const dsl::CheckedRule& cr = rs_.rules[i];
    const ast::Rule& r = *cr.rule;
    CompiledRule& out = p_.rules[i];
    out.checked = &cr;
    out.source = &r;
    out.unit = cr.unit;
    out.kind = cr.kind;
    if (r.when) out.when = lower(*r.when);
    if (r.direct) out.direct = r.direct->decision;
    if (r.route && rs_.benefit_enum) out.route = rs_.schema.enums[*rs_.benefit_enum].find(r.route->text);
    for (const ast::Requirement& q : r.requirements) {
      if (q.kind == ast::Requirement::Kind::prior_auth) {
        out.prior_auth = true;
        continue;
      }
      Criterion c;
      c.kind = q.kind;
      c.source = &q;
      if (q.kind == ast::Requirement::Kind::criterion) {
        c.op = lower(*q.condition);
        c.on_fail = q.else_decision.value_or(ast::Decision::denied);
      } else {
        c.document = rs_.schema.enums[*rs_.document_enum].find(q.document->text).value_or(0);
        c.on_fail = q.else_decision.value_or(ast::Decision::pend);
      }
      if (q.effective) {
        c.from = q.effective->from;
        c.to = q.effective->to;
        p_.needs_evaluation_date = true;
      }
      out.criteria.push_back(c);
    }
    for (const ast::Grant& g : r.grants) out.grant_ops.push_back(g.amount_expr ? lower(*g.amount_expr) : no_op);
    if (r.effective) {
      out.from = r.effective->from;
      out.to = r.effective->to;
      p_.needs_evaluation_date = true;
    }
  }
  for (std::uint32_t i = 0; i < rs_.rules.size(); ++i)
    for (std::uint32_t target : rs_.rules[i].overrides) p_.rules[target].overridden_by.push_back(i);
  // Reasons are listed by rule id; a stable order for equal ids (rules of several files).
  std::vector<std::uint32_t> order(p_.rules.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return p_.rules[a].checked->display_id < p_.rules[b].checked->display_id;
  });
  p_.rule_rank.resize(order.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) p_.rule_rank[order[i]] = i;
  p_.rules_in_id_order = std::is_sorted(order.begin(), order.end());
  for (const CodeSet& cs : p_.codesets)
    if (cs.dated_anywhere) p_.needs_evaluation_date = true;
  // Field reads know statically whether they read a stored or a derived field.
  for (Op& op : p_.ops)
    if ((op.code == OpCode::root_field || op.code == OpCode::field || op.code == OpCode::self_field) && op.c != no_op)
      op.derived = p_.derived[op.c][op.b];
  p_.memo_slots = static_cast<std::uint32_t>(rs_.defines.size());
  plan_conditions(p_);
}

}  // namespace

std::shared_ptr<const Program> compile(std::unique_ptr<dsl::CheckedRuleSet> checked) {
  auto program = std::make_shared<Program>();
  program->checked = std::move(checked);
  Compiler compiler(*program);
  compiler.run();
  return program;
}

}  // namespace covcheck::engine
