// The formatter's expressions: one canonical spelling (format_detail::flat_expr) and the
// line-breaking layout used when that spelling is too long (format_detail::write_expr).
// Parentheses are not AST nodes, so they are recomputed from precedence here; the only ones
// added beyond the grammar's needs are for readability and keep the AST unchanged.
#include <string>
#include <type_traits>

#include "dsl/format/format_internal.hpp"
#include "dsl/source/dates.hpp"
#include "dsl/syntax/operators.hpp"

namespace covcheck::dsl::format_detail {

namespace {

// Binding strength, loosest first: the operator table's precedence levels.
constexpr int level(Precedence p) { return static_cast<int>(p); }
constexpr int lv_or = level(Precedence::or_), lv_not = level(Precedence::not_), lv_cmp = level(Precedence::comparison),
              lv_add = level(Precedence::sum), lv_neg = level(Precedence::negation),
              lv_postfix = level(Precedence::postfix);

template <typename T>
const T* as(const ast::Expr& e) {
  return std::get_if<T>(&e.kind);
}

int binary_level(ast::BinaryOp op) { return level(operator_of(op).precedence); }

std::string binary_word(ast::BinaryOp op) { return std::string(spelling(op)); }

int level_of(const ast::Expr& e) {
  if (const auto* b = as<ast::Binary>(e)) return binary_level(b->op);
  if (const auto* u = as<ast::Unary>(e)) return level(operator_of(u->op).precedence);
  if (const auto* m = as<ast::Membership>(e)) return level(operator_of(predicate_op(*m)).precedence);
  if (const auto* p = as<ast::Presence>(e)) return level(operator_of(predicate_op(*p)).precedence);
  if (as<ast::Within>(e)) return level(operator_of(PredicateOp::within).precedence);
  return lv_postfix;
}

// Left-associative levels chain (`a and b and c`); comparisons do not.
bool is_chain(const ast::Binary& b) { return operator_of(b.op).associativity == Associativity::left; }

// Operands of a left-nested chain of one level (`a and b and c`, `a - b + c`), leftmost first;
// ops[i] joins operands[i] and operands[i + 1].
struct Chain {
  std::vector<const ast::Expr*> operands;
  std::vector<ast::BinaryOp> ops;
};

Chain flatten(const ast::Expr& e) {
  Chain c;
  std::vector<std::pair<ast::BinaryOp, const ast::Expr*>> rights;
  const ast::Expr* at = &e;
  int level = binary_level(as<ast::Binary>(e)->op);
  while (const auto* b = as<ast::Binary>(*at)) {
    if (binary_level(b->op) != level) break;
    rights.emplace_back(b->op, b->rhs.get());
    at = b->lhs.get();
  }
  c.operands.push_back(at);
  for (auto it = rights.rbegin(); it != rights.rend(); ++it) {
    c.ops.push_back(it->first);
    c.operands.push_back(it->second);
  }
  return c;
}

// Operands of a chain bind tighter than the chain (left nesting is the chain itself, so a
// right-nested operand of the same level keeps its parentheses). `and` inside `or` gets
// parentheses too: analysts should not need the precedence table to read a criterion.
int chain_operand_level(ast::BinaryOp op) {
  int level = binary_level(op);
  return level == lv_or ? lv_not : level + 1;
}

// `not x in S` means `not (x in S)`, but reads as `(not x) in S`: the operand of `not` is
// parenthesized unless it is a plain value, a call or a quantifier.
constexpr int not_operand_level = lv_add;

// ... or another `not`: `not not x` reads one way only, and parentheses there would turn a
// long run of `not`s (which the parser takes) into nesting past its depth limit.
int not_operand_min_level(const ast::Expr& operand) {
  const auto* u = as<ast::Unary>(operand);
  return u && u->op == ast::UnaryOp::not_ ? lv_not : not_operand_level;
}

// A conditional's `else` (and an `else`-less `then`) extends as far right as it can, so a
// conditional is parenthesized unless nothing follows it in its enclosing expression.
bool needs_parens(const ast::Expr& e, int min_level, bool tail) {
  if (level_of(e) < min_level) return true;
  return as<ast::Conditional>(e) != nullptr && !tail;
}

std::string window_word(ast::WindowDirection d) { return std::string(spelling(d)); }

class Printer {
 public:
  std::string operand(const ast::Expr& e, int min_level, bool tail) {
    if (needs_parens(e, min_level, tail)) return "(" + expr(e, true) + ")";
    return expr(e, tail);
  }

  std::string set(const ast::Expr& e, bool tail) {
    if (const auto* op = as<ast::SetOperation>(e)) {
      std::string rhs = as<ast::SetOperation>(*op->rhs) ? "(" + set(*op->rhs, true) + ")" : set(*op->rhs, tail);
      return set(*op->lhs, false) + (op->difference ? " - " : " | ") + rhs;
    }
    return operand(e, lv_postfix, tail);
  }

  std::string expr(const ast::Expr& e, bool tail) {
    if (const auto* b = as<ast::Binary>(e); b && is_chain(*b)) return chain(e, tail);
    if (as<ast::SetOperation>(e)) return set(e, tail);
    return std::visit([&](const auto& k) { return node(k, tail); }, e.kind);
  }

  std::string chain(const ast::Expr& e, bool tail) {
    Chain c = flatten(e);
    int min = chain_operand_level(c.ops.front());
    std::string out = operand(*c.operands[0], min, false);
    for (std::size_t i = 0; i < c.ops.size(); ++i) {
      bool last = i + 1 == c.ops.size();
      out += std::string(" ") + binary_word(c.ops[i]) + " " + operand(*c.operands[i + 1], min, last && tail);
    }
    return out;
  }

 private:
  std::string node(const ast::BoolLiteral& k, bool) { return k.value ? "true" : "false"; }
  std::string node(const ast::IntLiteral& k, bool) { return std::to_string(k.value); }
  std::string node(const ast::DecimalLiteral& k, bool) { return k.text; }
  std::string node(const ast::StringLiteral& k, bool) { return escape_string(k.value); }
  std::string node(const ast::DateLiteral& k, bool) { return format_iso_date(k.days); }
  std::string node(const ast::DurationLiteral& k, bool) {
    const char* unit = k.unit == ast::DurationUnit::days    ? "days"
                       : k.unit == ast::DurationUnit::weeks ? "weeks"
                                                            : "months";
    return duration_text(k.amount, unit);
  }
  std::string node(const ast::NameRef& k, bool) { return k.name; }
  std::string node(const ast::MemberAccess& k, bool) {
    return operand(*k.object, lv_postfix, false) + "." + k.field.text;
  }
  std::string node(const ast::Unary& k, bool tail) {
    const std::string op(spelling(k.op));
    if (k.op == ast::UnaryOp::not_) return op + " " + operand(*k.operand, not_operand_min_level(*k.operand), tail);
    return op + operand(*k.operand, lv_neg, tail);
  }
  std::string node(const ast::Binary& k, bool tail) {  // comparisons; chains go through chain()
    return operand(*k.lhs, lv_add, false) + " " + binary_word(k.op) + " " + operand(*k.rhs, lv_add, tail);
  }
  std::string node(const ast::Membership& k, bool tail) {
    return operand(*k.item, lv_add, false) + " " + std::string(spelling(predicate_op(k))) + " " + set(*k.set, tail);
  }
  std::string node(const ast::SetLiteral& k, bool) {
    if (k.items.empty()) return "{}";
    std::string out = "{ ";
    for (std::size_t i = 0; i < k.items.size(); ++i) out += (i ? ", " : "") + operand(*k.items[i], lv_or, true);
    return out + " }";
  }
  std::string node(const ast::CodeSetLiteral& k, bool) {
    if (k.entries.empty()) return k.system.text + " {}";
    std::string out = k.system.text + " { ";
    for (std::size_t i = 0; i < k.entries.size(); ++i) out += (i ? ", " : "") + code_entry_text(k.entries[i]);
    return out + " }";
  }
  std::string node(const ast::SetOperation&, bool) { return {}; }  // unreachable: expr() sends it to set()
  std::string node(const ast::Presence& k, bool) {
    return operand(*k.operand, lv_add, false) + " " + std::string(spelling(predicate_op(k)));
  }
  std::string node(const ast::Within& k, bool tail) {
    return operand(*k.subject, lv_add, false) + " " + std::string(spelling(PredicateOp::within)) + " " +
           operand(*k.amount, lv_add, false) + " " + window_word(k.direction) + " " + operand(*k.anchor, lv_add, tail);
  }
  std::string node(const ast::Call& k, bool) {
    std::string out = k.function.text + "(";
    for (std::size_t i = 0; i < k.args.size(); ++i) out += (i ? ", " : "") + operand(*k.args[i], lv_or, true);
    return out + ")";
  }
  std::string node(const ast::Quantifier& k, bool) {
    std::string list = operand(*k.list, lv_postfix, false);
    if (k.kind == ast::QuantifierKind::any || k.kind == ast::QuantifierKind::all) {
      const char* word = k.kind == ast::QuantifierKind::any ? "any" : "all";
      std::string var = k.variable ? k.variable->text : "";
      return std::string("(") + word + " " + list + " " + var + ": " +
             (k.filter ? operand(*k.filter, lv_or, true) : "") + ")";
    }
    std::string out = k.kind == ast::QuantifierKind::count_distinct ? "count distinct(" : "count(";
    out += list;
    if (k.variable) out += " " + k.variable->text + ":" + (k.filter ? " " + operand(*k.filter, lv_or, true) : "");
    if (k.key) out += " ; " + operand(*k.key, lv_or, true);
    return out + ")";
  }
  std::string node(const ast::UnknownValue& k, bool) {
    std::string out = "unknown(";
    for (std::size_t i = 0; i < k.facts.size(); ++i) out += (i ? ", " : "") + operand(*k.facts[i], lv_postfix, false);
    return out + ")";
  }
  std::string node(const ast::Conditional& k, bool tail) {
    std::string out = "if " + operand(*k.condition, lv_or, false) + " then " +
                      operand(*k.then_value, lv_or, k.else_value ? false : tail);
    if (k.else_value) out += " else " + operand(*k.else_value, lv_or, tail);
    return out;
  }
};

// The breaking layout: the same spelling as Printer, written piece by piece into a Writer.
class Layout {
 public:
  explicit Layout(Writer& w) : w_(w) {}

  void operand(const ast::Expr& e, int min_level, bool tail, int suffix) {
    if (!needs_parens(e, min_level, tail)) return expr(e, tail, suffix);
    w_.add("(");
    expr(e, true, suffix + 1);
    w_.add(")");
  }

  void expr(const ast::Expr& e, bool tail, int suffix) {
    std::string flat = printer_.expr(e, tail);
    if (w_.fits(text_width(flat) + suffix) || !breakable(e)) {
      w_.add(flat);
      collect_atoms(e, w_.lines().back().atoms);
      return;
    }
    w_.atom(e.span.begin);
    if (const auto* b = as<ast::Binary>(e); b && !is_chain(*b)) {
      // `count(...) >= 2`: the comparison breaks inside its left side.
      std::string rest = std::string(" ") + binary_word(b->op) + " " + printer_.operand(*b->rhs, lv_add, tail);
      operand(*b->lhs, lv_add, false, suffix + text_width(rest));
      w_.add(rest);
      collect_atoms(*b->rhs, w_.lines().back().atoms);
      return;
    }
    if (as<ast::Binary>(e)) return chain(e, tail, suffix);
    if (const auto* u = as<ast::Unary>(e)) {
      w_.add(std::string(spelling(u->op)) + " ");
      return operand(*u->operand, not_operand_min_level(*u->operand), tail, suffix);
    }
    if (const auto* k = as<ast::Conditional>(e)) {
      // `if c` / `then a` / `else b`, one per line, aligned on the `if`.
      int column = w_.column();
      w_.add("if ");
      operand(*k->condition, lv_or, false, 0);
      w_.line(column);
      w_.add("then ");
      operand(*k->then_value, lv_or, k->else_value ? false : tail, k->else_value ? 0 : suffix);
      if (k->else_value) {
        w_.line(column);
        w_.add("else ");
        operand(*k->else_value, lv_or, tail, suffix);
      }
      return;
    }
    const auto& q = std::get<ast::Quantifier>(e.kind);
    collect_atoms(*q.list, w_.lines().back().atoms);
    std::string list = printer_.operand(*q.list, lv_postfix, false);
    if (q.kind == ast::QuantifierKind::any || q.kind == ast::QuantifierKind::all) {
      w_.add(std::string(q.kind == ast::QuantifierKind::any ? "(any " : "(all ") + list + " " + q.variable->text +
             ": ");
      operand(*q.filter, lv_or, true, suffix + 1);
      w_.add(")");
      return;
    }
    w_.add((q.kind == ast::QuantifierKind::count_distinct ? "count distinct(" : "count(") + list + " " +
           q.variable->text + ": ");
    std::string key = q.key ? " ; " + printer_.operand(*q.key, lv_or, true) : "";
    operand(*q.filter, lv_or, true, suffix + 1 + text_width(key));
    if (q.key) {
      w_.add(key);
      collect_atoms(*q.key, w_.lines().back().atoms);
    }
    w_.add(")");
  }

 private:
  // Only what has an inner place to break: chains of `and`/`or`, `not`, quantifier bodies,
  // conditionals (before `then` and `else`), a comparison whose left side is one of those, and
  // arithmetic with such an operand.
  static bool breakable(const ast::Expr& e) {
    if (const auto* b = as<ast::Binary>(e)) {
      if (b->op == ast::BinaryOp::and_ || b->op == ast::BinaryOp::or_) return true;
      // `(if ... then ... else ...) - start`: the arithmetic breaks at its operators.
      return is_chain(*b) ? breakable(*b->lhs) || breakable(*b->rhs) : breakable(*b->lhs);
    }
    if (const auto* u = as<ast::Unary>(e)) return u->op == ast::UnaryOp::not_;
    if (const auto* q = as<ast::Quantifier>(e)) return q->variable && q->filter;
    return as<ast::Conditional>(e) != nullptr;
  }

  void chain(const ast::Expr& e, bool tail, int suffix) {
    Chain c = flatten(e);
    int min = chain_operand_level(c.ops.front());
    int column = w_.column();
    operand(*c.operands[0], min, false, 0);
    for (std::size_t i = 0; i < c.ops.size(); ++i) {
      bool last = i + 1 == c.ops.size();
      w_.line(column);
      w_.add(std::string(binary_word(c.ops[i])) + " ");
      operand(*c.operands[i + 1], min, last && tail, last ? suffix : 0);
    }
  }

  Writer& w_;
  Printer printer_;
};

template <typename F>
void for_each_child(const ast::Expr& e, F&& f) {
  auto visit = [&](const ast::ExprPtr& p) {
    if (p) f(*p);
  };
  std::visit(
      [&](const auto& k) {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, ast::MemberAccess>) visit(k.object);
        else if constexpr (std::is_same_v<K, ast::Unary>) visit(k.operand);
        else if constexpr (std::is_same_v<K, ast::Binary> || std::is_same_v<K, ast::SetOperation>) {
          visit(k.lhs);
          visit(k.rhs);
        } else if constexpr (std::is_same_v<K, ast::Membership>) {
          visit(k.item);
          visit(k.set);
        } else if constexpr (std::is_same_v<K, ast::SetLiteral>) {
          for (const auto& i : k.items) visit(i);
        } else if constexpr (std::is_same_v<K, ast::Presence>) visit(k.operand);
        else if constexpr (std::is_same_v<K, ast::Within>) {
          visit(k.subject);
          visit(k.amount);
          visit(k.anchor);
        } else if constexpr (std::is_same_v<K, ast::Call>) {
          for (const auto& a : k.args) visit(a);
        } else if constexpr (std::is_same_v<K, ast::Quantifier>) {
          visit(k.list);
          visit(k.filter);
          visit(k.key);
        } else if constexpr (std::is_same_v<K, ast::Conditional>) {
          visit(k.condition);
          visit(k.then_value);
          visit(k.else_value);
        } else if constexpr (std::is_same_v<K, ast::UnknownValue>) {
          for (const auto& f : k.facts) visit(f);
        }
      },
      e.kind);
}

}  // namespace

int text_width(std::string_view text) {
  int n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

void Writer::add(std::string_view text, std::optional<std::uint32_t> atom) {
  if (atom) lines_.back().atoms.push_back(*atom);
  lines_.back().text += text;
}

std::string escape_string(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string date_range_text(const ast::DateRange& range) {
  std::string out;
  if (range.from) out += format_iso_date(*range.from) + " ";
  out += "..";
  if (range.to) out += " " + format_iso_date(*range.to);
  return out;
}

std::string duration_text(std::int64_t amount, std::string_view unit_plural) {
  std::string unit(unit_plural);
  if (amount == 1 && unit.size() > 1 && unit.back() == 's') unit.pop_back();
  return std::to_string(amount) + " " + unit;
}

std::string code_entry_text(const ast::CodeEntry& entry) {
  std::string out = entry.low + (entry.wildcard ? "*" : "");
  if (!entry.high.empty()) out += " .. " + entry.high;
  if (entry.effective) out += " effective " + date_range_text(*entry.effective);
  return out;
}

std::string flat_expr(const ast::Expr& e) { return Printer().expr(e, true); }
std::string flat_set_expr(const ast::Expr& e) { return Printer().set(e, true); }

void collect_atoms(const ast::Expr& e, std::vector<std::uint32_t>& out) {
  // An explicit stack: chains of thousands of `and`s must not exhaust the call stack.
  std::vector<const ast::Expr*> todo{&e};
  while (!todo.empty()) {
    const ast::Expr* at = todo.back();
    todo.pop_back();
    out.push_back(at->span.begin);
    for_each_child(*at, [&](const ast::Expr& child) { todo.push_back(&child); });
  }
}

void write_expr(Writer& w, const ast::Expr& e, int suffix) { Layout(w).expr(e, true, suffix); }

}  // namespace covcheck::dsl::format_detail
