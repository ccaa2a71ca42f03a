// The one serializer for answers: a determination as the brief's JSON contract (pretty, or
// one line for JSON Lines), as compiler-style text, and the compact line of `batch --compact`.
// Diagnostics have their own (render_diagnostics.hpp). docs/json.md describes the shapes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsl/source/source.hpp"
#include "engine/answer/determination.hpp"
#include "engine/compile/program.hpp"
#include "engine/eval/evaluate.hpp"

namespace covcheck::engine {

// Pretty-printed (2-space indentation), ending with a newline: `check --format json`.
std::string render_json(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace);
// The same object on one line, ending with a newline: one JSON Lines record for `batch`.
std::string render_json_line(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace);
// The same, appended to `out` (batch output buffers are reused from record to record).
void render_json_line(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace, std::string& out);
std::string render_text(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace);
// The printable prior-authorization summary (`check --format html`, `POST /v1/summary`): one
// self-contained HTML document, escaped throughout, with a print stylesheet for A4 and Letter.
// Its header shows `d.case_facts`: decide with SessionOptions::case_facts to fill them.
std::string render_html(const Determination& d, const dsl::SourceRegistry& sources);

// The compact line: {"case", "decision", "basis", "prior_auth", "benefit", "reasons": [rule
// ids]}. Built once per program: it keeps the rule ids and benefits as JSON literals, so
// that writing a line allocates nothing.
class CompactWriter {
 public:
  explicit CompactWriter(const Program& program);
  void write(const QuickDetermination& q, const std::optional<std::string>& case_id, std::string& out) const;

 private:
  std::vector<std::string> quoted_ids_;       // JSON string literals of rule ids
  std::vector<std::string> quoted_benefits_;  // of `benefit` members
};

}  // namespace covcheck::engine
