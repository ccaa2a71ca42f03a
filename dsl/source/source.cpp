// Line tables for source files: offset -> line:column, computed on demand.
#include "dsl/source/source.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace covcheck::dsl {

SourceFile::SourceFile(std::string name, std::string text, std::uint32_t first_line)
    : name_(std::move(name)), text_(std::move(text)), line_base_(first_line > 0 ? first_line - 1 : 0) {
  line_starts_.push_back(0);
  for (std::uint32_t i = 0; i < text_.size(); ++i) {
    // CRLF and LF both end a line; a lone CR is treated as a line end too.
    if (text_[i] == '\n') {
      line_starts_.push_back(i + 1);
    } else if (text_[i] == '\r' && (i + 1 >= text_.size() || text_[i + 1] != '\n')) {
      line_starts_.push_back(i + 1);
    }
  }
}

LineColumn SourceFile::location(std::uint32_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  auto line = static_cast<std::uint32_t>(it - line_starts_.begin());
  std::uint32_t start = line_starts_[line - 1];
  // A UTF-8 byte-order mark is not a column.
  if (line == 1 && text_.size() >= 3 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0 && offset >= 3) start = 3;
  return {line + line_base_, offset - start + 1};
}

std::string_view SourceFile::line_text(std::uint32_t line) const {
  line = line > line_base_ ? line - line_base_ : 0;
  if (line == 0 || line > line_starts_.size()) return {};
  std::uint32_t start = line_starts_[line - 1];
  std::uint32_t end = line < line_starts_.size() ? line_starts_[line] : static_cast<std::uint32_t>(text_.size());
  while (end > start && (text_[end - 1] == '\n' || text_[end - 1] == '\r')) --end;
  return std::string_view(text_).substr(start, end - start);
}

std::string_view SourceFile::slice(SourceSpan span) const {
  if (span.begin > text_.size()) return {};
  return std::string_view(text_).substr(span.begin, std::min<std::size_t>(span.end, text_.size()) - span.begin);
}

FileId SourceRegistry::add(std::string name, std::string text, std::uint32_t first_line) {
  files_.push_back(std::make_shared<const SourceFile>(std::move(name), std::move(text), first_line));
  return static_cast<FileId>(files_.size() - 1);
}

std::string SourceRegistry::describe(SourceSpan span) const {
  if (span.file == no_file || span.file >= files_.size()) return "<unknown>";
  const SourceFile& f = *files_[span.file];
  LineColumn lc = f.location(span.begin);
  return fmt::format("{}:{}:{}", f.name(), lc.line, lc.column);
}

}  // namespace covcheck::dsl
