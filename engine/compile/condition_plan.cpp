// Condition planning: which condition ops are a stored fact compared with a constant, a
// membership or a presence test, and which of them (with the connectives over them) are
// computed eagerly. Only shapes whose fast test gives exactly truth_of(eval(op)) are
// recognised; everything else stays general. tests/unit/test_condition_plan.cpp pins the
// untraced decisions to the traced ones over the shipped rule sets and generated ones.
#include "engine/compile/condition_plan.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

namespace covcheck::engine {

namespace {

bool stored(const Op& op) { return op.derived == no_op; }

// The fact an op reads, when it is a stored field within two steps of the case root, a
// quantifier's element or a stored field of it, or the routed benefit.
std::optional<TestForm> fact_of(const Program& p, std::uint32_t index) {
  const Op& op = p.ops[index];
  TestForm t;
  switch (op.code) {
    case OpCode::benefit: t.base = FactBase::benefit; return t;
    case OpCode::variable:
      t.base = FactBase::variable;
      t.var = op.b;
      return t;
    case OpCode::root_field:
      if (!stored(op)) return std::nullopt;
      t.steps = 1;
      t.f1 = op.b;
      return t;
    case OpCode::field: {
      if (!stored(op) || op.a == no_op) return std::nullopt;
      const Op& record = p.ops[op.a];
      if (record.code == OpCode::root_field && stored(record)) {
        t.steps = 2;
        t.f1 = record.b;
        t.f2 = op.b;
        return t;
      }
      if (record.code == OpCode::variable) {
        t.base = FactBase::variable;
        t.var = record.b;
        t.steps = 1;
        t.f1 = op.b;
        return t;
      }
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

bool is_comparison(OpCode c) {
  return c == OpCode::eq || c == OpCode::ne || c == OpCode::lt || c == OpCode::le || c == OpCode::gt || c == OpCode::ge;
}

TestForm form_of(const Program& p, std::uint32_t index) {
  const Op& op = p.ops[index];
  TestForm t;
  auto with_fact = [&](std::uint32_t fact_op, TestKind kind) {
    if (auto f = fact_of(p, fact_op)) {
      t = *f;
      t.kind = kind;
    }
  };
  switch (op.code) {
    case OpCode::and_:
      t.kind = TestKind::and_;
      t.a = op.a;
      t.b = op.b;
      return t;
    case OpCode::or_:
      t.kind = TestKind::or_;
      t.a = op.a;
      t.b = op.b;
      return t;
    case OpCode::not_:
      t.kind = TestKind::not_;
      t.a = op.a;
      return t;
    case OpCode::define_call:
      t.kind = TestKind::define;
      t.a = op.a;
      t.b = op.memo;
      return t;
    case OpCode::root_field:
    case OpCode::field:
    case OpCode::variable: with_fact(index, TestKind::truth); return t;
    case OpCode::is_known: with_fact(op.a, TestKind::known); return t;
    case OpCode::is_unknown: with_fact(op.a, TestKind::unknown); return t;
    case OpCode::in_codeset:
      with_fact(op.a, TestKind::in_set);
      t.k = op.b;
      return t;
    case OpCode::in_list: {
      const Op& item = p.ops[op.a];
      if (item.code != OpCode::constant || item.imm.kind != Kind::enumeration) return t;
      with_fact(op.b, TestKind::has_member);
      t.k = item.imm.index;
      return t;
    }
    case OpCode::any: {
      // `any L x: x in S`: the filter tests the element itself against a code set.
      if (op.b == no_op) return t;
      const Op& filter = p.ops[op.b];
      if (filter.code != OpCode::in_codeset) return t;
      const Op& item = p.ops[filter.a];
      if (item.code != OpCode::variable || item.b != static_cast<std::uint32_t>(op.imm.integer)) return t;
      with_fact(op.a, TestKind::any_in_set);
      t.k = filter.b;
      return t;
    }
    default: break;
  }
  if (!is_comparison(op.code)) return t;
  const Op& constant = p.ops[op.b];
  if (constant.code != OpCode::constant) return t;
  const Value& k = constant.imm;
  TestKind kind = TestKind::general;
  if (k.kind == Kind::integer) kind = TestKind::compare_int;
  else if (op.code != OpCode::eq && op.code != OpCode::ne) return t;
  else if (k.kind == Kind::enumeration) kind = TestKind::equal_member;
  else if (k.kind == Kind::string || k.kind == Kind::code) kind = TestKind::equal_text;
  else return t;
  with_fact(op.a, kind);
  if (t.kind == TestKind::general) return t;
  t.cmp = op.code;
  t.k = kind == TestKind::compare_int ? k.integer : (k.index & ~program_string_bit);
  return t;
}

// Whether an op may read the routed benefit or the decision, through its operands, the
// derived fields it reads or the params it uses (params conservatively: they may differ by
// policy). `seen`: 0 not visited, 1 no, 2 yes.
bool reads_routing(const Program& p, std::uint32_t index, std::vector<std::uint8_t>& seen) {
  if (index == no_op) return false;
  if (seen[index]) return seen[index] == 2;
  seen[index] = 1;
  const Op& op = p.ops[index];
  bool reads = false;
  auto child = [&](std::uint32_t i) { reads = reads || reads_routing(p, i, seen); };
  switch (op.code) {
    case OpCode::benefit:
    case OpCode::decision:
    case OpCode::param: reads = true; break;
    case OpCode::constant:
    case OpCode::variable: break;
    case OpCode::root_field:
    case OpCode::self_field: child(op.derived); break;
    case OpCode::field:
      child(op.a);
      child(op.derived);
      break;
    case OpCode::in_codeset: child(op.a); break;
    case OpCode::unknown_value:
      for (std::uint32_t i = 0; i < op.c; ++i) child(p.args[op.b + i]);
      break;
    case OpCode::in_values:
      child(op.a);
      for (std::uint32_t i = 0; i < op.c; ++i) child(p.args[op.b + i]);
      break;
    default:
      child(op.a);
      child(op.b);
      child(op.c);
      break;
  }
  seen[index] = reads ? 2 : 1;
  return reads;
}

// Fact shapes cheap enough to compute for every case: one read and one comparison (a code
// set lookup is logarithmic), or a scan of a list of codes or members, no filter evaluated
// per element (the lists such tests read, diagnoses and documents, are short; a condition
// per element of a list of records stays lazy, its cost growing with the case).
// The connective an eager link computes for a test form, when it is one.
std::optional<dsl::Connective> connective_of(TestKind kind) {
  switch (kind) {
    case TestKind::and_: return dsl::Connective::and_;
    case TestKind::or_: return dsl::Connective::or_;
    case TestKind::not_: return dsl::Connective::not_;
    case TestKind::general:
    case TestKind::define:
    case TestKind::truth:
    case TestKind::known:
    case TestKind::unknown:
    case TestKind::compare_int:
    case TestKind::equal_member:
    case TestKind::equal_text:
    case TestKind::in_set:
    case TestKind::any_in_set:
    case TestKind::has_member: return std::nullopt;
  }
  return std::nullopt;
}

bool cheap_fact(const TestForm& t) {
  switch (t.kind) {
    case TestKind::truth:
    case TestKind::known:
    case TestKind::unknown:
    case TestKind::compare_int:
    case TestKind::equal_member:
    case TestKind::equal_text:
    case TestKind::in_set:
    case TestKind::any_in_set:
    case TestKind::has_member: return t.base != FactBase::variable;
    default: return false;
  }
}

void plan_eager(Program& p, const std::vector<std::uint8_t>& routing) {
  EagerPlan& plan = p.eager;
  plan = EagerPlan{};
  // The conditions the decider tests: rules' conditions and criteria, and the operands of
  // the connectives and defines among them (ops are emitted children first).
  std::vector<bool> condition(p.ops.size(), false);
  for (const CompiledRule& r : p.rules) {
    if (r.when != no_op) condition[r.when] = true;
    for (const Criterion& c : r.criteria)
      if (c.op != no_op) condition[c.op] = true;
  }
  for (std::uint32_t i = static_cast<std::uint32_t>(p.ops.size()); i-- > 0;) {
    const TestForm& t = p.tests[i];
    if (!condition[i]) continue;
    if (t.kind == TestKind::and_ || t.kind == TestKind::or_ || t.kind == TestKind::not_ || t.kind == TestKind::define) {
      condition[t.a] = true;
      if (t.b != no_op && t.kind != TestKind::define) condition[t.b] = true;
    }
  }
  // Defines are inlined at each use, so the same fact recurs: each distinct fact and link
  // gets one slot.
  std::map<
      std::tuple<TestKind, OpCode, FactBase, std::uint8_t, std::uint32_t, std::uint32_t, std::uint32_t, std::int64_t>,
      std::uint32_t>
      facts;
  std::map<std::tuple<dsl::Connective, std::uint32_t, std::uint32_t>, std::uint32_t> links;
  for (std::uint32_t i = 0; i < p.ops.size(); ++i) {
    if (!condition[i]) continue;
    TestForm& t = p.tests[i];
    const std::uint8_t phase = routing[i] == 2 ? 1 : 0;
    EagerPhase& into = phase ? plan.after_routing : plan.before_routing;
    if (cheap_fact(t)) {
      auto [it, added] = facts.try_emplace({t.kind, t.cmp, t.base, t.steps, t.var, t.f1, t.f2, t.k}, plan.slots);
      if (added) {
        ++plan.slots;
        into.facts.push_back({TestForm{}, i});
      }
      t.eager = it->second;
      t.phase = phase;
      continue;
    }
    auto planned = [&](std::uint32_t op) { return op != no_op && p.tests[op].eager != no_op; };
    if (t.kind == TestKind::define) {  // a define is its body's result
      if (!planned(t.a)) continue;
      t.eager = p.tests[t.a].eager;
      t.phase = phase;
      continue;
    }
    const std::optional<dsl::Connective> connective = connective_of(t.kind);
    if (!connective) continue;
    const bool binary = *connective != dsl::Connective::not_;
    if (!planned(t.a) || (binary && !planned(t.b))) continue;
    EagerLink link;
    link.connective = *connective;
    link.a = p.tests[t.a].eager;
    link.b = binary ? p.tests[t.b].eager : link.a;
    auto [it, added] = links.try_emplace({link.connective, link.a, link.b}, plan.slots);
    if (added) {
      link.out = plan.slots++;
      into.links.push_back(link);
    }
    t.eager = it->second;
    t.phase = phase;
  }
  for (EagerPhase* phase : {&plan.before_routing, &plan.after_routing}) {
    for (EagerPhase::Fact& f : phase->facts) f.form = p.tests[f.op];
    std::stable_sort(
        phase->facts.begin(), phase->facts.end(), [&](const EagerPhase::Fact& x, const EagerPhase::Fact& y) {
          return std::tie(x.form.kind, x.form.cmp, x.form.steps) < std::tie(y.form.kind, y.form.cmp, y.form.steps);
        });
  }
}

}  // namespace

void plan_conditions(Program& program) {
  program.tests.resize(program.ops.size());
  for (std::uint32_t i = 0; i < program.ops.size(); ++i) program.tests[i] = form_of(program, i);
  // Which ops read the routed benefit or the decision (2) or not (1).
  std::vector<std::uint8_t> routing(program.ops.size(), 0);
  for (std::uint32_t i = 0; i < program.ops.size(); ++i) reads_routing(program, i, routing);
  std::vector<bool> listed(program.memo_slots, false);
  program.routing_memos.clear();
  for (std::uint32_t i = 0; i < program.ops.size(); ++i) {
    const Op& op = program.ops[i];
    if (op.code != OpCode::define_call || op.memo == no_op || listed[op.memo]) continue;
    if (routing[op.a] != 2) continue;
    listed[op.memo] = true;
    program.routing_memos.push_back(op.memo);
  }
  plan_eager(program, routing);
}

}  // namespace covcheck::engine
