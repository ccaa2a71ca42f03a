// Go to definition and find references, from the analysis's index of name occurrences.
#include <algorithm>
#include <cctype>
#include <map>

#include "lsp/features.hpp"

namespace covcheck::lsp {

Json definition(const Analysis& a, std::uint32_t offset) {
  if (!a.checked || !a.file) return nullptr;
  const Occurrence* o = a.occurrence_at(*a.file, offset);
  if (!o) return nullptr;
  if (o->symbol.kind == Symbol::Kind::file) {
    // An import path leads to the start of the imported file.
    dsl::FileId target = a.checked->files.files[o->symbol.a].file;
    return location_json(a, dsl::SourceSpan{target, 0, 0});
  }
  const Occurrence* d = a.declaration_of(o->symbol);
  return d ? location_json(a, d->span) : Json(nullptr);
}

Json references(const Analysis& a, std::uint32_t offset, bool include_declaration) {
  Json out = Json::array();
  if (!a.checked || !a.file) return out;
  const Occurrence* o = a.occurrence_at(*a.file, offset);
  if (!o) return out;
  Symbol s = o->symbol;
  std::map<dsl::FileId, std::pair<std::optional<std::string>, LineIndex>> files;  // one line table per file
  for (const Occurrence& each : a.occurrences) {
    if (!(each.symbol == s) || (each.declaration && !include_declaration)) continue;
    auto it = files.find(each.span.file);
    if (it == files.end())
      it = files
               .emplace(each.span.file,
                        std::pair{file_uri(a, each.span.file), LineIndex(a.sources.file(each.span.file).text())})
               .first;
    if (!it->second.first) continue;
    out.push_back(
        Json{{"uri", *it->second.first}, {"range", to_json(it->second.second.range(each.span.begin, each.span.end))}});
  }
  return out;
}

}  // namespace covcheck::lsp

namespace covcheck::lsp {

namespace {

// CPL's reserved words (dsl/syntax/grammar.hpp `reserved`): never a name.
const char* const reserved_words[] = {
    "and",      "or",     "not",     "in",        "is",      "known",     "unknown",   "any",   "all",     "count",
    "distinct", "within", "before",  "after",     "of",      "if",        "then",      "else",  "true",    "false",
    "policy",   "module", "schema",  "import",    "codeset", "define",    "param",     "set",   "enum",    "record",
    "check",    "rule",   "advice",  "tag",       "cite",    "when",      "overrides", "cover", "exclude", "deny",
    "pend",     "route",  "require", "authorize", "next",    "effective", "synonyms",  "extend"};

bool valid_name(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return std::find(std::begin(reserved_words), std::end(reserved_words), name) == std::end(reserved_words);
}

}  // namespace

std::optional<Json> rename(const Analysis& a, std::uint32_t offset, const std::string& new_name, std::string& error) {
  const Occurrence* o = a.checked && a.file ? a.occurrence_at(*a.file, offset) : nullptr;
  if (!o) {
    error = "no name to rename here";
    return std::nullopt;
  }
  using Kind = Symbol::Kind;
  switch (o->symbol.kind) {
    case Kind::field:
    case Kind::enumeration:
    case Kind::enum_member:
    case Kind::record:
      error = "schema names are the case format: rename them in the schema and in the case files together";
      return std::nullopt;
    case Kind::file: error = "rename the file itself, then its imports"; return std::nullopt;
    default: break;
  }
  if (!valid_name(new_name)) {
    error = "`" + new_name + "` is not a CPL name (letters, digits and `_`, not a reserved word)";
    return std::nullopt;
  }
  Json changes = Json::object();
  std::map<dsl::FileId, std::pair<std::optional<std::string>, LineIndex>> files;
  for (const Occurrence& each : a.occurrences) {
    if (!(each.symbol == o->symbol)) continue;
    auto it = files.find(each.span.file);
    if (it == files.end())
      it = files
               .emplace(each.span.file,
                        std::pair{file_uri(a, each.span.file), LineIndex(a.sources.file(each.span.file).text())})
               .first;
    if (!it->second.first) continue;
    // A qualified use (`claims.filing_days`, `acme.rule_id`) keeps its qualifier.
    std::string_view text = a.sources.file(each.span.file).slice(each.span);
    std::size_t dot = text.rfind('.');
    std::uint32_t begin = each.span.begin + (dot == std::string_view::npos ? 0 : static_cast<std::uint32_t>(dot + 1));
    Json& edits = changes[*it->second.first];
    if (edits.is_null()) edits = Json::array();
    edits.push_back(Json{{"range", to_json(it->second.second.range(begin, each.span.end))}, {"newText", new_name}});
  }
  return Json{{"changes", std::move(changes)}};
}

}  // namespace covcheck::lsp
