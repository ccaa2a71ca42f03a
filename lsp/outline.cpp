// Document symbols (the outline: header, rules, defines, code sets, params, schema types)
// and folding ranges, from the document's own syntax tree: they need no imports.
#include "dsl/syntax/parser.hpp"
#include "lsp/features.hpp"

namespace covcheck::lsp {

namespace {

// LSP SymbolKind values.
enum SymbolKindNumber {
  file_kind = 1,
  module_kind = 2,
  field_kind = 8,
  enum_kind = 10,
  function_kind = 12,
  variable_kind = 13,
  constant_kind = 14,
  method_kind = 6,
  enum_member_kind = 22,
  struct_kind = 23
};

struct Parsed {
  dsl::SourceRegistry sources;
  std::optional<ast::File> file;
};

Parsed parse_document(const Document& d) {
  Parsed p;
  dsl::FileId id = p.sources.add(d.path, d.text);
  ast::NodeId next = 0;
  dsl::Diagnostics ignored;
  p.file = dsl::parse_file(p.sources, id, next, ignored);
  return p;
}

Json symbol(const std::string& name, const std::string& detail, int kind, const LineIndex& lines, dsl::SourceSpan whole,
            dsl::SourceSpan name_span) {
  return Json{{"name", name.empty() ? std::string("?") : name},
              {"detail", detail},
              {"kind", kind},
              {"range", to_json(lines.range(whole.begin, whole.end))},
              {"selectionRange", to_json(lines.range(name_span.begin, name_span.end))},
              {"children", Json::array()}};
}

}  // namespace

Json document_symbols(const Analysis&, const Document& document) {
  Parsed p = parse_document(document);
  Json out = Json::array();
  if (!p.file) return out;
  LineIndex lines(document.text);
  Json items = Json::array();
  for (const ast::Item& item : p.file->items) {
    if (const auto* imp = std::get_if<ast::Import>(&item)) {
      items.push_back(symbol(imp->path, "import", file_kind, lines, imp->span, imp->path_span));
    } else if (const auto* cs = std::get_if<ast::CodeSetDecl>(&item)) {
      items.push_back(symbol(cs->name.text, "codeset", constant_kind, lines, cs->span, cs->name.span));
    } else if (const auto* d = std::get_if<ast::Define>(&item)) {
      items.push_back(symbol(d->name.text, "define", function_kind, lines, d->span, d->name.span));
    } else if (const auto* pd = std::get_if<ast::ParamDecl>(&item)) {
      items.push_back(symbol(pd->name.text, "param", variable_kind, lines, pd->span, pd->name.span));
    } else if (const auto* ps = std::get_if<ast::ParamSet>(&item)) {
      items.push_back(symbol(ps->name.text, "set", variable_kind, lines, ps->span, ps->name.span));
    } else if (const auto* e = std::get_if<ast::EnumDecl>(&item)) {
      Json s = symbol(e->name.text, "enum", enum_kind, lines, e->span, e->name.span);
      for (const ast::Ident& m : e->members)
        s["children"].push_back(symbol(m.text, "", enum_member_kind, lines, m.span, m.span));
      items.push_back(std::move(s));
    } else if (const auto* r = std::get_if<ast::RecordDecl>(&item)) {
      Json s = symbol(r->name.text, "record", struct_kind, lines, r->span, r->name.span);
      for (const ast::FieldDecl& f : r->fields)
        s["children"].push_back(symbol(f.name.text, f.type.list ? "list of " + f.type.name : f.type.name, field_kind,
                                       lines, f.span, f.name.span));
      items.push_back(std::move(s));
    } else if (const auto* rule = std::get_if<ast::Rule>(&item)) {
      items.push_back(symbol(rule->name.text, rule->title.value_or(rule->advice ? "advice" : "rule"), method_kind,
                             lines, rule->span, rule->name.span));
    }
  }
  if (p.file->header) {
    const ast::Header& h = *p.file->header;
    static const char* kinds[] = {"library", "policy", "module", "schema"};
    dsl::SourceSpan whole{h.span.file, h.span.begin, static_cast<std::uint32_t>(document.text.size())};
    Json root = symbol(h.id.text, std::string(kinds[static_cast<int>(h.kind)]) + (h.version ? " " + *h.version : ""),
                       module_kind, lines, whole, h.id.span);
    root["children"] = std::move(items);
    out.push_back(std::move(root));
    return out;
  }
  return items;
}

Json folding_ranges(const Analysis&, const Document& document) {
  Parsed p = parse_document(document);
  Json out = Json::array();
  LineIndex lines(document.text);
  auto fold = [&](std::uint32_t begin, std::uint32_t end, const char* kind) {
    std::uint32_t first = lines.position(begin).line, last = lines.position(end).line;
    if (last <= first) return;
    Json r{{"startLine", first}, {"endLine", last}};
    if (kind) r["kind"] = kind;
    out.push_back(std::move(r));
  };
  if (p.file) {
    for (const ast::Item& item : p.file->items) {
      dsl::SourceSpan span = std::visit([](const auto& i) { return i.span; }, item);
      fold(span.begin, span.end, nullptr);
      if (const auto* rule = std::get_if<ast::Rule>(&item))
        for (const ast::Requirement& q : rule->requirements) fold(q.span.begin, q.span.end, nullptr);
    }
    // Runs of two or more whole-line comments fold as one.
    const auto& comments = p.file->comments;
    for (std::size_t i = 0; i < comments.size();) {
      std::size_t j = i;
      while (j + 1 < comments.size() &&
             lines.position(comments[j + 1].span.begin).line == lines.position(comments[j].span.begin).line + 1)
        ++j;
      if (j > i) fold(comments[i].span.begin, comments[j].span.end, "comment");
      i = j + 1;
    }
  }
  return out;
}

}  // namespace covcheck::lsp
