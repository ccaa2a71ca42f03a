// JSON shapes shared by the features: positions, ranges, locations in any file of a rule set.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lsp/features.hpp"
#include "lsp/uri.hpp"

namespace covcheck::lsp {

namespace fs = std::filesystem;

Json to_json(const Position& p) { return Json{{"line", p.line}, {"character", p.character}}; }
Json to_json(const Range& r) { return Json{{"start", to_json(r.start)}, {"end", to_json(r.end)}}; }

std::optional<Position> position_from_json(const Json& j) {
  if (!j.is_object()) return std::nullopt;
  auto line = j.find("line");
  auto character = j.find("character");
  if (line == j.end() || character == j.end() || !line->is_number_unsigned() || !character->is_number_unsigned())
    return std::nullopt;
  auto clamp = [](std::uint64_t v) { return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, 0xFFFFFFFFu)); };
  return Position{clamp(line->get<std::uint64_t>()), clamp(character->get<std::uint64_t>())};
}

namespace {

constexpr std::string_view builtin_prefix = "<built-in>/";

// The built-in schema's text in a per-user cache file, rewritten only when it differs.
std::optional<std::string> builtin_file(const dsl::SourceFile& f) {
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec) / "covcheck-lsp" / "built-in";
  if (ec) return std::nullopt;
  fs::path file = dir / fs::path(f.name().substr(builtin_prefix.size())).filename();
  std::ifstream in(file, std::ios::binary);
  std::ostringstream current;
  if (in) current << in.rdbuf();
  if (!in || current.str() != f.text()) {
    fs::create_directories(dir, ec);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << f.text();
    if (!out) return std::nullopt;
  }
  return file.generic_string();
}

}  // namespace

std::optional<std::string> file_uri(const Analysis& a, dsl::FileId file) {
  if (file == dsl::no_file || file >= a.sources.size()) return std::nullopt;
  if (a.file && file == *a.file) return a.uri;
  const dsl::SourceFile& f = a.sources.file(file);
  if (f.name().rfind(builtin_prefix, 0) == 0) {
    auto path = builtin_file(f);
    return path ? std::optional(path_to_uri(*path)) : std::nullopt;
  }
  std::error_code ec;
  return path_to_uri(fs::absolute(f.name(), ec).lexically_normal().generic_string());
}

Json location_json(const Analysis& a, dsl::SourceSpan span) {
  auto uri = file_uri(a, span.file);
  if (!uri) return nullptr;
  LineIndex lines(a.sources.file(span.file).text());
  return Json{{"uri", *uri}, {"range", to_json(lines.range(span.begin, span.end))}};
}

std::string doc_comment(const Analysis& a, dsl::SourceSpan decl) {
  if (!a.checked || decl.file == dsl::no_file) return {};
  const ast::File* file = nullptr;
  for (const ast::File& f : a.checked->files.files)
    if (f.file == decl.file) file = &f;
  if (!file) return {};
  const dsl::SourceFile& src = a.sources.file(decl.file);
  std::uint32_t decl_line = src.location(decl.begin).line;
  // Trailing comment on a one-line declaration's line (enumeration members, fields).
  bool one_line = src.location(decl.end).line == decl_line;
  for (const ast::Comment& c : file->comments) {
    if (one_line && c.span.begin >= decl.end && src.location(c.span.begin).line == src.location(decl.end).line) {
      std::string t = c.text;
      std::size_t s = t.find_first_not_of("# ");
      return s == std::string::npos ? std::string() : t.substr(s);
    }
  }
  // The block of comment lines ending on the line above, each alone on its line.
  std::vector<std::string> lines;
  std::uint32_t want = decl_line - 1;
  for (auto it = file->comments.rbegin(); it != file->comments.rend() && want > 0; ++it) {
    dsl::LineColumn lc = src.location(it->span.begin);
    if (lc.line > want) continue;
    if (lc.line < want) break;
    std::string_view line = src.line_text(lc.line);
    if (line.find_first_not_of(" \t") != lc.column - 1) break;  // code before it: a trailing comment
    std::string t = it->text;
    std::size_t s = t.find_first_not_of('#');
    t = s == std::string::npos ? std::string() : t.substr(s);
    if (!t.empty() && t[0] == ' ') t.erase(0, 1);
    lines.insert(lines.begin(), t);
    --want;
  }
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

}  // namespace covcheck::lsp
