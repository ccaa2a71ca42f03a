// Collecting, sorting and rendering diagnostics; did-you-mean suggestions.
#include "dsl/source/diagnostics.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace covcheck::dsl {

Diagnostic& Diagnostics::error(std::string code, SourceSpan span, std::string message) {
  items_.push_back(Diagnostic{Severity::error, std::move(code), span, std::move(message), {}, {}, {}});
  return items_.back();
}

Diagnostic& Diagnostics::warning(std::string code, SourceSpan span, std::string message) {
  items_.push_back(Diagnostic{Severity::warning, std::move(code), span, std::move(message), {}, {}, {}});
  return items_.back();
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
  return static_cast<std::size_t>(
      std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::error; }));
}

void Diagnostics::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.span.file != b.span.file) return a.span.file < b.span.file;
    return a.span.begin < b.span.begin;
  });
}

namespace {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "error";
}

// Source line plus caret line for a span; multi-line spans are underlined to the end of
// their first line.
void render_excerpt(std::string& out, const SourceFile& file, SourceSpan span) {
  LineColumn lc = file.location(span.begin);
  std::string_view line = file.line_text(lc.line);
  // Columns do not count a byte-order mark, so it is not quoted either (it would shift the caret).
  if (lc.line == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  std::string number = std::to_string(lc.line);
  std::string gutter(number.size(), ' ');
  out += fmt::format(" {} | {}\n", number, line);
  std::size_t col = lc.column - 1;
  // One pad or caret character per displayed character: UTF-8 continuation bytes add none.
  auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
  std::string pad;
  for (std::size_t i = 0; i < col && i < line.size(); ++i) {
    if (!continuation(line[i])) pad += line[i] == '\t' ? '\t' : ' ';
  }
  std::size_t width = span.end > span.begin ? span.end - span.begin : 1;
  if (col + width > line.size()) width = line.size() > col ? line.size() - col : 1;
  std::size_t carets = 0;
  for (std::size_t i = col; i < col + width && i < line.size(); ++i) carets += continuation(line[i]) ? 0 : 1;
  out += fmt::format(" {} | {}{}\n", gutter, pad, std::string(std::max<std::size_t>(carets, 1), '^'));
}

}  // namespace

std::string render(const Diagnostic& d, const SourceRegistry& sources) {
  std::string out;
  bool located = d.span.file != no_file && d.span.file < sources.size();
  if (located) {
    out += fmt::format("{}: {}: {} [{}]\n", sources.describe(d.span), severity_name(d.severity), d.message, d.code);
    render_excerpt(out, sources.file(d.span.file), d.span);
  } else {
    out += fmt::format("covcheck: {}: {} [{}]\n", severity_name(d.severity), d.message, d.code);
  }
  for (const DiagnosticNote& n : d.notes) {
    if (n.span && n.span->file != no_file && n.span->file < sources.size()) {
      out += fmt::format("{}: note: {}\n", sources.describe(*n.span), n.message);
      render_excerpt(out, sources.file(n.span->file), *n.span);
    } else {
      out += fmt::format("  = note: {}\n", n.message);
    }
  }
  if (d.help) out += fmt::format("  = help: {}\n", *d.help);
  return out;
}

std::string render_all(const Diagnostics& ds, const SourceRegistry& sources) {
  std::string out;
  std::size_t errors = 0, warnings = 0;
  for (const Diagnostic& d : ds.items()) {
    out += render(d, sources);
    if (d.severity == Severity::error) ++errors;
    if (d.severity == Severity::warning) ++warnings;
  }
  if (errors + warnings > 0) {
    out +=
        fmt::format("{} error{}, {} warning{}\n", errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
  }
  return out;
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  // Close enough to be a typo: about one edit per three characters, and never the whole word.
  std::size_t limit = std::max<std::size_t>(1, word.size() / 3 + 1);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d <= limit && d < word.size() && d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace covcheck::dsl
