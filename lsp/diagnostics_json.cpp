// dsl::Diagnostic -> LSP Diagnostic: the CLI's code, message, help and notes, with UTF-16
// ranges. A diagnostic in an imported file is shown at the import line that reaches it.
#include <filesystem>

#include <fmt/format.h>

#include "lsp/features.hpp"

namespace covcheck::lsp {

namespace {

int severity_number(dsl::Severity s) {
  switch (s) {
    case dsl::Severity::error: return 1;
    case dsl::Severity::warning: return 2;
    case dsl::Severity::note: return 3;
  }
  return 1;
}

// The span of the document's `import` line naming the file (by its file name), else the
// first import, else the start of the document.
dsl::SourceSpan import_reaching(const Analysis& a, const std::string& other_file) {
  std::string base = std::filesystem::path(other_file).filename().string();
  const std::string_view text = a.sources.file(*a.file).text();
  std::optional<dsl::SourceSpan> first;
  for (std::size_t at = text.find("import"); at != std::string_view::npos; at = text.find("import", at + 6)) {
    if (at > 0 && text[at - 1] != '\n' && text[at - 1] != ' ' && text[at - 1] != '\t') continue;
    std::size_t eol = text.find('\n', at);
    std::string_view line = text.substr(at, eol == std::string_view::npos ? text.size() - at : eol - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    dsl::SourceSpan span{*a.file, static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(at + line.size())};
    if (line.find(base) != std::string_view::npos) return span;
    if (!first) first = span;
  }
  return first.value_or(dsl::SourceSpan{*a.file, 0, 0});
}

}  // namespace

bool shown_in_document(const Analysis& a, const dsl::Diagnostic& d) {
  bool elsewhere = d.span.file != dsl::no_file && d.span.file < a.sources.size() && !(a.file && d.span.file == *a.file);
  return !elsewhere || (d.severity == dsl::Severity::error && a.file);
}

Json diagnostics_json(const Analysis& a, const Document& document) {
  Json out = Json::array();
  LineIndex lines(document.text);
  for (const dsl::Diagnostic& d : a.diagnostics.items()) {
    if (!shown_in_document(a, d)) continue;
    std::string message = d.message;
    dsl::SourceSpan span = d.span;
    Json related = Json::array();
    bool here = a.file && d.span.file == *a.file;
    if (!here) {
      if (d.span.file != dsl::no_file && d.span.file < a.sources.size()) {
        message = fmt::format("in `{}`: {}", a.sources.describe(d.span), d.message);
        Json l = location_json(a, d.span);
        if (!l.is_null()) related.push_back(Json{{"location", std::move(l)}, {"message", d.message}});
        span = import_reaching(a, a.sources.file(d.span.file).name());
      } else {
        span = dsl::SourceSpan{a.file.value_or(0), 0, 0};
      }
    }
    for (const dsl::DiagnosticNote& n : d.notes) {
      Json l = n.span ? location_json(a, *n.span) : Json(nullptr);
      if (l.is_null()) message += "\nnote: " + n.message;
      else related.push_back(Json{{"location", std::move(l)}, {"message", n.message}});
    }
    if (d.help) message += "\nhelp: " + *d.help;
    Json j{{"range", to_json(lines.range(span.begin, span.end))},
           {"severity", severity_number(d.severity)},
           {"code", d.code},
           {"source", "covcheck"},
           {"message", message}};
    if (!related.empty()) j["relatedInformation"] = std::move(related);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace covcheck::lsp
