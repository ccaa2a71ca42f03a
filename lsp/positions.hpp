// LSP positions: zero-based line and UTF-16 code unit, as the protocol requires; the
// compiler's spans are byte offsets into UTF-8. One LineIndex per text converts both ways.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace covcheck::lsp {

struct Position {
  std::uint32_t line = 0;
  std::uint32_t character = 0;  // UTF-16 code units from the start of the line
  friend bool operator==(const Position&, const Position&) = default;
};

struct Range {
  Position start;
  Position end;
};

// Views `text`, which must outlive it. Lines end at LF, CRLF or a lone CR, like the compiler's.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  // A byte offset (clamped to the text) as a position. An offset inside a multi-byte character
  // counts the character as not yet reached.
  Position position(std::uint32_t offset) const;
  // A position as a byte offset, clamped to the end of its line (a character past the end of
  // a line, or a line past the end of the text, is the end).
  std::uint32_t offset(Position p) const;
  Range range(std::uint32_t begin, std::uint32_t end) const { return {position(begin), position(end)}; }
  std::uint32_t line_count() const { return static_cast<std::uint32_t>(starts_.size()); }
  // The byte offset where a line's content ends (before its line break).
  std::uint32_t line_end(std::uint32_t line) const;

 private:
  std::string_view text_;
  std::vector<std::uint32_t> starts_;
};

// UTF-16 code units of a UTF-8 text: 2 for a four-byte character, 1 for any other character;
// an invalid byte counts as one unit (clients show it as U+FFFD).
std::uint32_t utf16_length(std::string_view utf8);

}  // namespace covcheck::lsp
