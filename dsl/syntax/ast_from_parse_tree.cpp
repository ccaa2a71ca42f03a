// Converts the PEGTL parse tree of one file into the owned AST (docs/language.md), checking what
// the grammar cannot: literal values (dates, integer range), header options, repeated clauses.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "dsl/syntax/operators.hpp"
#include "dsl/syntax/parse_tree.hpp"

namespace covcheck::dsl::parse_tree {

namespace {

using ast::ExprPtr;

// An expression with the height of its tree, so over-long operator chains are caught while
// building (the AST of a 10,000-term `and` would otherwise be 10,000 levels deep).
struct Built {
  ExprPtr expr;
  std::size_t height = 1;
};

ast::Decision decision_from_word(std::string_view w) {
  if (w == "covered") return ast::Decision::covered;
  if (w == "pend") return ast::Decision::pend;
  if (w == "deny" || w == "denied") return ast::Decision::denied;
  return ast::Decision::excluded;  // exclude, excluded
}

class Converter {
 public:
  Converter(std::string_view text, FileId file, ast::NodeId& next_id, Diagnostics& diagnostics)
      : text_(text), file_(file), next_id_(next_id), diagnostics_(diagnostics) {}

  std::optional<ast::File> convert(const Node& root);

 private:
  SourceSpan span(const Node& n) const {
    return {file_, static_cast<std::uint32_t>(n.m_begin.data - text_.data()),
            static_cast<std::uint32_t>(n.m_end.data - text_.data())};
  }
  ast::Ident ident(const Node& n) const { return {n.string(), span(n)}; }
  void error(const char* code, SourceSpan at, std::string message) {
    diagnostics_.error(code, at, std::move(message));
    failed_ = true;
  }

  // Literals.
  std::string unescape(const Node& n) const;
  ast::Message message(const Node& n) const { return {unescape(n), span(n)}; }
  std::int64_t integer(const Node& n);
  std::int32_t date(const Node& n);
  ast::DateRange date_range(const Node& n);

  // Expressions.
  Built make(SourceSpan at, decltype(ast::Expr::kind) kind, std::size_t height) {
    auto e = std::make_unique<ast::Expr>();
    e->id = next_id_++;
    e->span = at;
    e->kind = std::move(kind);
    return {std::move(e), height};
  }
  Built binary(ast::BinaryOp op, Built lhs, Built rhs);
  bool too_deep(const Built& b, const Node& at);
  ExprPtr expression(const Node& n) { return build(n).expr; }
  ExprPtr optional_expression(const Node* n) { return n ? expression(*n) : nullptr; }
  Built build(const Node& n);
  Built chain(const Node& n);
  Built prefixed(const Node& n, ast::UnaryOp op);
  Built comparison(const Node& n);
  Built postfix(const Node& n);
  Built call(const Node& n);
  Built quantifier(const Node& n);
  Built count(const Node& n);
  Built code_set(const Node& n);

  // Declarations.
  ast::Header header(const Node& n);
  ast::TypeRef type_ref(const Node& n) const;
  ast::RecordDecl record(const Node& n);
  ast::Item schema_item(const Node& n, SourceSpan whole, bool extended);
  ast::Rule rule(const Node& n);
  ast::Requirement requirement(const Node& n);
  std::vector<ast::Comment> comments() const;

  std::string_view text_;
  FileId file_;
  ast::NodeId& next_id_;
  Diagnostics& diagnostics_;
  bool failed_ = false;
  bool reported_depth_ = false;  // one "too deep" per file is enough
};

// ---- Literals ------------------------------------------------------------------------------

std::string Converter::unescape(const Node& n) const {
  std::string_view raw = n.string_view();
  raw = raw.substr(1, raw.size() - 2);  // the grammar guarantees both quotes
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    char c = raw[++i];
    out += c == 'n' ? '\n' : c == 't' ? '\t' : c;  // `\"` and `\\` stand for themselves
  }
  return out;
}

std::int64_t Converter::integer(const Node& n) {
  std::string_view t = n.string_view();
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size()) {
    error("parse.integer_overflow", span(n),
          fmt::format("integer literal `{}` is too large (the maximum is {})", t,
                      std::numeric_limits<std::int64_t>::max()));
    return 0;
  }
  return value;
}

std::int32_t Converter::date(const Node& n) {
  if (auto days = parse_iso_date(n.string_view())) return *days;
  error("parse.invalid_date", span(n), fmt::format("invalid date `{}`", n.string_view()));
  return 0;
}

ast::DateRange Converter::date_range(const Node& n) {
  ast::DateRange r{std::nullopt, std::nullopt, span(n)};
  for (const auto& c : n.children) {
    if (c->is_type<grammar::range_start>()) r.from = date(*c);
    else r.to = date(*c);  // range_end, range_end_required
  }
  return r;
}

// ---- Expressions ---------------------------------------------------------------------------

bool Converter::too_deep(const Built& b, const Node& at) {
  if (b.height <= max_expression_depth) return false;
  if (!reported_depth_) {
    error("parse.too_deep", span(at),
          fmt::format("expression nested too deeply (more than {} levels)", max_expression_depth));
    reported_depth_ = true;
  }
  failed_ = true;
  return true;
}

Built Converter::binary(ast::BinaryOp op, Built lhs, Built rhs) {
  SourceSpan at{file_, lhs.expr->span.begin, rhs.expr->span.end};
  std::size_t h = std::max(lhs.height, rhs.height) + 1;
  return make(at, ast::Binary{op, std::move(lhs.expr), std::move(rhs.expr)}, h);
}

Built Converter::build(const Node& n) {
  namespace g = grammar;
  if (n.is_type<g::identifier>() || n.is_type<g::word_name>()) return make(span(n), ast::NameRef{n.string()}, 1);
  if (n.is_type<g::string_literal>()) return make(span(n), ast::StringLiteral{unescape(n)}, 1);
  if (n.is_type<g::integer_literal>()) return make(span(n), ast::IntLiteral{integer(n)}, 1);
  if (n.is_type<g::date_literal>()) return make(span(n), ast::DateLiteral{date(n)}, 1);
  if (n.is_type<g::bool_literal>()) return make(span(n), ast::BoolLiteral{n.string_view() == "true"}, 1);
  if (n.is_type<g::decimal_literal>()) {
    std::string_view t = n.string_view();
    double value = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc() || !std::isfinite(value)) {
      error("parse.decimal_out_of_range", span(n), fmt::format("decimal literal `{}` is out of range", t));
    }
    return make(span(n), ast::DecimalLiteral{value, std::string(t)}, 1);
  }
  if (n.is_type<g::duration_literal>()) {
    std::string_view unit = n.children.at(1)->string_view();
    auto u = unit.front() == 'd'   ? ast::DurationUnit::days
             : unit.front() == 'w' ? ast::DurationUnit::weeks
                                   : ast::DurationUnit::months;
    return make(span(n), ast::DurationLiteral{integer(*n.children.at(0)), u}, 1);
  }
  if (n.is_type<g::paren_expr>() || n.is_type<g::paren_set>()) {
    Built inner = build(*n.children.at(0));
    inner.expr->span = span(n);  // the parentheses belong to the operand's extent
    return inner;
  }
  if (n.is_type<g::set_literal>()) {
    ast::SetLiteral set;
    std::size_t h = 0;
    for (const auto& c : n.children) {
      Built item = build(*c);
      h = std::max(h, item.height);
      set.items.push_back(std::move(item.expr));
    }
    return make(span(n), std::move(set), h + 1);
  }
  if (n.is_type<g::conditional>()) {
    Built c = build(*n.children.at(0)), t = build(*n.children.at(1));
    Built e = n.children.size() > 2 ? build(*n.children[2]) : Built{nullptr, 0};
    std::size_t h = std::max({c.height, t.height, e.height}) + 1;
    return make(span(n), ast::Conditional{std::move(c.expr), std::move(t.expr), std::move(e.expr)}, h);
  }
  if (n.is_type<g::unknown_value>()) {
    ast::UnknownValue u;
    std::size_t h = 0;
    for (const auto& c : n.children) {
      Built fact = build(*c);
      h = std::max(h, fact.height);
      u.facts.push_back(std::move(fact.expr));
    }
    return make(span(n), std::move(u), h + 1);
  }
  if (n.is_type<g::neg_literal>() || n.is_type<g::neg_expr>()) return prefixed(n, ast::UnaryOp::negate);
  if (n.is_type<g::not_expr>()) return prefixed(n, ast::UnaryOp::not_);
  if (n.is_type<g::name_or_call>()) return call(n);
  if (n.is_type<g::postfix_expr>()) return postfix(n);
  if (n.is_type<g::quantifier>()) return quantifier(n);
  if (n.is_type<g::count_expr>()) return count(n);
  if (n.is_type<g::cmp_expr>()) return comparison(n);
  if (n.is_type<g::code_set_literal>()) return code_set(n);
  return chain(n);  // or, and, add, mul, set operations
}

// Left-associative operator levels. Operands alternate with operator nodes where the level has
// more than one operator (`+`/`-`, `|`/`-`); `and`, `or`, `*` leave only operands.
Built Converter::chain(const Node& n) {
  namespace g = grammar;
  const auto& kids = n.children;
  Built acc = build(*kids.at(0));
  std::size_t i = 1;
  while (i < kids.size() && !too_deep(acc, n)) {
    const Node* op = nullptr;
    if (kids[i]->is_type<g::op_plus>() || kids[i]->is_type<g::op_minus>() || kids[i]->is_type<g::set_op>()) {
      op = kids[i++].get();
    }
    Built rhs = build(*kids.at(i++));
    if (n.is_type<g::set_expr>()) {
      SourceSpan at{file_, acc.expr->span.begin, rhs.expr->span.end};
      std::size_t h = std::max(acc.height, rhs.height) + 1;
      acc = make(at, ast::SetOperation{op->string_view() == "-", std::move(acc.expr), std::move(rhs.expr)}, h);
      continue;
    }
    ast::BinaryOp bop = n.is_type<g::or_expr>()     ? ast::BinaryOp::or_
                        : n.is_type<g::and_expr>()  ? ast::BinaryOp::and_
                        : n.is_type<g::mul_expr>()  ? ast::BinaryOp::mul
                        : op->is_type<g::op_plus>() ? ast::BinaryOp::add
                                                    : ast::BinaryOp::sub;
    acc = binary(bop, std::move(acc), std::move(rhs));
  }
  return acc;
}

// `not not x`, `- -x`, `-5`: prefix nodes followed by one operand; the innermost prefix binds first.
Built Converter::prefixed(const Node& n, ast::UnaryOp op) {
  const auto& kids = n.children;
  Built acc = build(*kids.back());
  for (std::size_t i = kids.size() - 1; i-- > 0 && !too_deep(acc, n);) {
    SourceSpan at{file_, span(*kids[i]).begin, acc.expr->span.end};
    acc = make(at, ast::Unary{op, std::move(acc.expr)}, acc.height + 1);
  }
  return acc;
}

Built Converter::comparison(const Node& n) {
  namespace g = grammar;
  const auto& kids = n.children;
  Built lhs = build(*kids.at(0));
  const Node& tail = *kids.at(1);
  SourceSpan at = span(n);
  if (kids.size() == 3) {  // lhs, operator, rhs
    std::string_view op = tail.string_view();
    Built rhs = build(*kids[2]);
    // The grammar's comparison rules are checked against the operator table (parser.cpp).
    return binary(comparison_spelled(op).value(), std::move(lhs), std::move(rhs));
  }
  if (tail.is_type<g::in_tail>() || tail.is_type<g::not_in_tail>()) {
    Built set = build(*tail.children.at(0));
    std::size_t h = std::max(lhs.height, set.height) + 1;
    return make(at, ast::Membership{std::move(lhs.expr), std::move(set.expr), tail.is_type<g::not_in_tail>()}, h);
  }
  if (tail.is_type<g::presence_tail>()) {
    std::string_view word = tail.children.at(0)->string_view();
    return make(at, ast::Presence{std::move(lhs.expr), word == "known", word == "none"}, lhs.height + 1);
  }
  // within_tail: amount, direction, anchor
  Built amount = build(*tail.children.at(0)), anchor = build(*tail.children.at(2));
  std::string_view dir = tail.children.at(1)->string_view();
  auto d = dir == "before"  ? ast::WindowDirection::before
           : dir == "after" ? ast::WindowDirection::after
                            : ast::WindowDirection::around;
  std::size_t h = std::max({lhs.height, amount.height, anchor.height}) + 1;
  return make(at, ast::Within{std::move(lhs.expr), std::move(amount.expr), d, std::move(anchor.expr)}, h);
}

Built Converter::postfix(const Node& n) {
  const auto& kids = n.children;
  Built acc = build(*kids.at(0));
  for (std::size_t i = 1; i < kids.size() && !too_deep(acc, n); ++i) {
    SourceSpan at{file_, acc.expr->span.begin, span(*kids[i]).end};
    acc = make(at, ast::MemberAccess{std::move(acc.expr), ident(*kids[i])}, acc.height + 1);
  }
  return acc;
}

Built Converter::call(const Node& n) {
  ast::Call c{ident(*n.children.at(0)), {}};
  std::size_t h = 0;
  for (const auto& arg : n.children.at(1)->children) {
    Built a = build(*arg);
    h = std::max(h, a.height);
    c.args.push_back(std::move(a.expr));
  }
  return make(span(n), std::move(c), h + 1);
}

// `any L v: P` / `all L v: P`: kind, list, variable, body.
Built Converter::quantifier(const Node& n) {
  const auto& kids = n.children;
  auto kind = kids.at(0)->is_type<grammar::quant_any>() ? ast::QuantifierKind::any : ast::QuantifierKind::all;
  Built list = build(*kids.at(1)), body = build(*kids.at(3));
  std::size_t h = std::max(list.height, body.height) + 1;
  return make(span(n), ast::Quantifier{kind, std::move(list.expr), ident(*kids.at(2)), std::move(body.expr), nullptr},
              h);
}

// `count(L)`, `count(L v: P)`, `count distinct(L v: P ; K)`.
Built Converter::count(const Node& n) {
  namespace g = grammar;
  ast::Quantifier q{ast::QuantifierKind::count, nullptr, std::nullopt, nullptr, nullptr};
  bool distinct = false;
  const Node* binding = nullptr;
  const Node* key = nullptr;
  std::size_t h = 0;
  for (const auto& c : n.children) {
    if (c->is_type<g::count_distinct>()) distinct = true;
    else if (c->is_type<g::count_binding>()) binding = c.get();
    else if (c->is_type<g::count_key>()) key = c.get();
    else {
      Built list = build(*c);
      h = std::max(h, list.height);
      q.list = std::move(list.expr);
    }
  }
  if (binding) {
    q.variable = ident(*binding->children.at(0));
    Built filter = build(*binding->children.at(1));
    h = std::max(h, filter.height);
    q.filter = std::move(filter.expr);
  }
  if (key) {
    Built k = build(*key->children.at(0));
    h = std::max(h, k.height);
    q.key = std::move(k.expr);
  }
  if (distinct) {
    q.kind = ast::QuantifierKind::count_distinct;
    if (!binding || !key) {
      error("parse.count_form", span(n),
            "`count distinct` needs a variable, a condition and a key: "
            "`count distinct(treatments t: P ; t.class)`");
    }
  } else if (key) {
    error("parse.count_form", span(*key), "a key after `;` is only allowed in `count distinct(...)`");
  }
  return make(span(n), std::move(q), h + 1);
}

Built Converter::code_set(const Node& n) {
  ast::CodeSetLiteral set{ident(*n.children.at(0)), {}};
  for (std::size_t i = 1; i < n.children.size(); ++i) {
    const Node& entry = *n.children[i];
    ast::CodeEntry e;
    e.span = span(entry);
    for (const auto& c : entry.children) {
      if (c->is_type<grammar::date_range>()) {
        e.effective = date_range(*c);
        continue;
      }
      std::string code = c->string();
      bool wildcard = !code.empty() && code.back() == '*';
      if (wildcard) code.pop_back();
      if (e.low.empty()) {
        e.low = std::move(code);
        e.wildcard = wildcard;
      } else {
        e.high = std::move(code);
        e.wildcard = e.wildcard || wildcard;
      }
    }
    if (e.wildcard && !e.high.empty()) {
      error("parse.wildcard_range", e.span, "a wildcard code cannot be a bound of a range");
    }
    set.entries.push_back(std::move(e));
  }
  return make(span(n), std::move(set), 1);
}

// ---- Declarations --------------------------------------------------------------------------

ast::Header Converter::header(const Node& n) {
  namespace g = grammar;
  ast::Header h;
  h.span = span(n);
  const char* kind = n.is_type<g::policy_header>() ? "policy" : n.is_type<g::module_header>() ? "module" : "schema";
  h.kind = n.is_type<g::policy_header>()   ? ast::FileKind::policy
           : n.is_type<g::module_header>() ? ast::FileKind::module
                                           : ast::FileKind::schema;
  h.id = ident(*n.children.at(0));
  h.title = unescape(*n.children.at(1));
  std::vector<std::string_view> seen;
  for (std::size_t i = 2; i < n.children.size(); ++i) {
    const Node& opt = *n.children[i];
    std::string_view option = opt.is_type<g::version_option>()     ? "version"
                              : opt.is_type<g::effective_option>() ? "effective"
                              : opt.is_type<g::default_option>()   ? "default"
                                                                   : "source";
    if (std::find(seen.begin(), seen.end(), option) != seen.end()) {
      error("parse.duplicate_header_option", span(opt), fmt::format("duplicate `{}` in the {} header", option, kind));
      continue;
    }
    seen.push_back(option);
    bool allowed = h.kind == ast::FileKind::policy || (h.kind == ast::FileKind::module && option != "default") ||
                   (h.kind == ast::FileKind::schema && option == "version");
    if (!allowed) {
      error("parse.header_option_not_allowed", span(opt),
            fmt::format("`{}` is not allowed in a {} header", option, kind));
    }
    const Node& value = *opt.children.at(0);
    if (option == "version") h.version = unescape(value);
    else if (option == "source") h.source = unescape(value);
    else if (option == "effective") h.effective = date_range(value);
    else {
      h.default_decision = decision_from_word(value.string_view());
      if (opt.children.size() > 1) h.default_message = unescape(*opt.children[1]);
    }
  }
  auto require = [&](std::string_view option) {
    if (std::find(seen.begin(), seen.end(), option) == seen.end()) {
      error("parse.missing_header_option", h.id.span,
            fmt::format("the {} header of `{}` needs a `{}`", kind, h.id.text, option));
    }
  };
  if (h.kind != ast::FileKind::module) require("version");
  if (h.kind == ast::FileKind::policy) require("default");
  return h;
}

ast::TypeRef Converter::type_ref(const Node& n) const {
  bool list = n.children.size() == 2;
  return {span(n), n.children.back()->string(), list};
}

ast::RecordDecl Converter::record(const Node& n) {
  namespace g = grammar;
  ast::RecordDecl r{span(n), ident(*n.children.at(0)), {}, {}};
  for (std::size_t i = 1; i < n.children.size(); ++i) {
    const Node& m = *n.children[i];
    if (m.is_type<g::check_decl>()) {
      ast::CheckDecl c{span(m), expression(*m.children.at(0)), unescape(*m.children.back()), nullptr, false};
      for (std::size_t j = 1; j + 1 < m.children.size(); ++j) {
        const Node& part = *m.children[j];
        if (part.is_type<g::check_when>()) c.guard = expression(*part.children.at(0));
        if (part.is_type<g::check_severity>()) c.warning = true;
      }
      r.checks.push_back(std::move(c));
      continue;
    }
    ast::FieldDecl f;
    f.span = span(m);
    f.name = ident(*m.children.at(0));
    f.type = type_ref(*m.children.at(1));
    for (std::size_t j = 2; j < m.children.size(); ++j) {
      const Node& part = *m.children[j];
      if (part.is_type<g::field_default>()) f.default_value = expression(*part.children.at(0));
      else if (part.is_type<g::field_exclusive>()) f.exclusive = true;
      else if (part.is_type<g::field_or_none>()) f.or_none = true;
      else f.derived = expression(*part.children.at(0));
    }
    r.fields.push_back(std::move(f));
  }
  return r;
}

ast::Requirement Converter::requirement(const Node& clause) {
  namespace g = grammar;
  ast::Requirement req;
  req.span = span(clause);
  const Node& n = *clause.children.at(0);
  if (n.is_type<g::prior_auth_requirement>()) {
    req.kind = ast::Requirement::Kind::prior_auth;
    return req;
  }
  bool document = n.is_type<g::document_requirement>();
  req.kind = document ? ast::Requirement::Kind::document : ast::Requirement::Kind::criterion;
  if (document) req.document = ident(*n.children.at(0));
  else req.condition = expression(*n.children.at(0));
  for (std::size_t i = 1; i < n.children.size(); ++i) {
    const Node& part = *n.children[i];
    if (part.is_type<g::require_cite>()) {
      req.cite = unescape(*part.children.at(0));
    } else if (part.is_type<g::require_effective>()) {
      req.effective = date_range(*part.children.at(0));
    } else {  // require_else: effect [message]
      req.else_decision = decision_from_word(part.children.at(0)->string_view());
      if (part.children.size() > 1) req.else_message = message(*part.children[1]);
    }
  }
  return req;
}

ast::Rule Converter::rule(const Node& n) {
  namespace g = grammar;
  ast::Rule r;
  r.span = span(n);
  r.advice = n.is_type<g::advice_item>();
  r.name = ident(*n.children.at(0));
  // A clause that may appear once: report the repeat (pointing at the first) and keep the first.
  const char* what = r.advice ? "advice" : "rule";
  std::vector<std::pair<std::string_view, SourceSpan>> seen;
  auto once = [&](std::string_view key, const Node& c, std::string repeated) {
    for (const auto& [name, at] : seen) {
      if (name != key) continue;
      auto& d = diagnostics_.error("parse.duplicate_clause", span(c), std::move(repeated));
      d.notes.push_back({at, "the first one is here"});
      failed_ = true;
      return false;
    }
    seen.emplace_back(key, span(c));
    return true;
  };
  auto duplicate = [&](std::string_view clause) {
    return fmt::format("duplicate `{}` clause in {} `{}`", clause, what, r.name.text);
  };
  for (std::size_t i = 1; i < n.children.size(); ++i) {
    const Node& c = *n.children[i];
    if (i == 1 && c.is_type<g::string_literal>()) {
      r.title = unescape(c);
    } else if (c.is_type<g::tag_clause>()) {
      for (const auto& t : c.children) r.tags.push_back(ident(*t));
    } else if (c.is_type<g::cite_clause>()) {
      if (once("cite", c, duplicate("cite"))) r.cite = unescape(*c.children.at(0));
    } else if (c.is_type<g::effective_clause>()) {
      if (once("effective", c, duplicate("effective"))) r.effective = date_range(*c.children.at(0));
    } else if (c.is_type<g::when_clause>()) {
      if (once("when", c, duplicate("when"))) r.when = expression(*c.children.at(0));
    } else if (c.is_type<g::overrides_clause>()) {
      for (const auto& t : c.children) {
        bool by_tag = t->is_type<g::tagged_target>();
        r.overrides.push_back({span(*t), by_tag, by_tag ? t->children.at(0)->string() : t->string()});
      }
    } else if (c.is_type<g::cover_clause>()) {
      if (once("cover", c, duplicate("cover"))) r.cover = span(c);
    } else if (c.is_type<g::effect_clause>()) {
      std::string_view kind = c.children.at(0)->string_view();
      auto repeated = fmt::format("second direct effect `{}` in {} `{}`: use one of `exclude`, `deny`, `pend`", kind,
                                  what, r.name.text);
      if (!once("effect", c, std::move(repeated))) continue;
      ast::DirectEffect e{span(c), decision_from_word(kind), std::nullopt};
      if (c.children.size() > 1) e.message = message(*c.children[1]);
      r.direct = std::move(e);
    } else if (c.is_type<g::route_clause>()) {
      if (once("route", c, duplicate("route"))) r.route = ident(*c.children.at(0));
    } else if (c.is_type<g::require_clause>()) {
      r.requirements.push_back(requirement(c));
    } else if (c.is_type<g::authorize_clause>()) {
      for (const auto& grant : c.children) {
        std::string_view unit = grant->children.at(1)->string_view();
        std::string plural(unit);
        if (plural.back() != 's') plural += 's';
        const Node& amount = *grant->children.at(0);
        ast::Grant granted{span(*grant), 0, std::move(plural), nullptr};
        if (amount.is_type<g::grant_expr>()) granted.amount_expr = expression(*amount.children.at(0));
        else granted.amount = integer(amount);
        r.grants.push_back(std::move(granted));
      }
    } else if (c.is_type<g::next_clause>()) {
      r.next_steps.push_back(message(*c.children.at(0)));
    } else if (c.is_type<g::warning_clause>()) {
      r.warnings.push_back(message(*c.children.at(0)));
    }
  }
  return r;
}

// Comments are not parse-tree nodes (they would sit between the operands of every rule); the
// file parsed, so a plain scan that skips string literals finds exactly the grammar's comments.
std::vector<ast::Comment> Converter::comments() const {
  std::vector<ast::Comment> out;
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '"') {
      for (++i; i < text_.size() && text_[i] != '"'; ++i) {
        if (text_[i] == '\\') ++i;
      }
    } else if (text_[i] == '#') {
      std::size_t end = text_.find_first_of("\r\n", i);
      if (end == std::string_view::npos) end = text_.size();
      out.push_back({{file_, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(end)},
                     std::string(text_.substr(i, end - i))});
      i = end;
    }
  }
  return out;
}

// An `enum`, `record` or `synonyms` declaration; under `extend` its span starts at `extend`.
ast::Item Converter::schema_item(const Node& n, SourceSpan whole, bool extended) {
  namespace g = grammar;
  if (n.is_type<g::enum_item>()) {
    ast::EnumDecl e{whole, ident(*n.children.at(0)), {}, extended};
    for (std::size_t i = 1; i < n.children.size(); ++i) e.members.push_back(ident(*n.children[i]));
    return e;
  }
  if (n.is_type<g::record_item>()) {
    ast::RecordDecl r = record(n);
    r.span = whole;
    r.extended = extended;
    return r;
  }
  ast::SynonymsDecl d{whole, ident(*n.children.at(0)), {}, extended};
  for (std::size_t i = 1; i < n.children.size(); ++i) {
    const Node& entry = *n.children[i];
    ast::SynonymEntry e{span(entry), ident(*entry.children.at(0)), {}};
    for (std::size_t j = 1; j < entry.children.size(); ++j)
      e.texts.push_back({unescape(*entry.children[j]), span(*entry.children[j])});
    d.entries.push_back(std::move(e));
  }
  return d;
}

std::optional<ast::File> Converter::convert(const Node& root) {
  namespace g = grammar;
  ast::File f;
  f.file = file_;
  for (const auto& child : root.children) {
    const Node& n = *child;
    if (n.is_type<g::policy_header>() || n.is_type<g::module_header>() || n.is_type<g::schema_header>()) {
      f.header = header(n);
    } else if (n.is_type<g::import_item>()) {
      const Node& path = *n.children.at(0);
      f.items.emplace_back(ast::Import{span(n), unescape(path), span(path)});
    } else if (n.is_type<g::codeset_item>()) {
      f.items.emplace_back(ast::CodeSetDecl{span(n), ident(*n.children.at(0)), expression(*n.children.at(1))});
    } else if (n.is_type<g::define_item>()) {
      ast::Define d{span(n), ident(*n.children.at(0)), {}, nullptr};
      if (n.children.size() == 3) {
        for (const auto& p : n.children[1]->children) d.params.push_back(ident(*p));
      }
      d.body = expression(*n.children.back());
      f.items.emplace_back(std::move(d));
    } else if (n.is_type<g::param_item>()) {
      const Node* value = n.children.size() > 2 ? n.children[2].get() : nullptr;
      f.items.emplace_back(
          ast::ParamDecl{span(n), ident(*n.children.at(0)), type_ref(*n.children.at(1)), optional_expression(value)});
    } else if (n.is_type<g::set_decl>()) {
      f.items.emplace_back(ast::ParamSet{span(n), ident(*n.children.at(0)), expression(*n.children.at(1))});
    } else if (n.is_type<g::enum_item>() || n.is_type<g::record_item>() || n.is_type<g::synonyms_item>()) {
      f.items.push_back(schema_item(n, span(n), false));
    } else if (n.is_type<g::extend_item>()) {
      f.items.push_back(schema_item(*n.children.at(0), span(n), true));
    } else {
      f.items.emplace_back(rule(n));  // rule_item, advice_item
    }
  }
  f.comments = comments();
  f.node_count = next_id_;
  if (failed_) return std::nullopt;
  return f;
}

}  // namespace

std::optional<ast::File> ast_from_parse_tree(const Node& root, std::string_view text, FileId file,
                                             ast::NodeId& next_node_id, Diagnostics& diagnostics) {
  return Converter(text, file, next_node_id, diagnostics).convert(root);
}

}  // namespace covcheck::dsl::parse_tree
