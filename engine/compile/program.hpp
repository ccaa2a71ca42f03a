// The compiled program: every expression lowered to a flat arena of ops with integer
// links (paths resolved to field slots, defines inlined, code sets to interval tables),
// plus the rules, units and params the evaluator needs. Immutable once built, so one
// program serves any number of cases and threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/check/checked.hpp"
#include "dsl/check/three_valued.hpp"
#include "engine/cases/case.hpp"

namespace covcheck::engine {

inline constexpr std::uint32_t no_op = 0xFFFFFFFFu;
// String constants of the program are addressed with this bit set, case strings without.
inline constexpr std::uint32_t program_string_bit = 0x80000000u;
// The `benefit` value when no routing rule applies: known, and equal to no member.
inline constexpr std::uint32_t no_member = 0xFFFFFFFFu;

enum class OpCode : std::uint8_t {
  constant,    // imm
  root_field,  // b = field of the case root
  field,       // a = record-valued op, b = field
  self_field,  // b = field of the record being derived or checked
  variable,    // b = variable slot
  param,       // b = param index
  benefit,
  decision,
  and_,
  or_,
  not_,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  add,
  sub,
  mul,
  negate,
  add_months,  // a = date, b = months op (sub: imm.integer = -1)
  in_codeset,  // a = item, b = code set
  in_list,     // a = item, b = list-valued op
  in_values,   // a = item, args[b .. b+c) = value ops (a set literal with non-constant items)
  is_known,
  is_unknown,
  within,         // a = subject, b = amount, c = anchor; imm.integer = WindowDirection
  years_between,  // a, b
  min_of,         // a, b: the smaller (`min(a, b, c)` chains them)
  max_of,         // a, b: the larger
  any,
  all,
  count,
  count_distinct,  // a = list, b = filter (or no_op), c = key; imm.index = variable slot; distinct_cap
  conditional,     // a = condition, b = then, c = else (or no_op)
  define_call,     // a = inlined body; names the define in traces
  is_none,         // a = operand: `x is none` (unknown while x is absent)
  unknown_value,   // args[b .. b+c) = the facts `unknown(...)` waits for (read only when tracing)
};

struct Op {
  OpCode code = OpCode::constant;
  std::uint32_t a = no_op, b = no_op, c = no_op;
  Value imm;
  // count_distinct: how many values its key can take (an enumeration's members, 2 for a
  // bool), which caps the count's upper bound; -1 when unbounded.
  std::int32_t distinct_cap = -1;
  dsl::SourceSpan span;            // for traces and warnings
  bool months = false;             // a constant in calendar months (`3 months`)
  std::uint32_t enum_ref = no_op;  // the enumeration of an enum-valued op, for rendering values
  // Field reads (root_field, field, self_field; c = record type): the op deriving the field,
  // or no_op when it is stored.
  std::uint32_t derived = no_op;
  // define_call: the memo slot of a define without parameters (its value is the same
  // wherever it is used in one case), or no_op.
  std::uint32_t memo = no_op;
};
// One cache line: evaluation walks the arena op by op.
static_assert(sizeof(Op) <= 64, "keep Op within a cache line");

// A code set: sorted, merged intervals of code strings (a wildcard `F33.*` is the
// interval ["F33.", "F33.\xff"]), optional dated entries, or an enumeration mask; or a
// union / difference of two other sets.
struct CodeSet {
  enum class Kind : std::uint8_t { codes, enumeration, strings, union_, difference } kind = Kind::codes;
  std::vector<std::pair<std::string, std::string>> intervals;  // codes: [lo, hi] inclusive, disjoint, sorted
  struct Dated {
    std::string lo, hi;
    std::int32_t from, to;
  };
  std::vector<Dated> dated;          // entries with an effective range, judged by the evaluation date
  std::vector<bool> members;         // enumeration: by member ordinal
  std::vector<std::string> strings;  // strings: sorted
  std::uint32_t lhs = 0, rhs = 0;    // union / difference
  bool dated_anywhere = false;
  // codes: the first bytes a member can have (bit b of leading[b / 64]), so most codes of
  // other chapters are rejected without a string comparison.
  std::array<std::uint64_t, 4> leading{};
  bool has_leading(std::string_view code) const {
    if (code.empty()) return true;
    auto b = static_cast<unsigned char>(code[0]);
    return (leading[b >> 6] >> (b & 63)) & 1u;
  }
};

// The shape of a condition op when it is tested without a trace, recognised once at
// compile time (engine/compile/condition_plan.cpp): a comparison of a stored fact with a constant, a
// membership, a presence test, a connective. Testing one reads the case in place with a
// single dispatch, where the general path evaluates each operand as an op of its own.
enum class TestKind : std::uint8_t {
  general,  // no shape: the op is evaluated
  and_,
  or_,
  not_,    // a, b: the operand ops
  define,  // a: the body; b: the memo slot (no_op for a define with parameters)
  truth,   // the fact itself is the condition (a stored bool)
  known,
  unknown,       // `is known` / `is unknown`
  compare_int,   // fact <cmp> integer k
  equal_member,  // fact == / != enumeration member k
  equal_text,    // fact == / != program string k (a string or a code)
  in_set,        // fact in code set k
  any_in_set,    // any element of the list fact in code set k
  has_member,    // constant enumeration member k in the list fact
};

// Where a tested fact lives: a stored field of the case root, of a stored root record, or of
// a quantifier's element (or the element itself), or the routed benefit.
enum class FactBase : std::uint8_t { root, variable, benefit };

struct TestForm {
  TestKind kind = TestKind::general;
  OpCode cmp = OpCode::eq;  // compare_int, equal_member, equal_text: eq, ne, lt, le, gt, ge
  FactBase base = FactBase::root;
  std::uint8_t steps = 0;        // fields read from the base: 0 (a variable itself), 1 or 2
  std::uint32_t var = 0;         // FactBase::variable: the slot
  std::uint32_t f1 = 0, f2 = 0;  // the fields read, in order
  std::uint32_t a = no_op, b = no_op;
  std::int64_t k = 0;
  std::uint32_t eager = no_op;  // its slot among the eager results (see EagerPlan), or no_op
  std::uint8_t phase = 0;       // 0: computed before routing, 1: after (it reads `benefit`)
};

// Conditions cheap enough to compute for every case up front (facts read in place and the
// connectives over them): evaluated in a fixed order, facts grouped by shape, so the work
// per case is the same sequence of branches, which the processor predicts, instead of one
// data-dependent dispatch per node. Conditions over lists, quantifiers and arithmetic stay
// lazy and read these results.
struct EagerLink {
  std::uint32_t out = 0, a = 0, b = 0;                 // result slots: out = dsl::connect(connective, a, b)
  dsl::Connective connective = dsl::Connective::and_;  // `not` reads only a; a define shares its body's slot
};
struct EagerPhase {
  struct Fact {
    TestForm form;  // a copy: one load less per fact and case
    std::uint32_t op = 0;
  };
  std::vector<Fact> facts;       // sorted by (kind, comparison, steps)
  std::vector<EagerLink> links;  // children before parents
};
struct EagerPlan {
  EagerPhase before_routing, after_routing;
  std::uint32_t slots = 0;
};

struct Criterion {
  dsl::ast::Requirement::Kind kind;
  const dsl::ast::Requirement* source = nullptr;
  std::uint32_t op = no_op;    // criterion condition
  std::uint32_t document = 0;  // document member ordinal
  dsl::ast::Decision on_fail = dsl::ast::Decision::denied;
  std::optional<std::int32_t> from, to;  // the criterion's own effective range
  bool dated() const { return from || to; }
};

struct CompiledRule {
  const dsl::CheckedRule* checked = nullptr;
  const dsl::ast::Rule* source = nullptr;
  std::uint32_t unit = 0;
  dsl::RuleKind kind = dsl::RuleKind::effect;
  std::uint32_t when = no_op;  // no_op: always applies
  std::optional<dsl::ast::Decision> direct;
  std::optional<std::uint32_t> route;  // benefit member
  bool prior_auth = false;
  std::vector<Criterion> criteria;           // criteria and documents, in source order
  std::vector<std::uint32_t> overridden_by;  // rules that override this one
  std::optional<std::int32_t> from, to;      // rule effective range
  std::vector<std::uint32_t> grant_ops;      // per `authorize` amount: its op, or no_op for a constant
};

struct ParamSlot {
  std::uint32_t default_op = no_op;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> set_by;  // (unit, op)
};

// A schema `check`, lowered: its condition, its `when` guard, and the declaration (message,
// severity). validate_case runs them after loading.
struct SchemaCheck {
  std::uint32_t record = 0;     // the schema record it is declared in
  std::uint32_t op = no_op;     // the condition
  std::uint32_t guard = no_op;  // the `when` condition, or no_op
  const dsl::ast::CheckDecl* decl = nullptr;
};

struct Program {
  std::unique_ptr<dsl::CheckedRuleSet> checked;  // owns the ASTs the rules point into
  std::vector<Op> ops;
  std::vector<TestForm> tests;  // parallel to ops: each op's shape as a condition
  EagerPlan eager;
  std::vector<std::uint32_t> args;   // operand lists (in_values)
  std::vector<std::string> strings;  // string and code constants
  std::vector<CodeSet> codesets;
  std::vector<CompiledRule> rules;       // parallel to checked->rules
  std::vector<std::uint32_t> rule_rank;  // each rule's position in id order (reasons are listed so)
  bool rules_in_id_order = false;        // rule_rank[r] == r
  std::vector<ParamSlot> params;
  // derived[record][field]: the op computing a derived field (no_op when stored)
  std::vector<std::vector<std::uint32_t>> derived;
  // fact_field[record][field]: the field to ask for when the record is absent — the field
  // itself, or for a derived fact the stored sibling it is computed from (age → birth_date).
  std::vector<std::vector<std::uint32_t>> fact_field;
  std::vector<SchemaCheck> checks;  // schema validations, in declaration order
  std::uint32_t variable_slots = 0;
  std::uint32_t memo_slots = 0;              // one per define without parameters
  std::vector<std::uint32_t> routing_memos;  // memo slots of defines that read `benefit` or `decision`
  bool needs_evaluation_date = false;        // some range or dated code set exists
  std::optional<std::uint32_t> dos_field;    // root field `date_of_service`

  const dsl::Schema& schema() const { return checked->schema; }
};

}  // namespace covcheck::engine
