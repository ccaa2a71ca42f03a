// Internal to the formatter (format*.cpp): the output model shared by its stages. Items are
// laid out into lines that remember the source offsets of their tokens ("atoms"); comments
// are then attached to the lines whose atoms surround them, so layout never has to know about
// comments (except to keep a commented brace list one group per source line).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/syntax/ast.hpp"

namespace covcheck::dsl::format_detail {

// Display width: UTF-8 code points (policy titles carry `—`, `§`, `≥`).
int text_width(std::string_view text);

struct Line {
  int indent = 0;
  std::string text;                  // without the indentation
  std::vector<std::uint32_t> atoms;  // source offsets of the tokens printed on this line
  int comment_indent = -1;           // own-line comments before this line; -1: same as `indent`
};

// Lines of one top-level chunk (the header or one item), written left to right.
class Writer {
 public:
  explicit Writer(int width) : width_(width) {}

  void line(int indent, int comment_indent = -1) { lines_.push_back(Line{indent, {}, {}, comment_indent}); }
  void add(std::string_view text, std::optional<std::uint32_t> atom = std::nullopt);
  void atom(std::uint32_t offset) { lines_.back().atoms.push_back(offset); }
  // Column after the current line's text (0-based).
  int column() const { return lines_.back().indent + text_width(lines_.back().text); }
  bool fits(int more) const { return column() + more <= width_; }
  int width() const { return width_; }
  std::vector<Line>& lines() { return lines_; }

 private:
  int width_;
  std::vector<Line> lines_;
};

// The source text around the AST: comments, line numbers, blank lines and the offsets of
// keywords that have no node of their own (`cite`, `else`, header options).
class SourceContext {
 public:
  SourceContext(std::string_view text, const std::vector<ast::Comment>& comments);

  std::string_view text() const { return text_; }
  const std::vector<ast::Comment>& comments() const { return comments_; }
  std::uint32_t line_of(std::uint32_t offset) const;    // 1-based
  std::uint32_t column_of(std::uint32_t offset) const;  // 1-based, in bytes
  bool has_comment(std::uint32_t begin, std::uint32_t end) const;
  // An empty (or blank) line lies between the two offsets.
  bool blank_line_between(std::uint32_t from, std::uint32_t to) const;
  // Code precedes `offset` on its line (a trailing comment rather than an own-line one).
  bool code_before_on_line(std::uint32_t offset) const;
  // The first `word` in [begin, end) outside strings and comments, at identifier boundaries.
  std::optional<std::uint32_t> find_word(std::uint32_t begin, std::uint32_t end, std::string_view word) const;

 private:
  std::string_view text_;
  const std::vector<ast::Comment>& comments_;
  std::vector<std::uint32_t> line_starts_;
};

enum class ChunkKind { header, import, codeset, define, param, param_set, enumeration, record, rule };

// One top-level construct laid out: the header or one item.
struct Chunk {
  ChunkKind kind;
  SourceSpan span;
  std::vector<Line> lines;
};

// Lays out the header and every item (format_items.cpp).
std::vector<Chunk> layout_items(const ast::File& file, const SourceContext& source, int width);

// ---- Expressions (format_expr.cpp) ----------------------------------------------------------

// Canonical one-line spelling of literals and expressions: operators spaced, parentheses only
// where the grammar needs them, plus around `any`/`all` and around `and` inside `or`.
std::string escape_string(std::string_view value);
std::string date_range_text(const ast::DateRange& range);
std::string duration_text(std::int64_t amount, std::string_view unit_plural);
std::string flat_expr(const ast::Expr& e);
std::string flat_set_expr(const ast::Expr& e);  // right of `in` and in `codeset X = ...`
std::string code_entry_text(const ast::CodeEntry& entry);
void collect_atoms(const ast::Expr& e, std::vector<std::uint32_t>& out);

// Writes `e` from the writer's current column. When it does not fit (leaving `suffix` columns
// for what follows on its last line), top-level `and`/`or` chains break one operand per line,
// aligned under the expression's first column; quantifier bodies, `not` and `count(...)`
// filters break the same way inside.
void write_expr(Writer& w, const ast::Expr& e, int suffix = 0);

}  // namespace covcheck::dsl::format_detail
