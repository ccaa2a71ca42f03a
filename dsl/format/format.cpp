// The formatter's driver: lays out the items (format_items.cpp), attaches every comment to the
// output line whose tokens surround it, and renders lines, blank lines and comments.
//
// A comment with code before it on its line stays at the end of the line that holds the token
// before it; a comment on its own line goes above the line that holds the token after it. In
// already formatted text tokens keep their order, so comments stay where they are: idempotent.
#include "dsl/format/format.hpp"

#include <algorithm>
#include <cctype>

#include "dsl/format/format_internal.hpp"
#include "dsl/syntax/parser.hpp"

namespace covcheck::dsl {

namespace format_detail {

SourceContext::SourceContext(std::string_view text, const std::vector<ast::Comment>& comments)
    : text_(text), comments_(comments) {
  line_starts_.push_back(0);
  for (std::uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::uint32_t SourceContext::line_of(std::uint32_t offset) const {
  return static_cast<std::uint32_t>(std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) -
                                    line_starts_.begin());
}

std::uint32_t SourceContext::column_of(std::uint32_t offset) const {
  return offset - line_starts_[line_of(offset) - 1] + 1;
}

bool SourceContext::has_comment(std::uint32_t begin, std::uint32_t end) const {
  return std::any_of(comments_.begin(), comments_.end(),
                     [&](const ast::Comment& c) { return c.span.begin >= begin && c.span.begin < end; });
}

bool SourceContext::blank_line_between(std::uint32_t from, std::uint32_t to) const {
  std::uint32_t first = line_of(from) + 1, last = line_of(to);
  for (std::uint32_t line = first; line < last; ++line) {
    std::uint32_t begin = line_starts_[line - 1];
    std::uint32_t end = line < line_starts_.size() ? line_starts_[line] : static_cast<std::uint32_t>(text_.size());
    std::string_view content = text_.substr(begin, end - begin);
    if (content.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
  }
  return false;
}

bool SourceContext::code_before_on_line(std::uint32_t offset) const {
  std::uint32_t begin = line_starts_[line_of(offset) - 1];
  std::string_view before = text_.substr(begin, offset - begin);
  if (before.substr(0, 3) == "\xEF\xBB\xBF") before.remove_prefix(3);
  return before.find_first_not_of(" \t\r") != std::string_view::npos;
}

std::optional<std::uint32_t> SourceContext::find_word(std::uint32_t begin, std::uint32_t end,
                                                      std::string_view word) const {
  auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  end = std::min<std::uint32_t>(end, static_cast<std::uint32_t>(text_.size()));
  for (std::uint32_t i = begin; i < end; ++i) {
    char c = text_[i];
    if (c == '"') {
      for (++i; i < end && text_[i] != '"'; ++i) {
        if (text_[i] == '\\') ++i;
      }
    } else if (c == '#') {
      while (i < end && text_[i] != '\n') ++i;
    } else if (ident(c)) {
      std::uint32_t start = i;
      while (i < end && ident(text_[i])) ++i;
      if (text_.substr(start, i - start) == word && (start == 0 || !ident(text_[start - 1]))) return start;
      --i;
    }
  }
  return std::nullopt;
}

namespace {

// Trailing comments in a brace block (enum, record, code set) line up when their code ends
// before this column; a longer line keeps its comment two spaces after the code rather than
// pushing every comment right. Elsewhere a trailing comment sits two spaces after the code.
constexpr int align_limit = 48;

std::string trimmed(std::string_view comment) {
  std::size_t end = comment.find_last_not_of(" \t\r");
  return std::string(comment.substr(0, end == std::string_view::npos ? 0 : end + 1));
}

struct Attached {
  std::vector<std::vector<std::vector<const ast::Comment*>>> before;    // [chunk][line]
  std::vector<std::vector<std::vector<const ast::Comment*>>> trailing;  // [chunk][line]
  std::vector<std::vector<const ast::Comment*>> leading;                // [chunk], above its first line
  std::vector<std::vector<const ast::Comment*>> after;                  // [chunk], below its last line
  std::vector<const ast::Comment*> end;                                 // after everything
};

struct AtomAt {
  std::uint32_t offset;
  std::size_t chunk;
  std::size_t line;
};

Attached attach(const std::vector<Chunk>& chunks, const SourceContext& src) {
  Attached a;
  a.before.resize(chunks.size());
  a.trailing.resize(chunks.size());
  a.leading.resize(chunks.size());
  a.after.resize(chunks.size());
  std::vector<AtomAt> atoms;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    a.before[c].resize(chunks[c].lines.size());
    a.trailing[c].resize(chunks[c].lines.size());
    for (std::size_t l = 0; l < chunks[c].lines.size(); ++l) {
      for (std::uint32_t offset : chunks[c].lines[l].atoms) atoms.push_back({offset, c, l});
    }
  }
  std::stable_sort(atoms.begin(), atoms.end(), [](const AtomAt& x, const AtomAt& y) { return x.offset < y.offset; });

  for (const ast::Comment& comment : src.comments()) {
    std::uint32_t at = comment.span.begin;
    auto next =
        std::upper_bound(atoms.begin(), atoms.end(), at, [](std::uint32_t v, const AtomAt& x) { return v < x.offset; });
    const AtomAt* prev = next == atoms.begin() ? nullptr : &*std::prev(next);
    if (prev && src.code_before_on_line(at)) {
      a.trailing[prev->chunk][prev->line].push_back(&comment);
    } else if (next == atoms.end()) {
      a.end.push_back(&comment);
    } else if (next->line != 0) {
      a.before[next->chunk][next->line].push_back(&comment);
    } else if (prev && prev->chunk < next->chunk && src.column_of(at) > 1 &&
               !src.blank_line_between(chunks[prev->chunk].span.end, at)) {
      // An indented comment right below an item, before any blank line, closes that item.
      a.after[prev->chunk].push_back(&comment);
    } else {
      a.leading[next->chunk].push_back(&comment);
    }
  }
  return a;
}

class Renderer {
 public:
  Renderer(const std::vector<Chunk>& chunks, const Attached& attached, const SourceContext& src)
      : chunks_(chunks), a_(attached), src_(src) {}

  std::string render() {
    std::optional<std::uint32_t> last_end;  // source end of what was rendered last
    for (std::size_t c = 0; c < chunks_.size(); ++c) {
      const Chunk& chunk = chunks_[c];
      std::uint32_t first = a_.leading[c].empty() ? chunk.span.begin : a_.leading[c].front()->span.begin;
      if (c > 0 && separated(chunks_[c - 1], chunk, *last_end, first)) blank();
      comment_block(a_.leading[c], 0, last_end);
      if (!a_.leading[c].empty() && src_.blank_line_between(a_.leading[c].back()->span.begin, chunk.span.begin)) {
        blank();
      }
      lines(c);
      last_end = chunk.span.end;
      for (const ast::Comment* comment : a_.after[c]) {
        emit(2, trimmed(comment->text));
        last_end = comment->span.end;
      }
    }
    if (!a_.end.empty() && last_end && src_.blank_line_between(*last_end, a_.end.front()->span.begin)) blank();
    comment_block(a_.end, 0, last_end);
    return out_;
  }

 private:
  // Items are separated by a blank line, except runs of one-line items of one kind (a group
  // of code sets, defines or imports) that the author wrote without one.
  bool separated(const Chunk& prev, const Chunk& next, std::uint32_t prev_end, std::uint32_t next_begin) const {
    if (prev.lines.size() > 1 || next.lines.size() > 1 || prev.kind != next.kind) return true;
    if (prev.kind == ChunkKind::header || prev.kind == ChunkKind::rule || prev.kind == ChunkKind::record) return true;
    return src_.blank_line_between(prev_end, next_begin);
  }

  // Own-line comments in a row, keeping (collapsed) the blank lines the author put between them.
  void comment_block(const std::vector<const ast::Comment*>& block, int indent, std::optional<std::uint32_t>& last) {
    for (std::size_t i = 0; i < block.size(); ++i) {
      if (i > 0 && src_.blank_line_between(block[i - 1]->span.begin, block[i]->span.begin)) blank();
      emit(indent, trimmed(block[i]->text));
      last = block[i]->span.end;
    }
  }

  void lines(std::size_t c) {
    const Chunk& chunk = chunks_[c];
    // The column trailing comments align to in this chunk.
    int align = 0;
    bool table =
        chunk.kind == ChunkKind::enumeration || chunk.kind == ChunkKind::record || chunk.kind == ChunkKind::codeset;
    for (std::size_t l = 0; table && l < chunk.lines.size(); ++l) {
      int end = chunk.lines[l].indent + text_width(chunk.lines[l].text);
      if (!a_.trailing[c][l].empty() && end <= align_limit) align = std::max(align, end + 2);
    }
    for (std::size_t l = 0; l < chunk.lines.size(); ++l) {
      const Line& line = chunk.lines[l];
      int comment_indent = line.comment_indent >= 0 ? line.comment_indent : line.indent;
      for (const ast::Comment* comment : a_.before[c][l]) emit(comment_indent, trimmed(comment->text));
      const auto& trailing = a_.trailing[c][l];
      // Two comments cannot share the end of one line: all but the last go above it.
      for (std::size_t i = 0; i + 1 < trailing.size(); ++i) emit(comment_indent, trimmed(trailing[i]->text));
      std::string text = std::string(static_cast<std::size_t>(line.indent), ' ') + line.text;
      if (!trailing.empty()) {
        int end = text_width(text);
        text += std::string(static_cast<std::size_t>(end + 2 <= align ? align - end : 2), ' ');
        text += trimmed(trailing.back()->text);
      }
      emit(0, text);
    }
  }

  void emit(int indent, const std::string& text) {
    out_ += std::string(static_cast<std::size_t>(indent), ' ');
    out_ += text;
    out_ += '\n';
  }
  void blank() {
    if (!out_.empty() && out_.substr(out_.size() >= 2 ? out_.size() - 2 : 0) != "\n\n") out_ += '\n';
  }

  const std::vector<Chunk>& chunks_;
  const Attached& a_;
  const SourceContext& src_;
  std::string out_;
};

}  // namespace

}  // namespace format_detail

std::string format_expression(const ast::Expr& expr) { return format_detail::flat_expr(expr); }

std::string format_file(const ast::File& file, std::string_view text, const FormatOptions& options) {
  using namespace format_detail;
  SourceContext src(text, file.comments);
  std::vector<Chunk> chunks = layout_items(file, src, options.width);
  Attached attached = attach(chunks, src);
  return Renderer(chunks, attached, src).render();
}

std::optional<std::string> format_source(const SourceRegistry& sources, FileId file, Diagnostics& diagnostics,
                                         const FormatOptions& options) {
  ast::NodeId next_id = 0;
  Diagnostics local;
  std::optional<ast::File> parsed = parse_file(sources, file, next_id, local);
  diagnostics.append(local);
  if (!parsed || local.has_errors()) return std::nullopt;
  return format_file(*parsed, sources.file(file).text(), options);
}

}  // namespace covcheck::dsl
