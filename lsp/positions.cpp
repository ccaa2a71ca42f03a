// Byte offsets to UTF-16 positions and back, one line at a time.
#include "lsp/positions.hpp"

#include <algorithm>

namespace covcheck::lsp {

namespace {

// The byte length of the UTF-8 sequence a lead byte starts, and its UTF-16 length.
struct Sequence {
  std::uint32_t bytes;
  std::uint32_t units;
};

Sequence sequence_at(std::string_view text, std::size_t i) {
  auto lead = static_cast<unsigned char>(text[i]);
  std::uint32_t bytes = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
  // A truncated or malformed sequence is one unit per byte, as a client decoding it sees U+FFFD.
  if (i + bytes > text.size()) return {1, 1};
  for (std::uint32_t k = 1; k < bytes; ++k)
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return {1, 1};
  return {bytes, bytes == 4 ? 2u : 1u};
}

}  // namespace

std::uint32_t utf16_length(std::string_view utf8) {
  std::uint32_t units = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    Sequence s = sequence_at(utf8, i);
    units += s.units;
    i += s.bytes;
  }
  return units;
}

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (std::uint32_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
    else if (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')) starts_.push_back(i + 1);
  }
}

std::uint32_t LineIndex::line_end(std::uint32_t line) const {
  if (line >= starts_.size()) return static_cast<std::uint32_t>(text_.size());
  std::uint32_t end = line + 1 < starts_.size() ? starts_[line + 1] : static_cast<std::uint32_t>(text_.size());
  while (end > starts_[line] && (text_[end - 1] == '\n' || text_[end - 1] == '\r')) --end;
  return end;
}

Position LineIndex::position(std::uint32_t offset) const {
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(text_.size()));
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  auto line = static_cast<std::uint32_t>(it - starts_.begin() - 1);
  std::uint32_t units = 0;
  for (std::size_t i = starts_[line]; i < offset;) {
    Sequence s = sequence_at(text_, i);
    if (i + s.bytes > offset) break;  // inside a character
    units += s.units;
    i += s.bytes;
  }
  return {line, units};
}

std::uint32_t LineIndex::offset(Position p) const {
  if (p.line >= starts_.size()) return static_cast<std::uint32_t>(text_.size());
  std::uint32_t end = line_end(p.line);
  std::uint32_t i = starts_[p.line];
  std::uint32_t units = 0;
  while (i < end && units < p.character) {
    Sequence s = sequence_at(text_, i);
    units += s.units;
    i += s.bytes;
  }
  return std::min(i, end);
}

}  // namespace covcheck::lsp
