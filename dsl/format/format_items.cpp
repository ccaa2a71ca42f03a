// The formatter's declarations: the header and each item laid out into lines, one chunk per
// top-level construct, in the canonical layout of docs/formatting.md (rule clauses two spaces
// in, one per line, in a fixed order; `cite`/`else` of a long criterion on their own lines).
#include <algorithm>

#include "dsl/format/format_internal.hpp"

namespace covcheck::dsl::format_detail {

namespace {

const char* decision_word(ast::Decision d) {
  switch (d) {
    case ast::Decision::covered: return "covered";
    case ast::Decision::pend: return "pend";
    case ast::Decision::denied: return "denied";
    case ast::Decision::excluded: return "excluded";
  }
  return "denied";
}

// The verb spelling of an effect: `deny`, `exclude`, `pend`.
const char* effect_word(ast::Decision d) {
  switch (d) {
    case ast::Decision::denied: return "deny";
    case ast::Decision::excluded: return "exclude";
    default: return "pend";
  }
}

std::string type_text(const ast::TypeRef& t) { return t.list ? "list of " + t.name : t.name; }

std::string join_idents(const std::vector<ast::Ident>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i].text;
  return out;
}

class ItemLayout {
 public:
  ItemLayout(const SourceContext& source, int width) : src_(source), width_(width) {}

  Chunk header(const ast::Header& h);
  Chunk item(const ast::Item& item);

 private:
  Chunk start(ChunkKind kind, SourceSpan span) { return Chunk{kind, span, {}}; }
  Chunk import(const ast::Import& i);
  Chunk codeset(const ast::CodeSetDecl& c);
  Chunk define(const ast::Define& d);
  Chunk param(const ast::ParamDecl& p);
  Chunk param_set(const ast::ParamSet& p);
  Chunk enumeration(const ast::EnumDecl& e);
  Chunk record(const ast::RecordDecl& r);
  Chunk synonyms(const ast::SynonymsDecl& s);
  Chunk rule(const ast::Rule& r);
  void requirement(Writer& w, const ast::Requirement& req);
  void set_block(Writer& w, const ast::Expr& e, int indent);
  void grouped_list(Writer& w, const std::vector<std::pair<std::string, std::uint32_t>>& entries, int indent);
  Chunk finish(Chunk c, Writer& w) {
    c.lines = std::move(w.lines());
    return c;
  }

  const SourceContext& src_;
  int width_;
};

Chunk ItemLayout::header(const ast::Header& h) {
  const char* kind = h.kind == ast::FileKind::policy ? "policy" : h.kind == ast::FileKind::module ? "module" : "schema";
  std::string first = std::string(kind) + " " + h.id.text + " " + escape_string(h.title);
  // (keyword, text, atom) of each option, in canonical order.
  std::vector<std::pair<std::string, std::optional<std::uint32_t>>> options;
  auto at = [&](std::string_view word) { return src_.find_word(h.id.span.end, h.span.end, word); };
  if (h.version) options.emplace_back("version " + escape_string(*h.version), at("version"));
  if (h.effective) options.emplace_back("effective " + date_range_text(*h.effective), h.effective->span.begin);
  if (h.default_decision) {
    std::string text = std::string("default ") + decision_word(*h.default_decision);
    if (h.default_message) text += " " + escape_string(*h.default_message);
    options.emplace_back(text, at("default"));
  }
  if (h.source) options.emplace_back("source " + escape_string(*h.source), at("source"));

  Writer w(width_);
  w.line(0);
  w.add(first, h.span.begin);
  std::string one_line = first;
  for (const auto& [text, _] : options) one_line += " " + text;
  std::size_t i = 0;
  if (text_width(one_line) <= width_) {
    i = options.size();
    for (const auto& [text, atom] : options) w.add(" " + text, atom);
  } else if (h.version && w.fits(1 + text_width(options[0].first))) {
    w.add(" " + options[0].first, options[0].second);
    i = 1;
  }
  for (; i < options.size(); ++i) {
    w.line(2);
    w.add(options[i].first, options[i].second);
  }
  return finish(start(ChunkKind::header, h.span), w);
}

Chunk ItemLayout::item(const ast::Item& item) {
  return std::visit(
      [&](const auto& k) -> Chunk {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, ast::Import>) return import(k);
        else if constexpr (std::is_same_v<K, ast::CodeSetDecl>) return codeset(k);
        else if constexpr (std::is_same_v<K, ast::Define>) return define(k);
        else if constexpr (std::is_same_v<K, ast::ParamDecl>) return param(k);
        else if constexpr (std::is_same_v<K, ast::ParamSet>) return param_set(k);
        else if constexpr (std::is_same_v<K, ast::EnumDecl>) return enumeration(k);
        else if constexpr (std::is_same_v<K, ast::RecordDecl>) return record(k);
        else if constexpr (std::is_same_v<K, ast::SynonymsDecl>) return synonyms(k);
        else return rule(k);
      },
      item);
}

Chunk ItemLayout::import(const ast::Import& i) {
  Writer w(width_);
  w.line(0);
  w.add("import " + escape_string(i.path), i.span.begin);
  w.atom(i.path_span.begin);
  return finish(start(ChunkKind::import, i.span), w);
}

Chunk ItemLayout::codeset(const ast::CodeSetDecl& c) {
  Writer w(width_);
  w.line(0);
  w.add("codeset " + c.name.text + " = ", c.span.begin);
  std::string flat = flat_set_expr(*c.value);
  if (w.fits(text_width(flat)) && !src_.has_comment(c.value->span.begin, c.value->span.end)) {
    w.add(flat);
    collect_atoms(*c.value, w.lines().back().atoms);
  } else {
    set_block(w, *c.value, 0);
  }
  return finish(start(ChunkKind::codeset, c.span), w);
}

// A code-set value too long for one line (or with comments among its entries): each code-set
// literal becomes a block, one line per group of entries that shared a source line.
void ItemLayout::set_block(Writer& w, const ast::Expr& e, int indent) {
  if (const auto* op = std::get_if<ast::SetOperation>(&e.kind)) {
    set_block(w, *op->lhs, indent);
    w.add(op->difference ? " - " : " | ");
    bool paren = std::holds_alternative<ast::SetOperation>(op->rhs->kind);
    if (paren) w.add("(");
    set_block(w, *op->rhs, indent);
    if (paren) w.add(")");
    return;
  }
  const auto* lit = std::get_if<ast::CodeSetLiteral>(&e.kind);
  std::string flat = flat_set_expr(e);
  if (!lit || (w.fits(text_width(flat)) && !src_.has_comment(e.span.begin, e.span.end))) {
    w.add(flat);
    collect_atoms(e, w.lines().back().atoms);
    return;
  }
  w.add(lit->system.text + " {", e.span.begin);
  std::vector<std::pair<std::string, std::uint32_t>> entries;
  for (const ast::CodeEntry& entry : lit->entries) entries.emplace_back(code_entry_text(entry), entry.span.begin);
  grouped_list(w, entries, indent + 2);
  w.line(indent, indent + 2);
  w.add("}", e.span.end - 1);
}

// The entries of a brace list in block form: entries that shared a source line stay on one
// line (an author's grouping, like the rows of a table of states), wrapped at the width.
void ItemLayout::grouped_list(Writer& w, const std::vector<std::pair<std::string, std::uint32_t>>& entries,
                              int indent) {
  std::uint32_t last_line = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& [text, offset] = entries[i];
    std::string piece = text + (i + 1 < entries.size() ? "," : "");
    std::uint32_t line = src_.line_of(offset);
    bool same_group = i > 0 && line == last_line && w.fits(1 + text_width(piece));
    if (same_group) {
      w.add(" " + piece, offset);
    } else {
      w.line(indent);
      w.add(piece, offset);
    }
    last_line = line;
  }
}

Chunk ItemLayout::define(const ast::Define& d) {
  Writer w(width_);
  w.line(0);
  std::string head = "define " + d.name.text;
  if (!d.params.empty()) head += "(" + join_idents(d.params) + ")";
  w.add(head + " =", d.span.begin);
  for (const ast::Ident& p : d.params) w.atom(p.span.begin);
  if (w.fits(1 + text_width(flat_expr(*d.body)))) {
    w.add(" ");
  } else {
    w.line(2);
  }
  write_expr(w, *d.body);
  return finish(start(ChunkKind::define, d.span), w);
}

Chunk ItemLayout::param(const ast::ParamDecl& p) {
  Writer w(width_);
  w.line(0);
  w.add("param " + p.name.text + ": " + type_text(p.type), p.span.begin);
  if (p.default_value) {
    w.add(" = ");
    write_expr(w, *p.default_value);
  }
  return finish(start(ChunkKind::param, p.span), w);
}

Chunk ItemLayout::param_set(const ast::ParamSet& p) {
  Writer w(width_);
  w.line(0);
  w.add("set " + p.name.text + " = ", p.span.begin);
  write_expr(w, *p.value);
  return finish(start(ChunkKind::param_set, p.span), w);
}

namespace {
// `enum `, or `extend enum ` for a policy's additions to the schema's enumeration.
std::string keyword(bool extended, std::string_view word) { return (extended ? "extend " : "") + std::string(word); }
}  // namespace

Chunk ItemLayout::enumeration(const ast::EnumDecl& e) {
  Writer w(width_);
  w.line(0);
  std::string head = keyword(e.extended, "enum ") + e.name.text + " {";
  std::string flat = e.members.empty() ? head + "}" : head + " " + join_idents(e.members) + " }";
  if (text_width(flat) <= width_ && !src_.has_comment(e.name.span.end, e.span.end)) {
    w.add(flat, e.span.begin);
    for (const ast::Ident& m : e.members) w.atom(m.span.begin);
    return finish(start(ChunkKind::enumeration, e.span), w);
  }
  w.add(head, e.span.begin);
  std::vector<std::pair<std::string, std::uint32_t>> members;
  for (const ast::Ident& m : e.members) members.emplace_back(m.text, m.span.begin);
  grouped_list(w, members, 2);
  w.line(0, 2);
  w.add("}", e.span.end - 1);
  return finish(start(ChunkKind::enumeration, e.span), w);
}

// Fields first, then checks: the AST keeps them apart, so their interleaving is not kept.
Chunk ItemLayout::record(const ast::RecordDecl& r) {
  Writer w(width_);
  w.line(0);
  if (r.fields.empty() && r.checks.empty()) {
    w.add(keyword(r.extended, "record ") + r.name.text + " {}", r.span.begin);
    return finish(start(ChunkKind::record, r.span), w);
  }
  w.add(keyword(r.extended, "record ") + r.name.text + " {", r.span.begin);
  for (const ast::FieldDecl& f : r.fields) {
    w.line(2);
    w.add(f.name.text + ": " + type_text(f.type), f.span.begin);
    if (f.default_value) {
      w.add(" default " + flat_expr(*f.default_value));
      collect_atoms(*f.default_value, w.lines().back().atoms);
    }
    if (f.or_none) w.add(" or none");
    if (f.exclusive) w.add(" exclusive");
    if (f.derived) {
      w.add(" = ");
      write_expr(w, *f.derived);
    }
  }
  for (const ast::CheckDecl& c : r.checks) {
    w.line(2);
    w.add("check ", c.span.begin);
    std::string message = escape_string(c.message);
    std::string tail = c.warning ? " else warning " + message : " " + message;
    if (c.guard) {
      write_expr(w, *c.condition);
      w.add(" when ");
      write_expr(w, *c.guard, text_width(tail));
    } else {
      write_expr(w, *c.condition, text_width(tail));
    }
    w.add(tail);
  }
  w.line(0, 2);
  w.add("}", r.span.end - 1);
  return finish(start(ChunkKind::record, r.span), w);
}

// One member per line, like a record's fields (and laid out as a record: comments align).
Chunk ItemLayout::synonyms(const ast::SynonymsDecl& s) {
  Writer w(width_);
  w.line(0);
  if (s.entries.empty()) {
    w.add(keyword(s.extended, "synonyms ") + s.enumeration.text + " {}", s.span.begin);
    return finish(start(ChunkKind::record, s.span), w);
  }
  w.add(keyword(s.extended, "synonyms ") + s.enumeration.text + " {", s.span.begin);
  for (const ast::SynonymEntry& e : s.entries) {
    w.line(2);
    std::string text = e.member.text + ":";
    for (std::size_t i = 0; i < e.texts.size(); ++i) text += (i ? ", " : " ") + escape_string(e.texts[i].text);
    w.add(text, e.span.begin);
    for (const ast::SynonymText& t : e.texts) w.atom(t.span.begin);
  }
  w.line(0, 2);
  w.add("}", s.span.end - 1);
  return finish(start(ChunkKind::record, s.span), w);
}

Chunk ItemLayout::rule(const ast::Rule& r) {
  Writer w(width_);
  w.line(0);
  std::string head = std::string(r.advice ? "advice " : "rule ") + r.name.text;
  if (r.title) head += " " + escape_string(*r.title);
  w.add(head, r.span.begin);
  w.atom(r.name.span.begin);
  // The rule's own `cite` (not a criterion's): the first `cite` outside every requirement.
  std::optional<std::uint32_t> cite_at;
  if (r.cite) {
    std::uint32_t from = r.name.span.end;
    while (auto found = src_.find_word(from, r.span.end, "cite")) {
      bool in_requirement = std::any_of(r.requirements.begin(), r.requirements.end(), [&](const ast::Requirement& q) {
        return *found >= q.span.begin && *found < q.span.end;
      });
      if (!in_requirement) {
        cite_at = found;
        break;
      }
      from = *found + 4;
    }
    std::string cite = "cite " + escape_string(*r.cite);
    if (w.fits(1 + text_width(cite))) {
      w.add(" " + cite, cite_at);
    } else {
      w.line(2);
      w.add(cite, cite_at);
    }
  }
  if (!r.tags.empty()) {
    w.line(2);
    w.add("tag " + join_idents(r.tags));
    for (const ast::Ident& t : r.tags) w.atom(t.span.begin);
  }
  if (r.effective) {
    w.line(2);
    w.add("effective " + date_range_text(*r.effective), r.effective->span.begin);
  }
  if (r.when) {
    w.line(2);
    w.add("when ");
    write_expr(w, *r.when);
  }
  if (!r.overrides.empty()) {
    w.line(2);
    std::string text = "overrides ";
    for (std::size_t i = 0; i < r.overrides.size(); ++i) {
      text += (i ? ", " : "") + std::string(r.overrides[i].by_tag ? "tagged " : "") + r.overrides[i].name;
      w.atom(r.overrides[i].span.begin);
    }
    w.add(text);
  }
  if (r.cover) {
    w.line(2);
    w.add("cover", r.cover->begin);
  }
  if (r.direct) {
    w.line(2);
    std::string text = effect_word(r.direct->decision);
    if (r.direct->message) text += " " + escape_string(r.direct->message->text);
    w.add(text, r.direct->span.begin);
  }
  if (r.route) {
    w.line(2);
    w.add("route " + r.route->text, r.route->span.begin);
  }
  for (const ast::Requirement& req : r.requirements) requirement(w, req);
  if (!r.grants.empty()) {
    w.line(2);
    w.add("authorize ");
    for (std::size_t i = 0; i < r.grants.size(); ++i) {
      const ast::Grant& g = r.grants[i];
      if (i) w.add(", ");
      if (!g.amount_expr) {
        w.add(duration_text(g.amount, g.unit), g.span.begin);
        continue;
      }
      write_expr(w, *g.amount_expr, 1 + text_width(g.unit));
      w.add(" " + g.unit);
    }
  }
  for (const ast::Message& next : r.next_steps) {
    w.line(2);
    w.add("next " + escape_string(next.text), next.span.begin);
  }
  for (const ast::Message& warning : r.warnings) {
    w.line(2);
    w.add("warning " + escape_string(warning.text), warning.span.begin);
  }
  return finish(start(ChunkKind::rule, r.span), w);
}

// `require X [cite "c"] [effective R] [else E]` on one line when it fits; otherwise `cite` (then
// `effective`) stays after a one-line condition when it fits there, and `else` moves to its own
// line (always, when it carries a message).
void ItemLayout::requirement(Writer& w, const ast::Requirement& req) {
  w.line(2);
  w.add("require ", req.span.begin);
  std::string subject;
  std::uint32_t after = req.span.begin;
  if (req.kind == ast::Requirement::Kind::prior_auth) {
    w.add("prior_auth");
    return;
  }
  if (req.kind == ast::Requirement::Kind::document) {
    subject = "document " + req.document->text;
    after = req.document->span.end;
  } else {
    subject = flat_expr(*req.condition);
    after = req.condition->span.end;
  }
  std::string cite = req.cite ? "cite " + escape_string(*req.cite) : "";
  std::string effective = req.effective ? "effective " + date_range_text(*req.effective) : "";
  std::string otherwise;
  if (req.else_decision) {
    otherwise = std::string("else ") + effect_word(*req.else_decision);
    if (req.else_message) otherwise += " " + escape_string(req.else_message->text);
  }
  std::optional<std::uint32_t> cite_at = req.cite ? src_.find_word(after, req.span.end, "cite") : std::nullopt;
  std::optional<std::uint32_t> else_at = req.else_decision ? src_.find_word(after, req.span.end, "else") : std::nullopt;
  std::optional<std::uint32_t> effective_at =
      req.effective ? src_.find_word(after, req.span.end, "effective") : std::nullopt;
  std::string one_line = subject;
  if (!cite.empty()) one_line += " " + cite;
  if (!effective.empty()) one_line += " " + effective;
  if (!otherwise.empty()) one_line += " " + otherwise;
  // An explanation for the analyst reads best on a line of its own, under its criterion.
  bool one = w.fits(text_width(one_line)) && !req.else_message;
  bool cite_on_first = !cite.empty() && (one || w.fits(text_width(subject) + 1 + text_width(cite)));
  if (req.kind == ast::Requirement::Kind::document) {
    w.add(subject, req.document->span.begin);
  } else {
    write_expr(w, *req.condition, cite_on_first ? 1 + text_width(cite) : 0);
  }
  if (!cite.empty()) {
    if (!cite_on_first) w.line(4);
    w.add(cite_on_first ? " " + cite : cite, cite_at);
  }
  if (!effective.empty()) {  // after the condition or the citation when it fits there
    bool same_line = one || w.fits(1 + text_width(effective));
    if (!same_line) w.line(4);
    w.add(same_line ? " " + effective : effective, effective_at);
  }
  if (!otherwise.empty()) {
    if (!one) w.line(4);
    w.add(one ? " " + otherwise : otherwise, else_at);
    if (req.else_message) w.atom(req.else_message->span.begin);
  }
}

}  // namespace

std::vector<Chunk> layout_items(const ast::File& file, const SourceContext& source, int width) {
  ItemLayout layout(source, width);
  std::vector<Chunk> chunks;
  if (file.header) chunks.push_back(layout.header(*file.header));
  for (const ast::Item& item : file.items) chunks.push_back(layout.item(item));
  return chunks;
}

}  // namespace covcheck::dsl::format_detail
