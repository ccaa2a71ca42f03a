// Building an Analysis: the CLI's stages (load, check, lint) over editor buffers, then a
// walk over every file's syntax tree recording which symbol each name denotes.
#include "lsp/analysis.hpp"

#include <filesystem>

#include "dsl/check/checker.hpp"
#include "dsl/lint/lint.hpp"
#include "dsl/syntax/rule_files.hpp"

namespace covcheck::lsp {

namespace fs = std::filesystem;

namespace {

using Kind = Symbol::Kind;

class Indexer {
 public:
  Indexer(Analysis& a) : a_(a), rs_(*a.checked) {}

  void run() {
    for (std::size_t fi = 0; fi < rs_.files.files.size(); ++fi) index_file(fi);
  }

 private:
  void add(dsl::SourceSpan span, Symbol s, bool declaration, std::optional<ast::NodeId> expr = {}) {
    if (span.file == dsl::no_file) return;
    a_.occurrences.push_back({span, s, declaration, expr});
  }

  void index_file(std::size_t fi) {
    const ast::File& file = rs_.files.files[fi];
    for (const ast::Item& item : file.items) {
      if (const auto* imp = std::get_if<ast::Import>(&item)) {
        std::string dir = fs::path(a_.sources.file(file.file).name()).parent_path().generic_string();
        std::string key = dsl::canonical_rule_path(fs::path(dir) / imp->path);
        for (std::size_t k = 0; k < rs_.files.canonical_paths.size(); ++k)
          if (rs_.files.canonical_paths[k] == key)
            add(imp->path_span, {Kind::file, static_cast<std::uint32_t>(k)}, false);
      } else if (const auto* cs = std::get_if<ast::CodeSetDecl>(&item)) {
        for (std::uint32_t i = 0; i < rs_.codesets.size(); ++i)
          if (rs_.codesets[i].decl == cs) add(cs->name.span, {Kind::codeset, i}, true);
        expr(cs->value.get());
      } else if (const auto* d = std::get_if<ast::Define>(&item)) {
        for (std::uint32_t i = 0; i < rs_.defines.size(); ++i) {
          if (rs_.defines[i].decl != d) continue;
          add(d->name.span, {Kind::define, i}, true);
          for (std::uint32_t p = 0; p < d->params.size(); ++p) add(d->params[p].span, {Kind::define_param, i, p}, true);
        }
        expr(d->body.get());
      } else if (const auto* p = std::get_if<ast::ParamDecl>(&item)) {
        for (std::uint32_t i = 0; i < rs_.params.size(); ++i)
          if (rs_.params[i].decl == p) add(p->name.span, {Kind::param, i}, true);
        type_ref(p->type);
        expr(p->default_value.get());
      } else if (const auto* s = std::get_if<ast::ParamSet>(&item)) {
        for (const dsl::Unit& u : rs_.units)
          for (const auto& [param, value] : u.param_sets)
            if (value == s->value.get()) add(s->name.span, {Kind::param, param}, false);
        expr(s->value.get());
      } else if (const auto* e = std::get_if<ast::EnumDecl>(&item)) {
        if (auto en = rs_.schema.find_enum(e->name.text)) {
          add(e->name.span, {Kind::enumeration, *en}, !e->extended);
          for (const ast::Ident& m : e->members)
            if (auto k = rs_.schema.enums[*en].find(m.text)) add(m.span, {Kind::enum_member, *en, *k}, true);
        }
      } else if (const auto* r = std::get_if<ast::RecordDecl>(&item)) {
        auto rec = rs_.schema.find_record(r->name.text);
        if (rec) add(r->name.span, {Kind::record, *rec}, !r->extended);
        for (const ast::FieldDecl& f : r->fields) {
          if (rec)
            if (auto k = rs_.schema.records[*rec].find(f.name.text)) add(f.name.span, {Kind::field, *rec, *k}, true);
          type_ref(f.type);
          expr(f.default_value.get());
          expr(f.derived.get());
        }
        for (const ast::CheckDecl& c : r->checks) expr(c.condition.get());
      } else if (const auto* rule = std::get_if<ast::Rule>(&item)) {
        index_rule(*rule);
      }
    }
  }

  void index_rule(const ast::Rule& r) {
    for (std::uint32_t i = 0; i < rs_.rules.size(); ++i)
      if (rs_.rules[i].rule == &r) add(r.name.span, {Kind::rule, i}, true);
    for (const ast::OverrideTarget& t : r.overrides) {
      if (t.by_tag) continue;
      for (std::uint32_t i = 0; i < rs_.rules.size(); ++i)
        if (rs_.rules[i].qualified_id == t.name || rs_.rules[i].display_id == t.name) {
          add(t.span, {Kind::rule, i}, false);
          break;
        }
    }
    expr(r.when.get());
    if (r.route && rs_.benefit_enum)
      if (auto m = rs_.schema.enums[*rs_.benefit_enum].find(r.route->text))
        add(r.route->span, {Kind::enum_member, *rs_.benefit_enum, *m}, false);
    for (const ast::Requirement& q : r.requirements) {
      expr(q.condition.get());
      if (q.document && rs_.document_enum)
        if (auto m = rs_.schema.enums[*rs_.document_enum].find(q.document->text))
          add(q.document->span, {Kind::enum_member, *rs_.document_enum, *m}, false);
    }
    for (const ast::Grant& g : r.grants) expr(g.amount_expr.get());
  }

  void type_ref(const ast::TypeRef& t) {
    if (auto e = rs_.schema.find_enum(t.name)) add(t.span, {Kind::enumeration, *e}, false);
    else if (auto r = rs_.schema.find_record(t.name)) add(t.span, {Kind::record, *r}, false);
  }

  std::optional<Symbol> symbol_of(const dsl::Resolution& r) const {
    return std::visit(
        [](const auto& v) -> std::optional<Symbol> {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, dsl::RefVariable>) return Symbol{Kind::variable, v.binder};
          else if constexpr (std::is_same_v<T, dsl::RefDefineParam>)
            return Symbol{Kind::define_param, v.define, v.index};
          else if constexpr (std::is_same_v<T, dsl::RefField> || std::is_same_v<T, dsl::RefSelfField>)
            return Symbol{Kind::field, v.record, v.field};
          else if constexpr (std::is_same_v<T, dsl::RefDefine>) return Symbol{Kind::define, v.define};
          else if constexpr (std::is_same_v<T, dsl::RefCodeSet>) return Symbol{Kind::codeset, v.codeset};
          else if constexpr (std::is_same_v<T, dsl::RefParam>) return Symbol{Kind::param, v.param};
          else if constexpr (std::is_same_v<T, dsl::RefEnumMember>)
            return Symbol{Kind::enum_member, v.enumeration, v.member};
          else return std::nullopt;
        },
        r);
  }

  void expr(const ast::Expr* e) {
    if (!e) return;
    std::optional<Symbol> s = e->id < rs_.resolutions.size() ? symbol_of(rs_.resolutions[e->id]) : std::nullopt;
    std::visit(
        [&](const auto& k) {
          using T = std::decay_t<decltype(k)>;
          if constexpr (std::is_same_v<T, ast::NameRef>) {
            if (s) add(e->span, *s, false, e->id);
          } else if constexpr (std::is_same_v<T, ast::MemberAccess>) {
            if (s && s->kind == Kind::field) {
              add(k.field.span, *s, false, e->id);
              expr(k.object.get());
            } else if (s) {
              add(e->span, *s, false, e->id);  // a qualified name: `claims.filing_days`
            } else {
              expr(k.object.get());
            }
          } else if constexpr (std::is_same_v<T, ast::Unary>) {
            expr(k.operand.get());
          } else if constexpr (std::is_same_v<T, ast::Binary>) {
            expr(k.lhs.get());
            expr(k.rhs.get());
          } else if constexpr (std::is_same_v<T, ast::Membership>) {
            expr(k.item.get());
            expr(k.set.get());
          } else if constexpr (std::is_same_v<T, ast::SetLiteral>) {
            for (const ast::ExprPtr& i : k.items) expr(i.get());
          } else if constexpr (std::is_same_v<T, ast::SetOperation>) {
            expr(k.lhs.get());
            expr(k.rhs.get());
          } else if constexpr (std::is_same_v<T, ast::Presence>) {
            expr(k.operand.get());
          } else if constexpr (std::is_same_v<T, ast::Within>) {
            expr(k.subject.get());
            expr(k.amount.get());
            expr(k.anchor.get());
          } else if constexpr (std::is_same_v<T, ast::Call>) {
            if (s) add(k.function.span, *s, false, e->id);
            for (const ast::ExprPtr& i : k.args) expr(i.get());
          } else if constexpr (std::is_same_v<T, ast::Quantifier>) {
            expr(k.list.get());
            if (k.variable) add(k.variable->span, {Kind::variable, e->id}, true);
            expr(k.filter.get());
            expr(k.key.get());
          } else if constexpr (std::is_same_v<T, ast::Conditional>) {
            expr(k.condition.get());
            expr(k.then_value.get());
            expr(k.else_value.get());
          }
        },
        e->kind);
  }

  Analysis& a_;
  const dsl::CheckedRuleSet& rs_;
};

// The linter reports unused declarations by reachability, which subsumes these checker
// warnings (as `covcheck lint` does).
bool superseded(const std::string& code) { return code.rfind("check.unused_", 0) == 0; }

// A library opened on its own has no rules: whether its defines and code sets are used
// depends on the policies that import it, so "unused" would flag every one of them.
bool unused_declaration(const std::string& code) {
  return code == "check.unused_define" || code == "check.unused_codeset";
}

}  // namespace

const Occurrence* Analysis::occurrence_at(dsl::FileId in, std::uint32_t offset) const {
  const Occurrence* best = nullptr;
  for (const Occurrence& o : occurrences) {
    if (o.span.file != in || o.span.begin > offset || offset > o.span.end) continue;
    if (!best || o.span.end - o.span.begin < best->span.end - best->span.begin) best = &o;
  }
  return best;
}

const Occurrence* Analysis::declaration_of(const Symbol& s) const {
  for (const Occurrence& o : occurrences)
    if (o.declaration && o.symbol == s) return &o;
  return nullptr;
}

std::unique_ptr<Analysis> analyse(const Document& document, const DocumentStore& documents) {
  auto a = std::make_unique<Analysis>();
  a->uri = document.uri;
  a->path = document.path;
  dsl::SourceOverlay overlay = documents.overlay();
  overlay[dsl::canonical_rule_path(document.path)] = document.text;
  dsl::RuleFiles files;
  dsl::Diagnostics loading;
  dsl::load_rule_files({document.path}, a->sources, files, loading, &overlay);
  // The document is the first file loaded into the fresh registry.
  if (a->sources.size() > 0) a->file = 0;
  a->parsed = !files.files.empty() && a->file && files.files.front().file == *a->file;
  a->diagnostics.append(loading);
  if (a->parsed && !loading.has_errors()) {
    dsl::Diagnostics checking;
    a->checked = dsl::check_rule_set_for_editor(std::move(files), a->sources, checking);
    if (a->checked && !checking.has_errors()) {
      for (const dsl::Diagnostic& d : checking.items())
        if (!superseded(d.code)) a->diagnostics.add(d);
      bool library = !a->checked->files.files.front().header;
      dsl::Diagnostics findings = dsl::lint_rule_set(*a->checked, a->sources);
      for (const dsl::Diagnostic& d : findings.items())
        if (!(library && d.span.file == *a->file && unused_declaration(d.code))) a->diagnostics.add(d);
    } else {
      a->diagnostics.append(checking);
    }
    if (a->checked) {
      a->file_index = 0;
      Indexer(*a).run();
    }
  }
  a->diagnostics.sort();
  return a;
}

}  // namespace covcheck::lsp
