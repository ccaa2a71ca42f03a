// Quick fixes for what the diagnostics name: the did-you-mean rename, the missing import
// (a `.cpl` beside the document that declares the unknown name), `days` after a number
// compared with a duration, and the quotes around a number or a member compared as a string.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>

#include "dsl/format/format.hpp"
#include "lsp/features.hpp"

namespace covcheck::lsp {

namespace fs = std::filesystem;

namespace {

Json edit_action(const std::string& title, const Document& d, const Json& diagnostic, Range range,
                 const std::string& new_text, bool preferred) {
  Json edit{{"range", to_json(range)}, {"newText", new_text}};
  return Json{{"title", title},
              {"kind", "quickfix"},
              {"diagnostics", Json::array({diagnostic})},
              {"isPreferred", preferred},
              {"edit", {{"changes", {{d.uri, Json::array({edit})}}}}}};
}

// Every expression node of an expression, depth first.
void each_expr(const ast::Expr* e, const std::function<void(const ast::Expr&)>& f) {
  if (!e) return;
  f(*e);
  std::visit(
      [&](const auto& k) {
        using T = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<T, ast::MemberAccess>) each_expr(k.object.get(), f);
        else if constexpr (std::is_same_v<T, ast::Unary>) each_expr(k.operand.get(), f);
        else if constexpr (std::is_same_v<T, ast::Binary> || std::is_same_v<T, ast::SetOperation>) {
          each_expr(k.lhs.get(), f);
          each_expr(k.rhs.get(), f);
        } else if constexpr (std::is_same_v<T, ast::Membership>) {
          each_expr(k.item.get(), f);
          each_expr(k.set.get(), f);
        } else if constexpr (std::is_same_v<T, ast::SetLiteral>) {
          for (const auto& i : k.items) each_expr(i.get(), f);
        } else if constexpr (std::is_same_v<T, ast::Presence>) each_expr(k.operand.get(), f);
        else if constexpr (std::is_same_v<T, ast::Within>) {
          each_expr(k.subject.get(), f);
          each_expr(k.amount.get(), f);
          each_expr(k.anchor.get(), f);
        } else if constexpr (std::is_same_v<T, ast::Call>) {
          for (const auto& i : k.args) each_expr(i.get(), f);
        } else if constexpr (std::is_same_v<T, ast::Quantifier>) {
          each_expr(k.list.get(), f);
          each_expr(k.filter.get(), f);
          each_expr(k.key.get(), f);
        } else if constexpr (std::is_same_v<T, ast::Conditional>) {
          each_expr(k.condition.get(), f);
          each_expr(k.then_value.get(), f);
          each_expr(k.else_value.get(), f);
        }
      },
      e->kind);
}

// Every expression of a file's declarations and rules.
void each_expr(const ast::File& file, const std::function<void(const ast::Expr&)>& f) {
  for (const ast::Item& item : file.items) {
    if (const auto* cs = std::get_if<ast::CodeSetDecl>(&item)) each_expr(cs->value.get(), f);
    else if (const auto* d = std::get_if<ast::Define>(&item)) each_expr(d->body.get(), f);
    else if (const auto* p = std::get_if<ast::ParamDecl>(&item)) each_expr(p->default_value.get(), f);
    else if (const auto* s = std::get_if<ast::ParamSet>(&item)) each_expr(s->value.get(), f);
    else if (const auto* r = std::get_if<ast::Rule>(&item)) {
      each_expr(r->when.get(), f);
      for (const ast::Requirement& q : r->requirements) each_expr(q.condition.get(), f);
    }
  }
}

// A sibling rule file's text; only regular files within the rule-file limit are read.
std::string read_file(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec) || fs::file_size(p, ec) > (std::uintmax_t{16} << 20) || ec) return {};
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether a CPL text declares `name` as a define, code set or param (at the start of a line).
bool declares(std::string_view text, const std::string& name) {
  for (const char* kw : {"define ", "codeset ", "param "}) {
    std::string needle = std::string(kw) + name;
    for (std::size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) {
      bool line_start = at == 0 || text[at - 1] == '\n';
      std::size_t after = at + needle.size();
      bool word_end =
          after >= text.size() || !(std::isalnum(static_cast<unsigned char>(text[after])) || text[after] == '_');
      if (line_start && word_end) return true;
    }
  }
  return false;
}

// Files beside the document that declare `name`, as import paths.
std::vector<std::string> files_declaring(const Document& d, const DocumentStore& documents, const std::string& name) {
  std::vector<std::string> found;
  fs::path dir = fs::path(d.path).parent_path();
  std::error_code ec;
  std::vector<fs::path> candidates;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".cpl" && it->path() != fs::path(d.path)) candidates.push_back(it->path());
  std::sort(candidates.begin(), candidates.end());
  for (const fs::path& p : candidates) {
    std::string text;
    bool open = false;
    for (const auto& [uri, doc] : documents.all())
      if (fs::path(doc.path) == p) {
        text = doc.text;
        open = true;
      }
    if (!open) text = read_file(p);
    if (declares(text, name)) found.push_back(p.filename().generic_string());
  }
  return found;
}

// Where a new import line goes: after the last import, else after the header, else at the top.
std::uint32_t import_insert_offset(const Analysis& a, const Document& d) {
  std::uint32_t at = 0;
  if (const ast::File* f = a.document_ast()) {
    if (f->header) at = f->header->span.end;
    for (const ast::Item& item : f->items)
      if (const auto* imp = std::get_if<ast::Import>(&item)) at = imp->span.end;
  }
  if (at == 0) return 0;
  std::size_t eol = d.text.find('\n', at);
  return static_cast<std::uint32_t>(eol == std::string::npos ? d.text.size() : eol + 1);
}

bool plain_word(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

Json code_actions(const Analysis& a, const Document& document, const DocumentStore& documents, std::uint32_t begin,
                  std::uint32_t end) {
  Json out = Json::array();
  if (!a.file) return out;
  LineIndex lines(document.text);
  Json published = diagnostics_json(a, document);
  std::size_t k = 0;
  for (const dsl::Diagnostic& d : a.diagnostics.items()) {
    // `published` holds the shown diagnostics in order: the k-th shown is `d`.
    if (!shown_in_document(a, d)) continue;
    const Json& shown = published.at(k++);
    if (d.span.file != *a.file) continue;
    if (d.span.end < begin || d.span.begin > end) continue;
    Range range = lines.range(d.span.begin, d.span.end);

    if (d.help) {
      const std::string prefix = "did you mean `";
      if (auto at = d.help->find(prefix); at != std::string::npos) {
        std::size_t close = d.help->find('`', at + prefix.size());
        if (close != std::string::npos) {
          std::string suggestion = d.help->substr(at + prefix.size(), close - at - prefix.size());
          out.push_back(
              edit_action(fmt::format("Change to `{}`", suggestion), document, shown, range, suggestion, true));
        }
      }
    }
    if (d.code == "check.unknown_name") {
      std::string name(a.sources.file(d.span.file).slice(d.span));
      if (auto paren = name.find('('); paren != std::string::npos) name.resize(paren);
      Position at = lines.position(import_insert_offset(a, document));
      for (const std::string& file : files_declaring(document, documents, name))
        out.push_back(edit_action(fmt::format("Add `import \"{}\"` (it declares `{}`)", file, name), document, shown,
                                  Range{at, at}, fmt::format("import \"{}\"\n", file), false));
    }
    const ast::File* f = a.document_ast();
    bool duration_int = d.message.find("duration and int") != std::string::npos ||
                        d.message.find("int and duration") != std::string::npos;
    bool with_string =
        d.message.find("and string") != std::string::npos || d.message.find("string and") != std::string::npos;
    if (f && (duration_int || with_string)) {
      each_expr(*f, [&](const ast::Expr& e) {
        if (e.span.begin < d.span.begin || e.span.end > d.span.end) return;
        if (duration_int && std::holds_alternative<ast::IntLiteral>(e.kind)) {
          Position p = lines.position(e.span.end);
          out.push_back(edit_action(fmt::format("Add `days`: `{} days`", std::get<ast::IntLiteral>(e.kind).value),
                                    document, shown, Range{p, p}, " days", true));
        } else if (with_string) {
          if (const auto* s = std::get_if<ast::StringLiteral>(&e.kind); s && plain_word(s->value))
            out.push_back(edit_action(fmt::format("Drop the quotes: `{}`", s->value), document, shown,
                                      lines.range(e.span.begin, e.span.end), s->value, true));
        }
      });
    }
  }
  return out;
}

std::optional<Json> formatting(const Document& document, std::string& error) {
  dsl::SourceRegistry sources;
  dsl::FileId id = sources.add(document.path, document.text);
  dsl::Diagnostics diagnostics;
  std::optional<std::string> formatted = dsl::format_source(sources, id, diagnostics);
  if (!formatted) {
    diagnostics.sort();
    error = diagnostics.items().empty()
                ? std::string("the document does not parse")
                : fmt::format("cannot format: {}: {}", sources.describe(diagnostics.items().front().span),
                              diagnostics.items().front().message);
    return std::nullopt;
  }
  Json edits = Json::array();
  if (*formatted != document.text) {
    LineIndex lines(document.text);
    edits.push_back(Json{{"range", to_json(lines.range(0, static_cast<std::uint32_t>(document.text.size())))},
                         {"newText", *formatted}});
  }
  return edits;
}

}  // namespace covcheck::lsp
