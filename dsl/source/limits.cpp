// Counting rules, code-set entries and string lengths over loaded ASTs; see limits.hpp.
#include "dsl/source/limits.hpp"

#include <fmt/format.h>

namespace covcheck::dsl {

namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

struct Walker {
  const RuleSetLimits& limits;
  RuleSetSize size;
  SourceSpan first_codes_over;  // where the entry count first passed the limit
  SourceSpan first_rules_over;
  SourceSpan long_string;
  std::size_t long_string_bytes = 0;

  void string(std::size_t bytes, SourceSpan at) {
    if (bytes > limits.max_string_bytes && long_string_bytes == 0) {
      long_string_bytes = bytes;
      long_string = at;
    }
  }

  // Iterative, so that no nesting of the input can exhaust the stack.
  void expr(const ast::ExprPtr& root) {
    std::vector<const ast::Expr*> todo;
    if (root) todo.push_back(root.get());
    auto push = [&](const ast::ExprPtr& e) {
      if (e) todo.push_back(e.get());
    };
    while (!todo.empty()) {
      const ast::Expr* e = todo.back();
      todo.pop_back();
      std::visit(overloaded{
                     [&](const ast::StringLiteral& s) { string(s.value.size(), e->span); },
                     [&](const ast::MemberAccess& m) { push(m.object); },
                     [&](const ast::Unary& u) { push(u.operand); },
                     [&](const ast::Binary& b) { push(b.lhs), push(b.rhs); },
                     [&](const ast::Membership& m) { push(m.item), push(m.set); },
                     [&](const ast::SetLiteral& s) {
                       for (const ast::ExprPtr& i : s.items) push(i);
                     },
                     [&](const ast::CodeSetLiteral& c) {
                       size.code_entries += c.entries.size();
                       if (size.code_entries > limits.max_code_entries && first_codes_over.file == no_file)
                         first_codes_over = e->span;
                     },
                     [&](const ast::SetOperation& s) { push(s.lhs), push(s.rhs); },
                     [&](const ast::Presence& p) { push(p.operand); },
                     [&](const ast::Within& w) { push(w.subject), push(w.amount), push(w.anchor); },
                     [&](const ast::Call& c) {
                       for (const ast::ExprPtr& a : c.args) push(a);
                     },
                     [&](const ast::Quantifier& q) { push(q.list), push(q.filter), push(q.key); },
                     [&](const ast::Conditional& c) { push(c.condition), push(c.then_value), push(c.else_value); },
                     [&](const ast::UnknownValue& u) {
                       for (const ast::ExprPtr& f : u.facts) push(f);
                     },
                     [](const auto&) {},
                 },
                 e->kind);
    }
  }

  void item(const ast::Item& item) {
    std::visit(overloaded{
                   [&](const ast::CodeSetDecl& c) { expr(c.value); },
                   [&](const ast::Define& d) { expr(d.body); },
                   [&](const ast::ParamDecl& p) { expr(p.default_value); },
                   [&](const ast::ParamSet& p) { expr(p.value); },
                   [&](const ast::RecordDecl& r) {
                     for (const ast::FieldDecl& f : r.fields) expr(f.default_value), expr(f.derived);
                     for (const ast::CheckDecl& c : r.checks)
                       expr(c.condition), expr(c.guard), string(c.message.size(), c.span);
                   },
                   [&](const ast::Rule& r) {
                     if (++size.rules > limits.max_rules && first_rules_over.file == no_file) first_rules_over = r.span;
                     if (r.title) string(r.title->size(), r.name.span);
                     if (r.cite) string(r.cite->size(), r.name.span);
                     expr(r.when);
                     for (const ast::Requirement& q : r.requirements) {
                       expr(q.condition);
                       if (q.else_message) string(q.else_message->text.size(), q.else_message->span);
                     }
                     for (const ast::Grant& g : r.grants) expr(g.amount_expr);
                     if (r.direct && r.direct->message) string(r.direct->message->text.size(), r.direct->message->span);
                     for (const ast::Message& m : r.next_steps) string(m.text.size(), m.span);
                     for (const ast::Message& m : r.warnings) string(m.text.size(), m.span);
                   },
                   [](const auto&) {},
               },
               item);
  }
};

}  // namespace

RuleSetSize measure_rule_set(const RuleFiles& files) {
  RuleSetLimits limits;
  Walker w{limits, {}, {}, {}, {}};
  for (const ast::File& f : files.files)
    for (const ast::Item& i : f.items) w.item(i);
  return w.size;
}

bool check_rule_set_limits(const RuleFiles& files, Diagnostics& diagnostics, const RuleSetLimits& limits) {
  Walker w{limits, {}, {}, {}, {}};
  for (const ast::File& f : files.files) {
    if (f.header) {
      w.string(f.header->title.size(), f.header->id.span);
      if (f.header->default_message) w.string(f.header->default_message->size(), f.header->id.span);
    }
    for (const ast::Item& i : f.items) w.item(i);
  }
  bool ok = true;
  if (w.size.rules > limits.max_rules) {
    diagnostics.error("load.too_many_rules", w.first_rules_over,
                      fmt::format("the rule set has {} rules; at most {} are allowed", w.size.rules, limits.max_rules));
    ok = false;
  }
  if (w.size.code_entries > limits.max_code_entries) {
    diagnostics.error("load.too_many_codes", w.first_codes_over,
                      fmt::format("the rule set's code sets have {} entries; at most {} are allowed",
                                  w.size.code_entries, limits.max_code_entries));
    ok = false;
  }
  if (w.long_string_bytes > 0) {
    diagnostics.error("load.string_too_long", w.long_string,
                      fmt::format("a string of {} bytes; strings are limited to {} bytes", w.long_string_bytes,
                                  limits.max_string_bytes));
    ok = false;
  }
  return ok;
}

}  // namespace covcheck::dsl
