// Structural AST comparison: every field of every node except spans and NodeIds, reporting
// the path to the first difference so a failing formatter test says what changed.
#include "dsl/syntax/ast_equal.hpp"

#include <algorithm>
#include <type_traits>

#include <fmt/format.h>

namespace covcheck::dsl {

namespace {

using Diff = std::optional<std::string>;

// Prefixes a difference found below `field` with the field's name.
Diff under(std::string_view field, Diff d) {
  if (!d) return d;
  if (d->empty() || d->front() == ':' || d->front() == '[') return fmt::format("{}{}", field, *d);
  return fmt::format("{}.{}", field, *d);
}

template <typename T>
std::string show(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) return fmt::format("\"{}\"", v);
  else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
  else if constexpr (std::is_enum_v<T>) return std::to_string(static_cast<int>(v));
  else return fmt::format("{}", v);
}

template <typename T>
Diff value(const T& a, const T& b) {
  if (a == b) return std::nullopt;
  return fmt::format(": {} vs {}", show(a), show(b));
}

template <typename T, typename F>
Diff optional(const std::optional<T>& a, const std::optional<T>& b, F&& compare) {
  if (a.has_value() != b.has_value()) return std::string(a ? ": present vs absent" : ": absent vs present");
  return a ? compare(*a, *b) : std::nullopt;
}

template <typename T>
Diff optional_value(const std::optional<T>& a, const std::optional<T>& b) {
  return optional(a, b, [](const T& x, const T& y) { return value(x, y); });
}

template <typename T, typename F>
Diff list(const std::vector<T>& a, const std::vector<T>& b, F&& compare) {
  if (a.size() != b.size()) return fmt::format(": {} vs {} elements", a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Diff d = compare(a[i], b[i])) return under(fmt::format("[{}]", i), d);
  }
  return std::nullopt;
}

Diff ident(const ast::Ident& a, const ast::Ident& b) { return value(a.text, b.text); }
Diff idents(const std::vector<ast::Ident>& a, const std::vector<ast::Ident>& b) { return list(a, b, ident); }

Diff range(const ast::DateRange& a, const ast::DateRange& b) {
  if (Diff d = under("from", optional_value(a.from, b.from))) return d;
  return under("to", optional_value(a.to, b.to));
}

Diff message(const ast::Message& a, const ast::Message& b) { return value(a.text, b.text); }

Diff expr(const ast::Expr& a, const ast::Expr& b);

Diff expr_ptr(const ast::ExprPtr& a, const ast::ExprPtr& b) {
  if (!a || !b) return a || b ? Diff(a ? ": present vs absent" : ": absent vs present") : std::nullopt;
  return expr(*a, *b);
}

Diff entry(const ast::CodeEntry& a, const ast::CodeEntry& b) {
  if (Diff d = under("low", value(a.low, b.low))) return d;
  if (Diff d = under("high", value(a.high, b.high))) return d;
  if (Diff d = under("wildcard", value(a.wildcard, b.wildcard))) return d;
  return under("effective", optional(a.effective, b.effective, range));
}

// Same alternative: compares the payloads field by field.
Diff kind(const ast::Expr& ea, const ast::Expr& eb) {
  return std::visit(
      [&](const auto& a) -> Diff {
        using K = std::decay_t<decltype(a)>;
        const K& b = std::get<K>(eb.kind);
        if constexpr (std::is_same_v<K, ast::BoolLiteral> || std::is_same_v<K, ast::IntLiteral> ||
                      std::is_same_v<K, ast::StringLiteral>) {
          return value(a.value, b.value);
        } else if constexpr (std::is_same_v<K, ast::DecimalLiteral>) {
          return value(a.value, b.value);
        } else if constexpr (std::is_same_v<K, ast::DateLiteral>) {
          return value(a.days, b.days);
        } else if constexpr (std::is_same_v<K, ast::DurationLiteral>) {
          if (Diff d = under("amount", value(a.amount, b.amount))) return d;
          return under("unit", value(a.unit, b.unit));
        } else if constexpr (std::is_same_v<K, ast::NameRef>) {
          return value(a.name, b.name);
        } else if constexpr (std::is_same_v<K, ast::MemberAccess>) {
          if (Diff d = under("object", expr_ptr(a.object, b.object))) return d;
          return under("field", ident(a.field, b.field));
        } else if constexpr (std::is_same_v<K, ast::Unary>) {
          if (Diff d = under("op", value(a.op, b.op))) return d;
          return under("operand", expr_ptr(a.operand, b.operand));
        } else if constexpr (std::is_same_v<K, ast::Binary>) {
          if (Diff d = under("op", value(a.op, b.op))) return d;
          if (Diff d = under("lhs", expr_ptr(a.lhs, b.lhs))) return d;
          return under("rhs", expr_ptr(a.rhs, b.rhs));
        } else if constexpr (std::is_same_v<K, ast::Membership>) {
          if (Diff d = under("negated", value(a.negated, b.negated))) return d;
          if (Diff d = under("item", expr_ptr(a.item, b.item))) return d;
          return under("set", expr_ptr(a.set, b.set));
        } else if constexpr (std::is_same_v<K, ast::SetLiteral>) {
          return under("items", list(a.items, b.items, expr_ptr));
        } else if constexpr (std::is_same_v<K, ast::CodeSetLiteral>) {
          if (Diff d = under("system", ident(a.system, b.system))) return d;
          return under("entries", list(a.entries, b.entries, entry));
        } else if constexpr (std::is_same_v<K, ast::SetOperation>) {
          if (Diff d = under("difference", value(a.difference, b.difference))) return d;
          if (Diff d = under("lhs", expr_ptr(a.lhs, b.lhs))) return d;
          return under("rhs", expr_ptr(a.rhs, b.rhs));
        } else if constexpr (std::is_same_v<K, ast::Presence>) {
          if (Diff d = under("known", value(a.known, b.known))) return d;
          if (Diff d = under("none", value(a.none, b.none))) return d;
          return under("operand", expr_ptr(a.operand, b.operand));
        } else if constexpr (std::is_same_v<K, ast::Within>) {
          if (Diff d = under("direction", value(a.direction, b.direction))) return d;
          if (Diff d = under("subject", expr_ptr(a.subject, b.subject))) return d;
          if (Diff d = under("amount", expr_ptr(a.amount, b.amount))) return d;
          return under("anchor", expr_ptr(a.anchor, b.anchor));
        } else if constexpr (std::is_same_v<K, ast::Call>) {
          if (Diff d = under("function", ident(a.function, b.function))) return d;
          return under("args", list(a.args, b.args, expr_ptr));
        } else if constexpr (std::is_same_v<K, ast::Quantifier>) {
          if (Diff d = under("kind", value(a.kind, b.kind))) return d;
          if (Diff d = under("list", expr_ptr(a.list, b.list))) return d;
          if (Diff d = under("variable", optional(a.variable, b.variable, ident))) return d;
          if (Diff d = under("filter", expr_ptr(a.filter, b.filter))) return d;
          return under("key", expr_ptr(a.key, b.key));
        } else if constexpr (std::is_same_v<K, ast::UnknownValue>) {
          return under("facts", list(a.facts, b.facts, expr_ptr));
        } else {
          static_assert(std::is_same_v<K, ast::Conditional>);
          if (Diff d = under("condition", expr_ptr(a.condition, b.condition))) return d;
          if (Diff d = under("then", expr_ptr(a.then_value, b.then_value))) return d;
          return under("else", expr_ptr(a.else_value, b.else_value));
        }
      },
      ea.kind);
}

Diff expr(const ast::Expr& a, const ast::Expr& b) {
  if (a.kind.index() != b.kind.index()) {
    return fmt::format(": expression kind {} vs {}", a.kind.index(), b.kind.index());
  }
  return kind(a, b);
}

Diff header(const ast::Header& a, const ast::Header& b) {
  if (Diff d = under("kind", value(a.kind, b.kind))) return d;
  if (Diff d = under("id", ident(a.id, b.id))) return d;
  if (Diff d = under("title", value(a.title, b.title))) return d;
  if (Diff d = under("version", optional_value(a.version, b.version))) return d;
  if (Diff d = under("effective", optional(a.effective, b.effective, range))) return d;
  if (Diff d = under("default", optional_value(a.default_decision, b.default_decision))) return d;
  if (Diff d = under("default_message", optional_value(a.default_message, b.default_message))) return d;
  return under("source", optional_value(a.source, b.source));
}

Diff type_ref(const ast::TypeRef& a, const ast::TypeRef& b) {
  if (Diff d = under("name", value(a.name, b.name))) return d;
  return under("list", value(a.list, b.list));
}

Diff requirement(const ast::Requirement& a, const ast::Requirement& b) {
  if (Diff d = under("kind", value(a.kind, b.kind))) return d;
  if (Diff d = under("condition", expr_ptr(a.condition, b.condition))) return d;
  if (Diff d = under("document", optional(a.document, b.document, ident))) return d;
  if (Diff d = under("cite", optional_value(a.cite, b.cite))) return d;
  if (Diff d = under("effective", optional(a.effective, b.effective, range))) return d;
  if (Diff d = under("else", optional_value(a.else_decision, b.else_decision))) return d;
  return under("else_message", optional(a.else_message, b.else_message, message));
}

Diff rule(const ast::Rule& a, const ast::Rule& b) {
  if (Diff d = under("advice", value(a.advice, b.advice))) return d;
  if (Diff d = under("name", ident(a.name, b.name))) return d;
  if (Diff d = under("title", optional_value(a.title, b.title))) return d;
  if (Diff d = under("cite", optional_value(a.cite, b.cite))) return d;
  if (Diff d = under("tags", idents(a.tags, b.tags))) return d;
  if (Diff d = under("effective", optional(a.effective, b.effective, range))) return d;
  if (Diff d = under("when", expr_ptr(a.when, b.when))) return d;
  auto target = [](const ast::OverrideTarget& x, const ast::OverrideTarget& y) {
    if (Diff d = under("by_tag", value(x.by_tag, y.by_tag))) return d;
    return under("name", value(x.name, y.name));
  };
  if (Diff d = under("overrides", list(a.overrides, b.overrides, target))) return d;
  if (Diff d = under("cover", value(a.cover.has_value(), b.cover.has_value()))) return d;
  auto direct = [](const ast::DirectEffect& x, const ast::DirectEffect& y) {
    if (Diff d = under("decision", value(x.decision, y.decision))) return d;
    return under("message", optional(x.message, y.message, message));
  };
  if (Diff d = under("direct", optional(a.direct, b.direct, direct))) return d;
  if (Diff d = under("route", optional(a.route, b.route, ident))) return d;
  if (Diff d = under("requirements", list(a.requirements, b.requirements, requirement))) return d;
  auto grant = [](const ast::Grant& x, const ast::Grant& y) {
    if (Diff d = under("amount", value(x.amount, y.amount))) return d;
    if (Diff d = under("amount_expr", expr_ptr(x.amount_expr, y.amount_expr))) return d;
    return under("unit", value(x.unit, y.unit));
  };
  if (Diff d = under("grants", list(a.grants, b.grants, grant))) return d;
  if (Diff d = under("next", list(a.next_steps, b.next_steps, message))) return d;
  return under("warning", list(a.warnings, b.warnings, message));
}

Diff record(const ast::RecordDecl& a, const ast::RecordDecl& b) {
  if (Diff d = under("name", ident(a.name, b.name))) return d;
  if (Diff d = under("extended", value(a.extended, b.extended))) return d;
  auto field = [](const ast::FieldDecl& x, const ast::FieldDecl& y) {
    if (Diff d = under("name", ident(x.name, y.name))) return d;
    if (Diff d = under("type", type_ref(x.type, y.type))) return d;
    if (Diff d = under("default", expr_ptr(x.default_value, y.default_value))) return d;
    if (Diff d = under("derived", expr_ptr(x.derived, y.derived))) return d;
    if (Diff d = under("or_none", value(x.or_none, y.or_none))) return d;
    return under("exclusive", value(x.exclusive, y.exclusive));
  };
  if (Diff d = under("fields", list(a.fields, b.fields, field))) return d;
  auto check = [](const ast::CheckDecl& x, const ast::CheckDecl& y) {
    if (Diff d = under("condition", expr_ptr(x.condition, y.condition))) return d;
    if (Diff d = under("guard", expr_ptr(x.guard, y.guard))) return d;
    if (Diff d = under("warning", value(x.warning, y.warning))) return d;
    return under("message", value(x.message, y.message));
  };
  return under("checks", list(a.checks, b.checks, check));
}

Diff item(const ast::Item& ia, const ast::Item& ib) {
  if (ia.index() != ib.index()) return fmt::format(": item kind {} vs {}", ia.index(), ib.index());
  return std::visit(
      [&](const auto& a) -> Diff {
        using K = std::decay_t<decltype(a)>;
        const K& b = std::get<K>(ib);
        if constexpr (std::is_same_v<K, ast::Import>) {
          return under("path", value(a.path, b.path));
        } else if constexpr (std::is_same_v<K, ast::CodeSetDecl>) {
          if (Diff d = under("name", ident(a.name, b.name))) return d;
          return under("value", expr_ptr(a.value, b.value));
        } else if constexpr (std::is_same_v<K, ast::Define>) {
          if (Diff d = under("name", ident(a.name, b.name))) return d;
          if (Diff d = under("params", idents(a.params, b.params))) return d;
          return under("body", expr_ptr(a.body, b.body));
        } else if constexpr (std::is_same_v<K, ast::ParamDecl>) {
          if (Diff d = under("name", ident(a.name, b.name))) return d;
          if (Diff d = under("type", type_ref(a.type, b.type))) return d;
          return under("default", expr_ptr(a.default_value, b.default_value));
        } else if constexpr (std::is_same_v<K, ast::ParamSet>) {
          if (Diff d = under("name", ident(a.name, b.name))) return d;
          return under("value", expr_ptr(a.value, b.value));
        } else if constexpr (std::is_same_v<K, ast::EnumDecl>) {
          if (Diff d = under("name", ident(a.name, b.name))) return d;
          if (Diff d = under("extended", value(a.extended, b.extended))) return d;
          return under("members", idents(a.members, b.members));
        } else if constexpr (std::is_same_v<K, ast::RecordDecl>) {
          return record(a, b);
        } else if constexpr (std::is_same_v<K, ast::SynonymsDecl>) {
          if (Diff d = under("enumeration", ident(a.enumeration, b.enumeration))) return d;
          if (Diff d = under("extended", value(a.extended, b.extended))) return d;
          auto entry = [](const ast::SynonymEntry& x, const ast::SynonymEntry& y) {
            if (Diff d = under("member", ident(x.member, y.member))) return d;
            return under("texts", list(x.texts, y.texts, [](const ast::SynonymText& p, const ast::SynonymText& q) {
                           return value(p.text, q.text);
                         }));
          };
          return under("entries", list(a.entries, b.entries, entry));
        } else {
          return rule(a, b);
        }
      },
      ia);
}

std::string item_label(const ast::Item& i) {
  return std::visit(
      [](const auto& k) -> std::string {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, ast::Import>) return "import";
        else if constexpr (std::is_same_v<K, ast::Rule>) return (k.advice ? "advice " : "rule ") + k.name.text;
        else if constexpr (std::is_same_v<K, ast::SynonymsDecl>) return "synonyms " + k.enumeration.text;
        else return k.name.text;
      },
      i);
}

std::vector<std::string> comment_texts(const ast::File& f) {
  std::vector<std::string> out;
  for (const ast::Comment& c : f.comments) {
    std::size_t end = c.text.find_last_not_of(" \t\r");
    out.push_back(c.text.substr(0, end == std::string::npos ? 0 : end + 1));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::optional<std::string> ast_difference(const ast::File& a, const ast::File& b, AstCompareOptions options) {
  if (Diff d = under("header", optional(a.header, b.header, header))) return d;
  if (a.items.size() != b.items.size()) return fmt::format("items: {} vs {} items", a.items.size(), b.items.size());
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    if (Diff d = item(a.items[i], b.items[i])) {
      return under(fmt::format("items[{}] ({})", i, item_label(a.items[i])), d);
    }
  }
  if (options.comments) {
    std::vector<std::string> ca = comment_texts(a), cb = comment_texts(b);
    if (ca != cb) {
      auto [x, y] = std::mismatch(ca.begin(), ca.end(), cb.begin(), cb.end());
      return fmt::format("comments: {} vs {} comments; first difference: `{}` vs `{}`", ca.size(), cb.size(),
                         x == ca.end() ? "" : *x, y == cb.end() ? "" : *y);
    }
  }
  return std::nullopt;
}

std::optional<std::string> ast_difference(const ast::Expr& a, const ast::Expr& b) {
  if (Diff d = expr(a, b)) return d->front() == ':' ? "expression" + *d : *d;
  return std::nullopt;
}

}  // namespace covcheck::dsl
