// Source files and spans: byte offsets into an owned text, converted to 1-based
// line:column only when a location is printed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace covcheck::dsl {

using FileId = std::uint32_t;
inline constexpr FileId no_file = 0xFFFFFFFFu;

// Half-open byte range [begin, end) in one source file.
struct SourceSpan {
  FileId file = no_file;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;

  friend bool operator==(const SourceSpan&, const SourceSpan&) = default;
};

struct LineColumn {
  std::uint32_t line = 1;    // 1-based
  std::uint32_t column = 1;  // 1-based, counted in bytes; a tab counts as one column
};

// One loaded file. Owns its bytes; every span into it stays valid for its lifetime.
class SourceFile {
 public:
  // `first_line` numbers the text's first line: a record cut out of a larger stream
  // (`batch`) reports the line numbers of the whole stream.
  SourceFile(std::string name, std::string text, std::uint32_t first_line = 1);

  const std::string& name() const { return name_; }
  std::string_view text() const { return text_; }
  LineColumn location(std::uint32_t offset) const;
  // The text of the line holding `offset`, without its line break.
  std::string_view line_text(std::uint32_t line) const;
  std::uint32_t line_count() const { return static_cast<std::uint32_t>(line_starts_.size()); }
  std::string_view slice(SourceSpan span) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<std::uint32_t> line_starts_;
  std::uint32_t line_base_ = 0;  // added to every line number
};

// All files of one run, addressed by FileId. Files are never removed, so ids stay valid.
// Copies share the (immutable) files: `serve` copies the rule files' registry per request
// and adds the request's case to the copy without touching the original.
class SourceRegistry {
 public:
  FileId add(std::string name, std::string text, std::uint32_t first_line = 1);
  const SourceFile& file(FileId id) const { return *files_.at(id); }
  std::size_t size() const { return files_.size(); }
  // Forgets the files registered after the first `count` (a session's case of the moment).
  void truncate(std::size_t count) {
    if (count < files_.size()) files_.resize(count);
  }
  // "path:line:col" of the span's start.
  std::string describe(SourceSpan span) const;

 private:
  std::vector<std::shared_ptr<const SourceFile>> files_;
};

}  // namespace covcheck::dsl
