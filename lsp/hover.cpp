// Hover: what the name under the cursor denotes, its type and its documentation (the
// comment above its declaration), with a declaration's source where that says most.
#include <fmt/format.h>

#include "lsp/features.hpp"

namespace covcheck::lsp {

namespace {

using Kind = Symbol::Kind;

std::string code_block(std::string_view text, std::size_t max_lines = 24) {
  std::string out = "```cpl\n";
  std::size_t lines = 0, i = 0;
  for (; i < text.size() && lines < max_lines; ++i) {
    out += text[i];
    if (text[i] == '\n') ++lines;
  }
  if (i < text.size()) out += "\n…";
  if (out.back() != '\n') out += '\n';
  return out + "```";
}

std::string_view source_of(const Analysis& a, dsl::SourceSpan span) { return a.sources.file(span.file).slice(span); }

const char* decision_word(ast::Decision d) {
  switch (d) {
    case ast::Decision::covered: return "covered";
    case ast::Decision::pend: return "pend";
    case ast::Decision::denied: return "denied";
    case ast::Decision::excluded: return "excluded";
  }
  return "?";
}

std::string entry_text(const ast::CodeEntry& e, const std::string& system) {
  std::string s;
  if (e.wildcard) s = fmt::format("`{}*`: every {} code starting with `{}`", e.low, system, e.low);
  else if (!e.high.empty())
    s = fmt::format("`{} .. {}`: the {} codes from `{}` to `{}`", e.low, e.high, system, e.low, e.high);
  else s = fmt::format("`{}`", e.low);
  if (e.effective) s += " (dated)";
  return s;
}

void codeset_entries(const ast::Expr& e, std::string& out, std::size_t& shown) {
  if (const auto* c = std::get_if<ast::CodeSetLiteral>(&e.kind)) {
    out += fmt::format("\n\n{} entries ({}):", c->entries.size(), c->system.text);
    for (const ast::CodeEntry& entry : c->entries) {
      if (++shown > 40) {
        out += "\n- …";
        return;
      }
      out += "\n- " + entry_text(entry, c->system.text);
    }
  } else if (const auto* op = std::get_if<ast::SetOperation>(&e.kind)) {
    codeset_entries(*op->lhs, out, shown);
    if (op->difference) out += "\n\nminus:";
    codeset_entries(*op->rhs, out, shown);
  }
}

std::string rule_text(const Analysis& a, std::uint32_t index) {
  const dsl::CheckedRule& cr = a.checked->rules[index];
  const ast::Rule& r = *cr.rule;
  std::string out = fmt::format("**{} `{}`**", r.advice ? "advice" : "rule", cr.qualified_id);
  if (r.title) out += fmt::format(" — {}", *r.title);
  static const char* kinds[] = {"coverage (covers the service when its requirements hold)",
                                "restriction (requirements that must hold for coverage)", "direct effect",
                                "advice (next steps only)"};
  out += fmt::format("\n\nkind: {}", kinds[static_cast<int>(cr.kind)]);
  if (r.direct) {
    out += fmt::format("\n\neffect: {}", decision_word(r.direct->decision));
    if (r.direct->message) out += fmt::format(" \"{}\"", r.direct->message->text);
  }
  if (r.route) out += fmt::format("\n\nroutes to benefit `{}`", r.route->text);
  for (const ast::Requirement& q : r.requirements) {
    std::string what = q.kind == ast::Requirement::Kind::document
                           ? "document `" + (q.document ? q.document->text : "") + "`"
                       : q.kind == ast::Requirement::Kind::prior_auth ? std::string("prior authorization")
                                                                      : std::string("criterion");
    out += fmt::format("\n- requires {} else {}", what, q.else_decision ? decision_word(*q.else_decision) : "denied");
    if (q.else_message) out += fmt::format(" \"{}\"", q.else_message->text);
  }
  out += r.cite ? fmt::format("\n\ncitation: {}", *r.cite) : std::string("\n\nno citation");
  for (std::uint32_t o : cr.overrides) out += fmt::format("\n\noverrides `{}`", a.checked->rules[o].qualified_id);
  return out;
}

std::string symbol_text(const Analysis& a, const Occurrence& o) {
  const dsl::CheckedRuleSet& rs = *a.checked;
  const dsl::Schema& schema = rs.schema;
  const Symbol& s = o.symbol;
  switch (s.kind) {
    case Kind::define: {
      const dsl::CheckedDefine& d = rs.defines[s.a];
      std::string out = code_block(source_of(a, d.decl->span));
      if (d.checked) out += fmt::format("\n\ntype: `{}`", schema.type_name(d.result));
      return out;
    }
    case Kind::define_param: {
      const dsl::CheckedDefine& d = rs.defines[s.a];
      std::string type = s.b < d.param_types.size() ? schema.type_name(d.param_types[s.b]) : std::string("unknown");
      return fmt::format("parameter `{}` of define `{}`: `{}`", d.decl->params[s.b].text, d.decl->name.text, type);
    }
    case Kind::codeset: {
      const dsl::CheckedCodeSet& c = rs.codesets[s.a];
      std::string out = fmt::format("code set `{}`: `{}`", c.decl->name.text, schema.type_name(c.type));
      std::size_t shown = 0;
      if (c.decl->value) codeset_entries(*c.decl->value, out, shown);
      if (shown == 0) out += "\n\n" + code_block(source_of(a, c.decl->span));
      return out;
    }
    case Kind::param: {
      const dsl::CheckedParam& p = rs.params[s.a];
      return fmt::format("param `{}`: `{}`\n\n{}", p.qualified, schema.type_name(p.type),
                         code_block(source_of(a, p.decl->span)));
    }
    case Kind::rule: return rule_text(a, s.a);
    case Kind::field: {
      const dsl::RecordType& r = schema.records[s.a];
      const dsl::FieldInfo& f = r.fields[s.b];
      std::string out = fmt::format("field `{}.{}`: `{}`", r.name, f.name, schema.type_name(f.type));
      if (f.derived) out += fmt::format("\n\nderived: `{}`", source_of(a, f.derived->span));
      if (f.exclusive) out += "\n\nexclusive: at most one element sets it";
      return out;
    }
    case Kind::enumeration: {
      const dsl::EnumType& e = schema.enums[s.a];
      std::string members;
      for (const std::string& m : e.members) members += (members.empty() ? "" : ", ") + m;
      return fmt::format("enum `{}` {{ {} }}", e.name, members);
    }
    case Kind::enum_member:
      return fmt::format("`{}`: member of enum `{}`", schema.enums[s.a].members[s.b], schema.enums[s.a].name);
    case Kind::record: {
      const dsl::RecordType& r = schema.records[s.a];
      std::string out = fmt::format("record `{}`", r.name);
      for (const dsl::FieldInfo& f : r.fields) out += fmt::format("\n- `{}`: `{}`", f.name, schema.type_name(f.type));
      return out;
    }
    case Kind::variable: {
      // A use has the variable's type; the declaration takes it from any use.
      std::string type;
      for (const Occurrence& use : a.occurrences)
        if (use.symbol == s && use.expr && *use.expr < rs.types.size()) {
          type = schema.type_name(rs.types[*use.expr]);
          break;
        }
      return fmt::format("variable `{}`{}", source_of(a, o.span), type.empty() ? "" : fmt::format(": `{}`", type));
    }
    case Kind::file: {
      const ast::File& f = rs.files.files[s.a];
      std::string out = fmt::format("file `{}`", a.sources.file(f.file).name());
      if (f.header)
        out += fmt::format("\n\n{} `{}` \"{}\"",
                           f.header->kind == ast::FileKind::policy   ? "policy"
                           : f.header->kind == ast::FileKind::module ? "module"
                           : f.header->kind == ast::FileKind::schema ? "schema"
                                                                     : "library",
                           f.header->id.text, f.header->title);
      return out;
    }
  }
  return {};
}

}  // namespace

Json hover(const Analysis& a, std::uint32_t offset) {
  if (!a.checked || !a.file) return nullptr;
  const Occurrence* o = a.occurrence_at(*a.file, offset);
  if (!o) return nullptr;
  std::string text = symbol_text(a, *o);
  if (const Occurrence* decl = a.declaration_of(o->symbol)) {
    dsl::SourceSpan doc_span = decl->span;
    // A declaration's comment sits above the whole declaration, not above its name.
    if (o->symbol.kind == Kind::define) doc_span = a.checked->defines[o->symbol.a].decl->span;
    else if (o->symbol.kind == Kind::codeset) doc_span = a.checked->codesets[o->symbol.a].decl->span;
    else if (o->symbol.kind == Kind::param) doc_span = a.checked->params[o->symbol.a].decl->span;
    else if (o->symbol.kind == Kind::rule) doc_span = a.checked->rules[o->symbol.a].rule->span;
    else if (o->symbol.kind == Kind::field) doc_span = a.checked->schema.records[o->symbol.a].fields[o->symbol.b].span;
    else if (o->symbol.kind == Kind::enumeration) doc_span = a.checked->schema.enums[o->symbol.a].span;
    else if (o->symbol.kind == Kind::record) doc_span = a.checked->schema.records[o->symbol.a].span;
    std::string doc = doc_comment(a, doc_span);
    if (!doc.empty()) text += "\n\n---\n\n" + doc;
  }
  LineIndex lines(a.sources.file(*a.file).text());
  return Json{{"contents", {{"kind", "markdown"}, {"value", text}}},
              {"range", to_json(lines.range(o->span.begin, o->span.end))}};
}

}  // namespace covcheck::lsp
