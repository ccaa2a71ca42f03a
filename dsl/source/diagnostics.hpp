// Diagnostics are values: severity, stable code, span, message, notes and a hint.
// They are collected (never thrown across stages), sorted by position and rendered
// like a compiler's: `file:line:col: error: message`, the source line, a caret.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsl/source/source.hpp"

namespace covcheck::dsl {

enum class Severity { error, warning, note };

struct DiagnosticNote {
  std::optional<SourceSpan> span;  // where the note points, if anywhere
  std::string message;
};

struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;     // stable, e.g. "parse.expected_expression", "check.unknown_name"
  SourceSpan span;      // file == no_file for diagnostics without a location
  std::string message;  // lowercase, no final period, names in backticks
  std::vector<DiagnosticNote> notes;
  std::optional<std::string> help;  // a fix: "did you mean `patient.age`?"
  // The case field the diagnostic is about (`request.service`, `treatments[1].adequate_dose`:
  // dotted, lists indexed from 0), set where the diagnostic is made; absent for rule files.
  std::optional<std::string> field;
};

class Diagnostics {
 public:
  Diagnostic& error(std::string code, SourceSpan span, std::string message);
  Diagnostic& warning(std::string code, SourceSpan span, std::string message);
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void append(const Diagnostics& other);

  bool has_errors() const;
  std::size_t error_count() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  // Empties the list, keeping its storage (sessions reuse one from case to case).
  void clear() { items_.clear(); }
  // Stable sort by file, then offset; keeps insertion order for equal positions.
  void sort();

 private:
  std::vector<Diagnostic> items_;
};

// Renders one diagnostic with its source line and a caret line under the span.
std::string render(const Diagnostic& d, const SourceRegistry& sources);
// Renders all, followed by a summary line ("2 errors, 1 warning") when any.
std::string render_all(const Diagnostics& ds, const SourceRegistry& sources);

// Closest candidate by edit distance, for did-you-mean hints; nullopt when nothing is close.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace covcheck::dsl
