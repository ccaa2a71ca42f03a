// Matching `# covcheck:ignore CODE...` comments against diagnostics by line.
#include "dsl/source/ignore_comments.hpp"

#include <string_view>

namespace covcheck::dsl {

namespace {

constexpr std::string_view marker = "covcheck:ignore";

// The codes a comment names: the words after the marker, split at spaces and commas.
// Codes match exactly, so `check.unused` never silences `check.unused_codeset`.
bool names_code(std::string_view comment, std::string_view code) {
  std::size_t at = comment.find(marker);
  if (at == std::string_view::npos) return false;
  std::string_view rest = comment.substr(at + marker.size());
  std::size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == ',')) ++i;
    std::size_t start = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\t' && rest[i] != ',') ++i;
    if (i > start && rest.substr(start, i - start) == code) return true;
  }
  return false;
}

}  // namespace

bool is_ignored(const std::vector<ast::File>& files, const SourceRegistry& sources, const Diagnostic& d) {
  if (d.span.file == no_file || d.span.file >= sources.size()) return false;
  const SourceFile& source = sources.file(d.span.file);
  std::uint32_t line = source.location(d.span.begin).line;
  for (const ast::File& f : files) {
    if (f.file != d.span.file) continue;
    for (const ast::Comment& c : f.comments) {
      std::uint32_t at = source.location(c.span.begin).line;
      if ((at == line || at + 1 == line) && names_code(c.text, d.code)) return true;
    }
  }
  return false;
}

void drop_ignored(const std::vector<ast::File>& files, const SourceRegistry& sources, Diagnostics& diagnostics,
                  bool errors_too) {
  Diagnostics kept;
  for (const Diagnostic& d : diagnostics.items()) {
    bool silenceable = d.severity == Severity::warning || (errors_too && d.severity == Severity::error);
    if (!(silenceable && is_ignored(files, sources, d))) kept.add(d);
  }
  diagnostics = std::move(kept);
}

}  // namespace covcheck::dsl
