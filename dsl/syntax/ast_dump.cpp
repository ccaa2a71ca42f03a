// Tree dumps of the AST and of the checked rule set. One printer serves both: the checked
// dump only adds each expression's type and resolution, read from the NodeId side tables.
#include "dsl/syntax/ast_dump.hpp"

#include <type_traits>

#include <fmt/format.h>

#include "dsl/format/format_internal.hpp"
#include "dsl/source/dates.hpp"
#include "dsl/syntax/operators.hpp"

namespace covcheck::dsl {

namespace {

using format_detail::code_entry_text;
using format_detail::date_range_text;
using format_detail::escape_string;

const char* decision_name(ast::Decision d) {
  switch (d) {
    case ast::Decision::covered: return "covered";
    case ast::Decision::pend: return "pend";
    case ast::Decision::denied: return "denied";
    case ast::Decision::excluded: return "excluded";
  }
  return "?";
}

const char* rule_kind_name(RuleKind k) {
  switch (k) {
    case RuleKind::coverage: return "coverage";
    case RuleKind::restriction: return "restriction";
    case RuleKind::effect: return "effect";
    case RuleKind::advice: return "advice";
  }
  return "?";
}

class TreeDump {
 public:
  TreeDump(const SourceRegistry& sources, const CheckedRuleSet* checked) : sources_(sources), checked_(checked) {}

  std::string take() { return std::move(out_); }

  void line(int depth, const std::string& text) {
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }

  // `@6:1-8:45`: where a node starts and ends in its file.
  std::string at(SourceSpan span) const {
    if (span.file == no_file || span.file >= sources_.size()) return "@?";
    const SourceFile& f = sources_.file(span.file);
    LineColumn b = f.location(span.begin), e = f.location(span.end);
    return fmt::format("@{}:{}-{}:{}", b.line, b.column, e.line, e.column);
  }

  void expr(int depth, std::string_view role, const ast::Expr& e) {
    line(depth, fmt::format("{}: {} #{} {}{}", role, describe(e), e.id, at(e.span), annotation(e.id)));
    auto child = [&](std::string_view r, const ast::ExprPtr& c) {
      if (c) expr(depth + 1, r, *c);
    };
    std::visit(
        [&](const auto& k) {
          using K = std::decay_t<decltype(k)>;
          if constexpr (std::is_same_v<K, ast::MemberAccess>) child("object", k.object);
          else if constexpr (std::is_same_v<K, ast::Unary>) child("operand", k.operand);
          else if constexpr (std::is_same_v<K, ast::Binary> || std::is_same_v<K, ast::SetOperation>) {
            child("lhs", k.lhs);
            child("rhs", k.rhs);
          } else if constexpr (std::is_same_v<K, ast::Membership>) {
            child("item", k.item);
            child("set", k.set);
          } else if constexpr (std::is_same_v<K, ast::SetLiteral>) {
            for (std::size_t i = 0; i < k.items.size(); ++i) child(fmt::format("items[{}]", i), k.items[i]);
          } else if constexpr (std::is_same_v<K, ast::Presence>) child("operand", k.operand);
          else if constexpr (std::is_same_v<K, ast::Within>) {
            child("subject", k.subject);
            child("amount", k.amount);
            child("anchor", k.anchor);
          } else if constexpr (std::is_same_v<K, ast::Call>) {
            for (std::size_t i = 0; i < k.args.size(); ++i) child(fmt::format("args[{}]", i), k.args[i]);
          } else if constexpr (std::is_same_v<K, ast::Quantifier>) {
            child("list", k.list);
            child("filter", k.filter);
            child("key", k.key);
          } else if constexpr (std::is_same_v<K, ast::Conditional>) {
            child("condition", k.condition);
            child("then", k.then_value);
            child("else", k.else_value);
          } else if constexpr (std::is_same_v<K, ast::UnknownValue>) {
            for (std::size_t i = 0; i < k.facts.size(); ++i) child(fmt::format("facts[{}]", i), k.facts[i]);
          }
        },
        e.kind);
  }

  void file_items(int depth, const ast::File& f) {
    if (f.header) header(depth, *f.header);
    for (const ast::Item& item : f.items) {
      std::visit([&](const auto& k) { this->item(depth, k); }, item);
    }
  }

  void comments(int depth, const ast::File& f) {
    for (const ast::Comment& c : f.comments) line(depth, fmt::format("Comment {} {}", at(c.span), c.text));
  }

  void rule(int depth, const ast::Rule& r, const std::string& heading) {
    line(depth, heading);
    int d = depth + 1;
    if (r.cite) line(d, "cite " + escape_string(*r.cite));
    for (const ast::Ident& t : r.tags) line(d, fmt::format("tag {} {}", t.text, at(t.span)));
    if (r.effective) line(d, "effective " + date_range_text(*r.effective));
    if (r.when) expr(d, "when", *r.when);
    for (const ast::OverrideTarget& o : r.overrides) {
      line(d, fmt::format("overrides {}{} {}", o.by_tag ? "tagged " : "", o.name, at(o.span)));
    }
    if (r.cover) line(d, fmt::format("cover {}", at(*r.cover)));
    if (r.direct) {
      line(d, fmt::format("direct {}{} {}", decision_name(r.direct->decision),
                          r.direct->message ? " " + escape_string(r.direct->message->text) : "", at(r.direct->span)));
    }
    if (r.route) line(d, fmt::format("route {} {}", r.route->text, at(r.route->span)));
    for (std::size_t i = 0; i < r.requirements.size(); ++i) requirement(d, i, r.requirements[i]);
    for (const ast::Grant& g : r.grants) {
      if (!g.amount_expr) {
        line(d, fmt::format("authorize {} {} {}", g.amount, g.unit, at(g.span)));
        continue;
      }
      line(d, fmt::format("authorize {} {}", g.unit, at(g.span)));
      expr(d + 1, "amount", *g.amount_expr);
    }
    for (const ast::Message& m : r.next_steps) line(d, fmt::format("next {} {}", escape_string(m.text), at(m.span)));
    for (const ast::Message& m : r.warnings) line(d, fmt::format("warning {} {}", escape_string(m.text), at(m.span)));
  }

 private:
  std::string describe(const ast::Expr& e) const {
    return std::visit(
        [&](const auto& k) -> std::string {
          using K = std::decay_t<decltype(k)>;
          if constexpr (std::is_same_v<K, ast::BoolLiteral>) return k.value ? "BoolLiteral true" : "BoolLiteral false";
          else if constexpr (std::is_same_v<K, ast::IntLiteral>) return fmt::format("IntLiteral {}", k.value);
          else if constexpr (std::is_same_v<K, ast::DecimalLiteral>) return "DecimalLiteral " + k.text;
          else if constexpr (std::is_same_v<K, ast::StringLiteral>) return "StringLiteral " + escape_string(k.value);
          else if constexpr (std::is_same_v<K, ast::DateLiteral>) return "DateLiteral " + format_iso_date(k.days);
          else if constexpr (std::is_same_v<K, ast::DurationLiteral>) {
            const char* unit = k.unit == ast::DurationUnit::days    ? "days"
                               : k.unit == ast::DurationUnit::weeks ? "weeks"
                                                                    : "months";
            return fmt::format("DurationLiteral {} {}", k.amount, unit);
          } else if constexpr (std::is_same_v<K, ast::NameRef>) return "NameRef " + k.name;
          else if constexpr (std::is_same_v<K, ast::MemberAccess>) return "MemberAccess ." + k.field.text;
          else if constexpr (std::is_same_v<K, ast::Unary>) return fmt::format("Unary {}", spelling(k.op));
          else if constexpr (std::is_same_v<K, ast::Binary>) return fmt::format("Binary {}", spelling(k.op));
          else if constexpr (std::is_same_v<K, ast::Membership>)
            return fmt::format("Membership {}", spelling(predicate_op(k)));
          else if constexpr (std::is_same_v<K, ast::SetLiteral>)
            return fmt::format("SetLiteral ({} items)", k.items.size());
          else if constexpr (std::is_same_v<K, ast::CodeSetLiteral>) {
            std::string entries;
            for (std::size_t i = 0; i < k.entries.size(); ++i)
              entries += (i ? ", " : "") + code_entry_text(k.entries[i]);
            return fmt::format("CodeSetLiteral {} {{ {} }}", k.system.text, entries);
          } else if constexpr (std::is_same_v<K, ast::SetOperation>)
            return k.difference ? "SetOperation -" : "SetOperation |";
          else if constexpr (std::is_same_v<K, ast::Presence>)
            return fmt::format("Presence {}", spelling(predicate_op(k)));
          else if constexpr (std::is_same_v<K, ast::Within>) {
            return fmt::format("Within {}", spelling(k.direction));
          } else if constexpr (std::is_same_v<K, ast::Call>) return "Call " + k.function.text;
          else if constexpr (std::is_same_v<K, ast::Quantifier>) {
            const char* kind = k.kind == ast::QuantifierKind::any     ? "any"
                               : k.kind == ast::QuantifierKind::all   ? "all"
                               : k.kind == ast::QuantifierKind::count ? "count"
                                                                      : "count distinct";
            return fmt::format("Quantifier {}{}", kind, k.variable ? " " + k.variable->text : "");
          } else if constexpr (std::is_same_v<K, ast::UnknownValue>) {
            return fmt::format("UnknownValue ({} fact{})", k.facts.size(), k.facts.size() == 1 ? "" : "s");
          } else return "Conditional";
        },
        e.kind);
  }

  // ` : type -> resolution` in the checked dump; nothing in the AST dump.
  std::string annotation(ast::NodeId id) const {
    if (!checked_) return "";
    std::string out;
    if (id < checked_->types.size() && checked_->types[id].base != BaseType::error) {
      out += " : " + checked_->schema.type_name(checked_->types[id]);
    }
    if (id < checked_->resolutions.size()) {
      std::string r = resolution(checked_->resolutions[id]);
      if (!r.empty()) out += " -> " + r;
    }
    return out;
  }

  std::string field_name(std::uint32_t record, std::uint32_t field) const {
    const Schema& s = checked_->schema;
    if (record >= s.records.size() || field >= s.records[record].fields.size()) return "?";
    return s.records[record].name + "." + s.records[record].fields[field].name;
  }

  std::string resolution(const Resolution& r) const {
    const CheckedRuleSet& c = *checked_;
    return std::visit(
        [&](const auto& k) -> std::string {
          using K = std::decay_t<decltype(k)>;
          if constexpr (std::is_same_v<K, std::monostate>) return "";
          else if constexpr (std::is_same_v<K, RefVariable>) return fmt::format("variable bound by #{}", k.binder);
          else if constexpr (std::is_same_v<K, RefDefineParam>) {
            return fmt::format("parameter {} of define {}", k.index, c.defines.at(k.define).decl->name.text);
          } else if constexpr (std::is_same_v<K, RefField>) return "field " + field_name(k.record, k.field);
          else if constexpr (std::is_same_v<K, RefSelfField>) return "sibling field " + field_name(k.record, k.field);
          else if constexpr (std::is_same_v<K, RefDefine>) return "define " + c.defines.at(k.define).decl->name.text;
          else if constexpr (std::is_same_v<K, RefCodeSet>)
            return "codeset " + c.codesets.at(k.codeset).decl->name.text;
          else if constexpr (std::is_same_v<K, RefParam>) return "param " + c.params.at(k.param).qualified;
          else if constexpr (std::is_same_v<K, RefBenefit>) return "the routed benefit";
          else if constexpr (std::is_same_v<K, RefDecision>) return "the decision";
          else if constexpr (std::is_same_v<K, RefEnumMember>) {
            const EnumType& e = c.schema.enums.at(k.enumeration);
            return fmt::format("member {}.{}", e.name, k.member < e.members.size() ? e.members[k.member] : "?");
          } else {
            return k.function == Builtin::years_between ? "built-in years_between"
                   : k.function == Builtin::min         ? "built-in min"
                                                        : "built-in max";
          }
        },
        r);
  }

  void header(int depth, const ast::Header& h) {
    const char* kind = h.kind == ast::FileKind::policy   ? "policy"
                       : h.kind == ast::FileKind::module ? "module"
                                                         : "schema";
    line(depth, fmt::format("Header {} {} {} {}", kind, h.id.text, escape_string(h.title), at(h.span)));
    if (h.version) line(depth + 1, "version " + escape_string(*h.version));
    if (h.effective) line(depth + 1, "effective " + date_range_text(*h.effective));
    if (h.default_decision) {
      line(depth + 1, fmt::format("default {}{}", decision_name(*h.default_decision),
                                  h.default_message ? " " + escape_string(*h.default_message) : ""));
    }
    if (h.source) line(depth + 1, "source " + escape_string(*h.source));
  }

  void requirement(int depth, std::size_t index, const ast::Requirement& q) {
    const char* kind = q.kind == ast::Requirement::Kind::criterion  ? "criterion"
                       : q.kind == ast::Requirement::Kind::document ? "document"
                                                                    : "prior_auth";
    line(depth,
         fmt::format("Requirement[{}] {}{} {}", index, kind, q.document ? " " + q.document->text : "", at(q.span)));
    if (q.condition) expr(depth + 1, "condition", *q.condition);
    if (q.cite) line(depth + 1, "cite " + escape_string(*q.cite));
    if (q.effective) line(depth + 1, "effective " + date_range_text(*q.effective));
    if (q.else_decision) {
      line(depth + 1, fmt::format("else {}{}", decision_name(*q.else_decision),
                                  q.else_message ? " " + escape_string(q.else_message->text) : ""));
    }
  }

  static std::string type_text(const ast::TypeRef& t) { return t.list ? "list of " + t.name : t.name; }

  void item(int depth, const ast::Import& i) {
    line(depth, fmt::format("Import {} {}", escape_string(i.path), at(i.span)));
  }
  void item(int depth, const ast::CodeSetDecl& c) {
    line(depth, fmt::format("CodeSetDecl {} {}", c.name.text, at(c.span)));
    expr(depth + 1, "value", *c.value);
  }
  void item(int depth, const ast::Define& d) {
    std::string params;
    for (std::size_t i = 0; i < d.params.size(); ++i) params += (i ? ", " : "") + d.params[i].text;
    line(depth, fmt::format("Define {}{} {}", d.name.text, params.empty() ? "" : "(" + params + ")", at(d.span)));
    expr(depth + 1, "body", *d.body);
  }
  void item(int depth, const ast::ParamDecl& p) {
    line(depth, fmt::format("ParamDecl {}: {} {}", p.name.text, type_text(p.type), at(p.span)));
    if (p.default_value) expr(depth + 1, "default", *p.default_value);
  }
  void item(int depth, const ast::ParamSet& p) {
    line(depth, fmt::format("ParamSet {} {}", p.name.text, at(p.span)));
    expr(depth + 1, "value", *p.value);
  }
  static std::string_view extended(bool yes) { return yes ? "extend " : ""; }
  void item(int depth, const ast::EnumDecl& e) {
    std::string members;
    for (std::size_t i = 0; i < e.members.size(); ++i) members += (i ? ", " : "") + e.members[i].text;
    line(depth, fmt::format("EnumDecl {}{} {{ {} }} {}", extended(e.extended), e.name.text, members, at(e.span)));
  }
  void item(int depth, const ast::SynonymsDecl& s) {
    line(depth, fmt::format("SynonymsDecl {}{} {}", extended(s.extended), s.enumeration.text, at(s.span)));
    for (const ast::SynonymEntry& e : s.entries) {
      std::string texts;
      for (std::size_t i = 0; i < e.texts.size(); ++i) texts += (i ? ", " : "") + escape_string(e.texts[i].text);
      line(depth + 1, fmt::format("SynonymEntry {}: {} {}", e.member.text, texts, at(e.span)));
    }
  }
  void item(int depth, const ast::RecordDecl& r) {
    line(depth, fmt::format("RecordDecl {}{} {}", extended(r.extended), r.name.text, at(r.span)));
    for (const ast::FieldDecl& f : r.fields) {
      line(depth + 1, fmt::format("FieldDecl {}: {}{}{} {}", f.name.text, type_text(f.type),
                                  f.or_none ? " or none" : "", f.exclusive ? " exclusive" : "", at(f.span)));
      if (f.default_value) expr(depth + 2, "default", *f.default_value);
      if (f.derived) expr(depth + 2, "derived", *f.derived);
    }
    for (const ast::CheckDecl& c : r.checks) {
      line(depth + 1,
           fmt::format("CheckDecl {}{} {}", escape_string(c.message), c.warning ? " warning" : "", at(c.span)));
      expr(depth + 2, "condition", *c.condition);
      if (c.guard) expr(depth + 2, "when", *c.guard);
    }
  }
  void item(int depth, const ast::Rule& r) {
    rule(depth, r,
         fmt::format("{} {}{} {}", r.advice ? "Advice" : "Rule", r.name.text,
                     r.title ? " " + escape_string(*r.title) : "", at(r.span)));
  }

  const SourceRegistry& sources_;
  const CheckedRuleSet* checked_;
  std::string out_;
};

}  // namespace

std::string dump_ast(const ast::File& file, const SourceRegistry& sources) {
  TreeDump d(sources, nullptr);
  std::string name = file.file < sources.size() ? sources.file(file.file).name() : "<file>";
  d.line(0, fmt::format("File {} ({} items, {} comments, {} expression nodes)", name, file.items.size(),
                        file.comments.size(), file.node_count));
  d.file_items(1, file);
  d.comments(1, file);
  return d.take();
}

std::string dump_checked(const CheckedRuleSet& set, const SourceRegistry& sources) {
  TreeDump d(sources, &set);
  const Schema& s = set.schema;
  d.line(0, fmt::format("Schema {} version {}: {} enumerations, {} records, root record `{}`", s.name, s.version,
                        s.enums.size(), s.records.size(), s.root < s.records.size() ? s.records[s.root].name : "?"));
  for (const Unit& u : set.units) {
    const char* kind = u.kind == ast::FileKind::policy ? "policy" : "module";
    std::string details = u.version.empty() ? "" : " version " + u.version;
    if (u.effective) details += " effective " + date_range_text(*u.effective);
    if (u.default_decision) details += std::string(" default ") + decision_name(*u.default_decision);
    d.line(0, fmt::format("Unit {} {}{} ({} rules) {}", kind, u.id, details, u.rules.size(), sources.describe(u.span)));
    d.line(1, "digest " + u.digest);
    for (const auto& [param, value] : u.param_sets) d.expr(1, "set " + set.params.at(param).qualified, *value);
  }
  for (const CheckedCodeSet& c : set.codesets) {
    d.line(0,
           fmt::format("CodeSet {} : {} {}", c.decl->name.text, s.type_name(c.type), sources.describe(c.decl->span)));
    d.expr(1, "value", *c.decl->value);
  }
  for (const CheckedDefine& def : set.defines) {
    std::string params;
    for (std::size_t i = 0; i < def.decl->params.size(); ++i) {
      params += (i ? ", " : "") + def.decl->params[i].text;
      if (i < def.param_types.size()) params += ": " + s.type_name(def.param_types[i]);
    }
    std::string result = def.checked ? " : " + s.type_name(def.result) : " (never used)";
    d.line(0, fmt::format("Define {}{}{} {}", def.decl->name.text, params.empty() ? "" : "(" + params + ")", result,
                          sources.describe(def.decl->span)));
    d.expr(1, "body", *def.decl->body);
  }
  for (const CheckedParam& p : set.params) {
    d.line(0, fmt::format("Param {} : {} {}", p.qualified, s.type_name(p.type), sources.describe(p.decl->span)));
    if (p.decl->default_value) d.expr(1, "default", *p.decl->default_value);
  }
  for (const CheckedRule& r : set.rules) {
    std::string overrides;
    for (std::uint32_t o : r.overrides) overrides += (overrides.empty() ? "" : ", ") + set.rules.at(o).display_id;
    const Unit& unit = set.units.at(r.unit);
    std::string heading =
        fmt::format("Rule {} ({}) in {}{}{} {}", r.display_id, rule_kind_name(r.kind), unit.id,
                    unit.version.empty() ? "" : " " + unit.version, overrides.empty() ? "" : ", overrides " + overrides,
                    sources.describe(r.rule->span));
    d.rule(0, *r.rule, heading);
  }
  return d.take();
}

}  // namespace covcheck::dsl
