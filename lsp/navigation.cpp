// Go to definition and find references, from the analysis's index of name occurrences.
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
      it = files.emplace(each.span.file, std::pair{file_uri(a, each.span.file), LineIndex(a.sources.file(each.span.file).text())}).first;
    if (!it->second.first) continue;
    out.push_back(Json{{"uri", *it->second.first}, {"range", to_json(it->second.second.range(each.span.begin, each.span.end))}});
  }
  return out;
}

}  // namespace covcheck::lsp
