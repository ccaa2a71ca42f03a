// Expression evaluation: one switch over the op arena. Absent facts are unknown and stay
// unknown through comparisons and arithmetic; `and`/`or`/`not`, `any`/`all` and presence
// follow dsl/check/three_valued.hpp (every path below reads it, eager, lazy and traced); counts
// carry lower and upper bounds, as the brief's "Missing information" section defines.
#include "engine/eval/expr_eval.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"

namespace covcheck::engine {

namespace {

Value unknown() { return Value{}; }
Value boolean(Truth t) { return t == Truth::unknown ? unknown() : Value::make_bool(t == Truth::yes); }

using dsl::Connective;

// Integer bounds of a numeric value: a count's range, or one integer.
bool bounds(const Value& v, std::int64_t& lo, std::int64_t& hi) {
  if (v.kind == Kind::integer) {
    lo = hi = v.integer;
    return true;
  }
  if (v.kind == Kind::range) {
    lo = v.range.lo;
    hi = v.range.hi;
    return true;
  }
  return false;
}

Value make_range(std::int64_t lo, std::int64_t hi) {
  if (lo == hi) return Value::make_int(lo);
  Value v;
  v.kind = Kind::range;
  v.range.lo = static_cast<std::int32_t>(lo);
  v.range.hi = static_cast<std::int32_t>(hi);
  return v;
}

// `min`/`max` of two numbers; a count's bounds give bounds (`min(count(...), 8)`).
Value extremum(bool smaller, const Value& a, const Value& b) {
  if (!a.known() || !b.known()) return unknown();
  if (a.kind == Kind::none || b.kind == Kind::none) return Value::make_none();
  if (a.kind == Kind::decimal || b.kind == Kind::decimal) {
    if (a.kind == Kind::range || b.kind == Kind::range) return unknown();
    double x = a.kind == Kind::decimal ? a.decimal : static_cast<double>(a.integer);
    double y = b.kind == Kind::decimal ? b.decimal : static_cast<double>(b.integer);
    return Value::make_decimal(smaller ? std::min(x, y) : std::max(x, y));
  }
  std::int64_t alo, ahi, blo, bhi;
  if (!bounds(a, alo, ahi) || !bounds(b, blo, bhi)) return unknown();
  return smaller ? make_range(std::min(alo, blo), std::min(ahi, bhi))
                 : make_range(std::max(alo, blo), std::max(ahi, bhi));
}

// Byte order like std::string_view's compare, inline: codes are a few bytes, shorter than
// what makes a call to memcmp pay.
int compare_code(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

bool code_in_intervals(const std::vector<std::pair<std::string, std::string>>& intervals, std::string_view code) {
  // The last interval starting at or before the code is the only one that can hold it.
  auto it = std::upper_bound(
      intervals.begin(), intervals.end(), code,
      [](std::string_view c, const std::pair<std::string, std::string>& iv) { return compare_code(c, iv.first) < 0; });
  if (it == intervals.begin()) return false;
  --it;
  return compare_code(code, it->second) <= 0;
}

}  // namespace

ExprEvaluator::ExprEvaluator(const Program& program, const Case& c, const EvalContext& context)
    : program_(program),
      case_(&c),
      context_(context),
      variables_(std::max<std::uint32_t>(program.variable_slots, 1)),
      memo_values_(program.memo_slots),
      memo_stamp_(program.memo_slots, 0u),
      eager_(program.eager.slots, Truth::unknown),
      root_first_slot_(c.records.empty() ? 0 : c.records[0].first_slot) {}

std::string_view ExprEvaluator::str(const Value& v) const {
  if (v.index & program_string_bit) return program_.strings[v.index & ~program_string_bit];
  return case_->strings[v.index];
}

std::string_view ExprEvaluator::text(std::uint32_t op) const {
  const dsl::SourceSpan& span = program_.ops[op].span;
  if (!context_.sources || span.file == dsl::no_file || span.file >= context_.sources->size()) return {};
  return context_.sources->file(span.file).slice(span);
}

std::string ExprEvaluator::render_value(const Value& v, std::uint32_t enum_ref) const {
  switch (v.kind) {
    case Kind::unknown: return "unknown";
    case Kind::boolean: return v.boolean ? "true" : "false";
    case Kind::integer: return std::to_string(v.integer);
    case Kind::decimal: return fmt::format("{}", v.decimal);
    case Kind::date: return dsl::format_iso_date(v.date);
    case Kind::duration: return fmt::format("{} day{}", v.days, v.days == 1 ? "" : "s");
    case Kind::string: return fmt::format("\"{}\"", str(v));
    case Kind::code: return std::string(str(v));
    case Kind::enumeration: {
      if (v.index == no_member) return "none";
      const auto& enums = program_.schema().enums;
      if (enum_ref < enums.size() && v.index < enums[enum_ref].members.size()) return enums[enum_ref].members[v.index];
      return fmt::format("#{}", v.index);
    }
    case Kind::record: return "{…}";
    case Kind::list:
      return fmt::format("[{} item{}]", case_->lists[v.index].count, case_->lists[v.index].count == 1 ? "" : "s");
    case Kind::range: return fmt::format("{}..{}", v.range.lo, v.range.hi);
    case Kind::none: return "none";
  }
  return "?";
}

Value ExprEvaluator::eval_recorded(std::uint32_t op) {
  // Constants and records (the intermediate steps of a path) add nothing to read.
  if (program_.ops[op].code == OpCode::constant) return program_.ops[op].imm;
  auto at = static_cast<std::uint32_t>(log_->entries.size());
  log_->entries.emplace_back().op = op;
  const std::uint32_t parent = cur_;
  cur_ = at;
  const Op& o = program_.ops[op];
  Value v = eval_op(op, o);
  cur_ = parent;
  if (v.kind == Kind::record) {
    log_->entries.resize(at);
    return v;
  }
  TraceEntry& e = log_->entries[at];
  e.value = v;
  e.end = static_cast<std::uint32_t>(log_->entries.size());
  return v;
}

Value ExprEvaluator::eval_logged(std::uint32_t op, TraceLog& log, std::uint32_t& root) {
  TraceLog* saved_log = log_;
  const std::uint32_t saved_cur = cur_;
  log_ = &log;
  cur_ = no_entry;
  const std::size_t at = log.entries.size();
  Value v = eval_recorded(op);
  root = log.entries.size() > at ? static_cast<std::uint32_t>(at) : no_entry;
  log_ = saved_log;
  cur_ = saved_cur;
  return v;
}

Value ExprEvaluator::eval_traced(std::uint32_t op, TraceNode& root) {
  TraceLog log;
  std::uint32_t at = no_entry;
  Value v = eval_logged(op, log, at);
  if (at != no_entry) root.children.push_back(materialize(log, at));
  return v;
}

// The slow path of a field read: derived fields, and recording which fact was read.
Value ExprEvaluator::read_field(std::uint32_t record, std::uint32_t field, std::uint32_t derived) {
  const CaseRecord& rec = case_->records[record];
  Value v;
  if (derived != no_op) {
    std::uint32_t saved = self_record_;
    self_record_ = record;
    v = eval(derived);
    self_record_ = saved;
    // A derived fact's working is shown only when it did not come out: then it explains
    // which stored fact was missing.
    if (log_ && v.known()) log_->entries.resize(cur_ + 1);
  } else {
    v = case_->slots[rec.first_slot + field];
  }
  if (log_ && (derived == no_op || !v.known())) {
    TraceEntry& e = log_->entries[cur_];
    e.fact = TraceEntry::Fact::field;
    e.fact_record = record;
    e.fact_field = field;
    e.absent = !v.known() && derived == no_op;
  }
  return v;
}

Value ExprEvaluator::equal(const Value& a, const Value& b) const {
  if (!a.known() || !b.known()) return unknown();
  // A fact the case says is none equals none only: `x == a` false, `x != a` true.
  if (a.kind == Kind::none || b.kind == Kind::none) return Value::make_bool(a.kind == b.kind);
  std::int64_t alo, ahi, blo, bhi;
  if (bounds(a, alo, ahi) && bounds(b, blo, bhi)) {
    if (alo == ahi && blo == bhi) return Value::make_bool(alo == blo);
    if (ahi < blo || bhi < alo) return Value::make_bool(false);
    return unknown();
  }
  switch (a.kind) {
    case Kind::boolean: return Value::make_bool(a.boolean == b.boolean);
    case Kind::decimal:
    case Kind::integer: {
      double x = a.kind == Kind::decimal ? a.decimal : static_cast<double>(a.integer);
      double y = b.kind == Kind::decimal ? b.decimal : static_cast<double>(b.integer);
      return Value::make_bool(x == y);
    }
    case Kind::date: return Value::make_bool(a.date == b.date);
    case Kind::duration: return Value::make_bool(a.days == b.days);
    case Kind::string:
    case Kind::code: return Value::make_bool(str(a) == str(b));
    case Kind::enumeration: return Value::make_bool(a.index == b.index && a.index != no_member);
    default: return Value::make_bool(false);
  }
}

Value ExprEvaluator::compare(const Op& op, const Value& a, const Value& b) {
  if (op.code == OpCode::eq) return equal(a, b);
  if (op.code == OpCode::ne) {
    Value e = equal(a, b);
    return e.known() ? Value::make_bool(!e.boolean) : e;
  }
  if (!a.known() || !b.known()) return unknown();
  if (a.kind == Kind::none || b.kind == Kind::none) return Value::make_bool(false);  // none has no order
  std::int64_t alo, ahi, blo, bhi;
  if (bounds(a, alo, ahi) && bounds(b, blo, bhi)) {
    // Interval comparison: true when every pair satisfies it, false when none does.
    switch (op.code) {
      case OpCode::lt: return ahi < blo ? Value::make_bool(true) : alo >= bhi ? Value::make_bool(false) : unknown();
      case OpCode::le: return ahi <= blo ? Value::make_bool(true) : alo > bhi ? Value::make_bool(false) : unknown();
      case OpCode::gt: return alo > bhi ? Value::make_bool(true) : ahi <= blo ? Value::make_bool(false) : unknown();
      case OpCode::ge: return alo >= bhi ? Value::make_bool(true) : ahi < blo ? Value::make_bool(false) : unknown();
      default: return unknown();
    }
  }
  auto order = [&]() -> int {
    if (a.kind == Kind::string || a.kind == Kind::code)
      return str(a).compare(str(b)) < 0 ? -1 : (str(a) == str(b) ? 0 : 1);
    double x, y;
    switch (a.kind) {
      case Kind::date: x = a.date; break;
      case Kind::duration: x = static_cast<double>(a.days); break;
      case Kind::decimal: x = a.decimal; break;
      default: x = static_cast<double>(a.integer);
    }
    switch (b.kind) {
      case Kind::date: y = b.date; break;
      case Kind::duration: y = static_cast<double>(b.days); break;
      case Kind::decimal: y = b.decimal; break;
      default: y = static_cast<double>(b.integer);
    }
    return x < y ? -1 : (x == y ? 0 : 1);
  };
  int c = order();
  switch (op.code) {
    case OpCode::lt: return Value::make_bool(c < 0);
    case OpCode::le: return Value::make_bool(c <= 0);
    case OpCode::gt: return Value::make_bool(c > 0);
    case OpCode::ge: return Value::make_bool(c >= 0);
    default: return unknown();
  }
}

// Integer overflow never wraps: the value becomes unknown and a warning names the expression.
Value ExprEvaluator::overflowed(const Op& op) {
  if (context_.warnings)
    context_.warnings->push_back(fmt::format("integer overflow in `{}`: its value is unknown",
                                             text(static_cast<std::uint32_t>(&op - program_.ops.data()))));
  return unknown();
}

Value ExprEvaluator::arithmetic(const Op& op, const Value& a, const Value& b) {
  if (!a.known() || !b.known()) return unknown();
  if (a.kind == Kind::none || b.kind == Kind::none) return Value::make_none();  // no date, no amount
  auto overflow = [&]() { return overflowed(op); };
  if (a.kind == Kind::decimal || b.kind == Kind::decimal) {
    double x = a.kind == Kind::decimal ? a.decimal : static_cast<double>(a.integer);
    double y = b.kind == Kind::decimal ? b.decimal : static_cast<double>(b.integer);
    switch (op.code) {
      case OpCode::add: return Value::make_decimal(x + y);
      case OpCode::sub: return Value::make_decimal(x - y);
      default: return Value::make_decimal(x * y);
    }
  }
  if (a.kind == Kind::date && b.kind == Kind::date)
    return Value::make_duration(static_cast<std::int64_t>(a.date) - b.date);
  if (a.kind == Kind::date || b.kind == Kind::date) {
    const Value& d = a.kind == Kind::date ? a : b;
    const Value& n = a.kind == Kind::date ? b : a;
    std::int64_t days = op.code == OpCode::sub ? -n.days : n.days;
    std::int64_t r = static_cast<std::int64_t>(d.date) + days;
    if (r < INT32_MIN || r > INT32_MAX) return overflow();
    return Value::make_date(static_cast<std::int32_t>(r));
  }
  std::int64_t alo, ahi, blo, bhi;
  bool ranged = a.kind == Kind::range || b.kind == Kind::range;
  if (ranged && bounds(a, alo, ahi) && bounds(b, blo, bhi)) {
    if (op.code == OpCode::add) return make_range(alo + blo, ahi + bhi);
    if (op.code == OpCode::sub) return make_range(alo - bhi, ahi - blo);
    return unknown();
  }
  std::int64_t x = a.kind == Kind::duration ? a.days : a.integer;
  std::int64_t y = b.kind == Kind::duration ? b.days : b.integer;
  std::int64_t r = 0;
  bool bad = op.code == OpCode::add   ? __builtin_add_overflow(x, y, &r)
             : op.code == OpCode::sub ? __builtin_sub_overflow(x, y, &r)
                                      : __builtin_mul_overflow(x, y, &r);
  if (bad) return overflow();
  if (a.kind == Kind::duration || b.kind == Kind::duration) return Value::make_duration(r);
  return Value::make_int(r);
}

Truth ExprEvaluator::in_codeset(std::uint32_t index, const Value& item) const {
  const CodeSet& cs = program_.codesets[index];
  switch (cs.kind) {
    case CodeSet::Kind::union_: {
      Truth l = in_codeset(cs.lhs, item);
      return l == Truth::yes ? l : in_codeset(cs.rhs, item);
    }
    case CodeSet::Kind::difference:
      return in_codeset(cs.lhs, item) == Truth::yes && in_codeset(cs.rhs, item) == Truth::no ? Truth::yes : Truth::no;
    case CodeSet::Kind::enumeration:
      return item.index < cs.members.size() && cs.members[item.index] ? Truth::yes : Truth::no;
    case CodeSet::Kind::strings:
      return std::binary_search(cs.strings.begin(), cs.strings.end(), str(item)) ? Truth::yes : Truth::no;
    case CodeSet::Kind::codes: {
      std::string_view code = str(item);
      if (!cs.has_leading(code)) return Truth::no;
      if (code_in_intervals(cs.intervals, code)) return Truth::yes;
      for (const CodeSet::Dated& d : cs.dated) {
        if (code >= d.lo && code <= d.hi && context_.has_evaluation_date && context_.evaluation_date >= d.from &&
            context_.evaluation_date <= d.to)
          return Truth::yes;
      }
      return Truth::no;
    }
  }
  return Truth::no;
}

// Distinct keys by value: enumerations by ordinal, strings and codes by content, numbers
// and dates by value. Sorting keeps this O(n log n) for lists of any length.
void ExprEvaluator::dedupe_keys(std::vector<Value>& keys) const {
  if (keys.size() < 2) return;
  auto numeric = [](const Value& v) -> double {
    switch (v.kind) {
      case Kind::boolean: return v.boolean ? 1 : 0;
      case Kind::decimal: return v.decimal;
      case Kind::date: return v.date;
      case Kind::duration: return static_cast<double>(v.days);
      case Kind::enumeration: return v.index;
      case Kind::range: return v.range.lo;
      default: return static_cast<double>(v.integer);
    }
  };
  auto textual = [](const Value& v) { return v.kind == Kind::string || v.kind == Kind::code; };
  auto less = [&](const Value& a, const Value& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (textual(a)) return str(a) < str(b);
    return numeric(a) < numeric(b);
  };
  auto same = [&](const Value& a, const Value& b) {
    if (a.kind != b.kind) return false;
    if (textual(a)) return str(a) == str(b);
    return numeric(a) == numeric(b);
  };
  std::sort(keys.begin(), keys.end(), less);
  keys.erase(std::unique(keys.begin(), keys.end(), same), keys.end());
}

std::string ExprEvaluator::element_path(const Value& element, std::uint32_t list, std::uint32_t index) const {
  if (element.kind == Kind::record) return case_->record_path(program_.schema(), element.index);
  return fmt::format("{}[{}]", case_->list_path(program_.schema(), list), index);
}

Value ExprEvaluator::quantify(const Op& op) {
  Value list = eval(op.a);
  if (list.kind != Kind::list) return unknown();
  const CaseList& l = case_->lists[list.index];
  auto slot = static_cast<std::uint32_t>(op.imm.integer);
  std::int64_t yes = 0, undecided = 0;
  bool any_no = false;
  // Scratch key vectors, one pair per nesting level, reused from case to case.
  if (op.code == OpCode::count_distinct && key_scratch_.size() <= key_depth_) key_scratch_.resize(key_depth_ + 1);
  // An index, not a pointer: a nested count distinct may grow key_scratch_.
  const std::size_t level = op.code == OpCode::count_distinct ? key_depth_++ : 0;
  if (op.code == OpCode::count_distinct) {
    key_scratch_[level].certain.clear();
    key_scratch_[level].possible.clear();
  }
  std::int64_t unknown_keys = 0;
  bool any_certain = false;
  const std::uint32_t parent = cur_;
  for (std::uint32_t i = 0; i < l.count; ++i) {
    const Value& element = case_->items[l.first + i];
    variables_[slot] = element;
    std::uint32_t entry = no_entry;
    if (log_) entry = begin_element(op, list.index, i, element);
    Truth t = op.b == no_op ? Truth::yes : log_ ? truth_of(eval(op.b)) : test(op.b);
    Value key;
    bool key_known = true;
    if (op.code == OpCode::count_distinct && t != Truth::no) {
      Value k = eval(op.c);
      key_known = k.known();
      if (key_known) key = k;
      if (!key_known) {
        ++unknown_keys;
      } else {
        key_scratch_[level].possible.push_back(k);
        if (t == Truth::yes) key_scratch_[level].certain.push_back(k);
      }
      if (t == Truth::yes) any_certain = true;
    }
    if (log_) finish_element(entry, parent, boolean(t), key, i, yes, undecided);
    if (t == Truth::yes) ++yes;
    else if (t == Truth::unknown) ++undecided;
    else any_no = true;
    // `any` is `or` over the elements and `all` is `and`: untraced, they stop where it decides.
    if (op.code == OpCode::any && t == dsl::decides(Connective::or_) && !log_) break;
    if (op.code == OpCode::all && t == dsl::decides(Connective::and_) && !log_) break;
  }
  if (log_) close_tally(parent, yes, undecided, l.count);
  switch (op.code) {
    case OpCode::any: return boolean(dsl::any_of(yes > 0, undecided > 0));
    case OpCode::all: return boolean(dsl::all_of(any_no, undecided > 0));
    case OpCode::count: return make_range(yes, yes + undecided);
    default: {
      --key_depth_;
      KeyScratch& keys = key_scratch_[level];
      dedupe_keys(keys.certain);
      dedupe_keys(keys.possible);
      std::int64_t lo = std::max<std::int64_t>(static_cast<std::int64_t>(keys.certain.size()), any_certain ? 1 : 0);
      std::int64_t hi = static_cast<std::int64_t>(keys.possible.size()) + unknown_keys;
      if (op.distinct_cap >= 0) hi = std::min<std::int64_t>(hi, op.distinct_cap);
      return make_range(lo, std::max(lo, hi));
    }
  }
}

Value ExprEvaluator::define_value(const Op& op) {
  // Traces show a define's working wherever it is used, so only untraced reads share it.
  const std::uint32_t m = op.memo;
  if (m == no_op || log_) return eval(op.a);
  if (memo_stamp_[m] == memo_epoch_) return memo_values_[m];
  Value v = eval(op.a);
  memo_values_[m] = v;
  memo_stamp_[m] = memo_epoch_;
  return v;
}

namespace {

// The connective of an and_ / or_ / not_ op: those opcodes come in Connective's order.
static_assert(static_cast<int>(OpCode::or_) - static_cast<int>(OpCode::and_) == static_cast<int>(Connective::or_) &&
              static_cast<int>(OpCode::not_) - static_cast<int>(OpCode::and_) == static_cast<int>(Connective::not_));
constexpr Connective connective_of(OpCode code) {
  return static_cast<Connective>(static_cast<int>(code) - static_cast<int>(OpCode::and_));
}

}  // namespace

// Kleene's and, or and not. Untraced, a side that decides the connective alone (`false and`,
// `true or`) ends it; a trace shows both sides.
Truth ExprEvaluator::connective(const Op& op) {
  const Connective c = connective_of(op.code);
  Truth a = log_ ? truth_of(eval(op.a)) : test(op.a);
  if (c == Connective::not_) return dsl::not3(a);
  if (a == dsl::decides(c) && !log_) return a;
  Truth b = log_ ? truth_of(eval(op.b)) : test(op.b);
  return dsl::connect(c, a, b);
}

// `is known` / `is unknown`.
Truth ExprEvaluator::presence(const Op& op) {
  const auto asks = op.code == OpCode::is_known ? dsl::PresenceTest::is_known : dsl::PresenceTest::is_unknown;
  return dsl::presence(asks, has_value(operand(op.a)));
}

Truth ExprEvaluator::test_lazily(std::uint32_t index) {
  if (log_) return truth_of(eval(index));
  const TestForm& t = program_.tests[index];
  switch (t.kind) {
    case TestKind::general: return test_general(index);
    case TestKind::and_: {
      Truth a = test(t.a);
      return a == dsl::decides(Connective::and_) ? a : dsl::and3(a, test(t.b));
    }
    case TestKind::or_: {
      Truth a = test(t.a);
      return a == dsl::decides(Connective::or_) ? a : dsl::or3(a, test(t.b));
    }
    case TestKind::not_: return dsl::not3(test(t.a));
    case TestKind::define: {
      // The memo holds the define's value; a condition's value is its truth as a boolean.
      if (t.b == no_op) return test(t.a);
      if (memo_stamp_[t.b] == memo_epoch_) return truth_of(memo_values_[t.b]);
      Truth r = test(t.a);
      memo_values_[t.b] = boolean(r);
      memo_stamp_[t.b] = memo_epoch_;
      return r;
    }
    default: return test_fact(index, t);
  }
}

// A fact of a recognised shape, read in place (a shape whose operand turns out not to be of
// the expected kind takes the general path).
[[gnu::always_inline]] inline Truth ExprEvaluator::test_fact(std::uint32_t index, const TestForm& t) {
  switch (t.kind) {
    case TestKind::truth: return truth_of(fact(t));
    case TestKind::known: return dsl::presence(dsl::PresenceTest::is_known, has_value(fact(t)));
    case TestKind::unknown: return dsl::presence(dsl::PresenceTest::is_unknown, has_value(fact(t)));
    case TestKind::compare_int: {
      const Value& v = fact(t);
      if (v.kind != Kind::integer) {
        if (!v.known()) return Truth::unknown;
        break;  // a range or a decimal: the general comparison
      }
      bool r;
      switch (t.cmp) {
        case OpCode::eq: r = v.integer == t.k; break;
        case OpCode::ne: r = v.integer != t.k; break;
        case OpCode::lt: r = v.integer < t.k; break;
        case OpCode::le: r = v.integer <= t.k; break;
        case OpCode::gt: r = v.integer > t.k; break;
        default: r = v.integer >= t.k; break;
      }
      return dsl::truth(r);
    }
    case TestKind::equal_member: {
      const Value& v = fact(t);
      if (v.kind != Kind::enumeration) {
        if (!v.known()) return Truth::unknown;
        break;
      }
      bool equal = v.index == static_cast<std::uint32_t>(t.k) && v.index != no_member;
      return equal == (t.cmp == OpCode::eq) ? Truth::yes : Truth::no;
    }
    case TestKind::equal_text: {
      const Value& v = fact(t);
      if (v.kind != Kind::string && v.kind != Kind::code) {
        if (!v.known()) return Truth::unknown;
        break;
      }
      bool equal = str(v) == std::string_view(program_.strings[t.k]);
      return equal == (t.cmp == OpCode::eq) ? Truth::yes : Truth::no;
    }
    case TestKind::in_set: {
      const Value& v = fact(t);
      if (v.kind == Kind::none) return Truth::no;
      return v.known() ? in_codeset(static_cast<std::uint32_t>(t.k), v) : Truth::unknown;
    }
    case TestKind::any_in_set:
      return any_element(t, [&](const Value& e) {
        return e.known() ? in_codeset(static_cast<std::uint32_t>(t.k), e) : Truth::unknown;
      });
    case TestKind::has_member:
      // Equality with a member compares ordinals, as equal() does.
      return any_element(t, [&](const Value& e) {
        return !e.known() ? Truth::unknown : e.index == static_cast<std::uint32_t>(t.k) ? Truth::yes : Truth::no;
      });
    default: break;
  }
  return test_general(index);
}

void ExprEvaluator::run_eager(std::uint8_t phase) {
  const EagerPhase& plan = phase == 0 ? program_.eager.before_routing : program_.eager.after_routing;
  Truth* out = eager_.data();
  for (const EagerPhase::Fact& f : plan.facts) out[f.form.eager] = test_fact(f.op, f.form);
  for (const EagerLink& l : plan.links) out[l.out] = dsl::connect(l.connective, out[l.a], out[l.b]);
  eager_ready_ = static_cast<std::uint8_t>(phase + 1);
}

// Conditions of no recognised shape (and shapes whose operand turned out not to be the
// expected kind): connectives and comparisons still avoid building values where they can.
Truth ExprEvaluator::test_general(std::uint32_t index) {
  const Op& op = program_.ops[index];
  switch (op.code) {
    case OpCode::and_:
    case OpCode::or_:
    case OpCode::not_: return connective(op);
    case OpCode::define_call: return truth_of(define_value(op));
    case OpCode::root_field:
    case OpCode::field:
    case OpCode::constant:
    case OpCode::variable: return truth_of(operand(index));
    case OpCode::eq:
    case OpCode::ne:
    case OpCode::lt:
    case OpCode::le:
    case OpCode::gt:
    case OpCode::ge: {
      Value a = operand(op.a);
      return truth_of(compare(op, a, operand(op.b)));
    }
    case OpCode::is_known:
    case OpCode::is_unknown: return presence(op);
    default: return truth_of(eval_op(index, op));
  }
}

Value ExprEvaluator::eval_op(std::uint32_t index, const Op& op) {
  switch (op.code) {
    case OpCode::constant: return op.imm;
    case OpCode::root_field:
      if (op.derived == no_op) return stored_field(0, op.b);
      return read_field(0, op.b, op.derived);
    case OpCode::field: {
      Value r = eval(op.a);
      if (r.kind != Kind::record) {
        // An absent record: the missing fact is the field asked for, not the whole record.
        if (log_ && cur_ + 1 < log_->entries.size() && log_->entries[cur_ + 1].absent) {
          TraceEntry& object = log_->entries[cur_ + 1];
          object.absent = false;
          TraceEntry& e = log_->entries[cur_];
          e.fact = TraceEntry::Fact::child_field;
          e.fact_record = op.c;
          e.fact_field = op.b;
          e.absent = true;
        }
        return unknown();
      }
      if (op.derived == no_op) return stored_field(r.index, op.b);
      return read_field(r.index, op.b, op.derived);
    }
    case OpCode::self_field: return read_field(self_record_, op.b, op.derived);
    case OpCode::variable: return variables_[op.b];
    case OpCode::param: {
      const ParamSlot& p = program_.params[op.b];
      for (const auto& [unit, value] : p.set_by)
        if (unit == context_.policy_unit) return eval(value);
      return eval(p.default_op);
    }
    case OpCode::benefit: return context_.benefit;
    case OpCode::decision: return context_.decision;
    case OpCode::and_:
    case OpCode::or_:
    case OpCode::not_: return boolean(log_ ? connective(op) : test(index));
    case OpCode::eq:
    case OpCode::ne:
    case OpCode::lt:
    case OpCode::le:
    case OpCode::gt:
    case OpCode::ge: {
      Value a = operand(op.a);  // the left side first: traces list operands in source order
      Value b = operand(op.b);
      return compare(op, a, b);
    }
    case OpCode::add:
    case OpCode::sub:
    case OpCode::mul: {
      Value a = eval(op.a);
      Value b = eval(op.b);
      return arithmetic(op, a, b);
    }
    case OpCode::negate: {
      Value a = eval(op.a);
      if (a.kind == Kind::integer) {
        std::int64_t r;
        if (__builtin_sub_overflow(std::int64_t{0}, a.integer, &r)) return overflowed(op);
        return Value::make_int(r);
      }
      if (a.kind == Kind::decimal) return Value::make_decimal(-a.decimal);
      if (a.kind == Kind::duration) return Value::make_duration(-a.days);
      return a.kind == Kind::none ? a : unknown();
    }
    case OpCode::add_months: {
      Value d = eval(op.a);
      Value m = eval(op.b);
      if (d.kind == Kind::none && m.known()) return d;
      if (d.kind != Kind::date || m.kind != Kind::integer) return unknown();
      std::int64_t months = m.integer * op.imm.integer;
      if (months > 120000 || months < -120000) return unknown();
      return Value::make_date(dsl::add_months(d.date, months));
    }
    case OpCode::in_codeset: {
      Value item = operand(op.a);
      if (!item.known()) return unknown();
      if (item.kind == Kind::none) return Value::make_bool(false);
      return boolean(in_codeset(op.b, item));
    }
    case OpCode::in_list: {
      Value item = eval(op.a);
      Value list = eval(op.b);
      if (list.kind != Kind::list) return unknown();
      const CaseList& l = case_->lists[list.index];
      if (l.count == 0) return Value::make_bool(false);
      if (!item.known()) return unknown();
      bool undecided = false;
      for (std::uint32_t i = 0; i < l.count; ++i) {
        Value e = equal(item, case_->items[l.first + i]);
        if (e.known() && e.boolean) return Value::make_bool(true);
        if (!e.known()) undecided = true;
      }
      return boolean(dsl::any_of(false, undecided));
    }
    case OpCode::in_values: {
      Value item = eval(op.a);
      bool undecided = false;
      for (std::uint32_t i = 0; i < op.c; ++i) {
        Value e = equal(item, eval(program_.args[op.b + i]));
        if (e.known() && e.boolean) return Value::make_bool(true);
        if (!e.known()) undecided = true;
      }
      return boolean(dsl::any_of(false, undecided));
    }
    case OpCode::is_known:
    case OpCode::is_unknown: return boolean(presence(op));
    case OpCode::within: {
      Value s = eval(op.a);
      Value amount = eval(op.b);
      Value anchor = eval(op.c);
      if (s.kind == Kind::none && amount.known() && anchor.known()) return Value::make_bool(false);
      if (s.kind != Kind::date || !amount.known() || anchor.kind != Kind::date) return unknown();
      std::int32_t lo = anchor.date, hi = anchor.date;
      auto dir = static_cast<dsl::ast::WindowDirection>(op.imm.integer);
      std::int64_t n = op.months ? amount.integer : amount.days;
      auto shift = [&](std::int32_t d, std::int64_t k) -> std::int32_t {
        if (op.months) return dsl::add_months(d, k);
        return static_cast<std::int32_t>(std::clamp<std::int64_t>(d + k, INT32_MIN, INT32_MAX));
      };
      if (dir != dsl::ast::WindowDirection::after) lo = shift(anchor.date, -n);
      if (dir != dsl::ast::WindowDirection::before) hi = shift(anchor.date, n);
      return Value::make_bool(s.date >= lo && s.date <= hi);
    }
    case OpCode::min_of:
    case OpCode::max_of: {
      Value a = eval(op.a);
      Value b = eval(op.b);
      return extremum(op.code == OpCode::min_of, a, b);
    }
    case OpCode::years_between: {
      Value a = eval(op.a);
      Value b = eval(op.b);
      if ((a.kind == Kind::none && b.known()) || (b.kind == Kind::none && a.known())) return Value::make_none();
      if (a.kind != Kind::date || b.kind != Kind::date) return unknown();
      return Value::make_int(dsl::years_between(a.date, b.date));
    }
    case OpCode::is_none: {
      Value v = operand(op.a);
      return v.known() ? Value::make_bool(v.kind == Kind::none) : unknown();
    }
    case OpCode::unknown_value:
      // Unknown on purpose. Traced, the facts it waits for are read, so that those the case
      // lacks are recorded absent and `missing` names them.
      if (log_)
        for (std::uint32_t i = 0; i < op.c; ++i) eval(program_.args[op.b + i]);
      return unknown();
    case OpCode::any:
    case OpCode::all:
    case OpCode::count:
    case OpCode::count_distinct: return quantify(op);
    case OpCode::conditional: {
      Truth c = truth_of(eval(op.a));
      if (c == Truth::yes) return eval(op.b);
      if (c == Truth::no) return op.c == no_op ? unknown() : eval(op.c);
      if (op.c == no_op) return unknown();
      Value a = eval(op.b);
      Value b = eval(op.c);
      Value same = equal(a, b);
      return same.known() && same.boolean ? a : unknown();
    }
    case OpCode::define_call: return define_value(op);
  }
  (void)index;
  return unknown();
}

}  // namespace covcheck::engine
