// Diagnostics as JSON: the location written from the span, the field path as the place
// that made the diagnostic set it.
#include "engine/answer/render_diagnostics.hpp"

namespace covcheck::engine {

namespace {

const char* severity_name(dsl::Severity s) {
  switch (s) {
    case dsl::Severity::error: return "error";
    case dsl::Severity::warning: return "warning";
    case dsl::Severity::note: return "note";
  }
  return "error";
}

// "source", "line", "column", "span", "at": all null without a span in a registered file.
void write_location(JsonWriter& w, const std::optional<dsl::SourceSpan>& span, const dsl::SourceRegistry& sources) {
  if (!span || span->file == dsl::no_file || span->file >= sources.size()) {
    w.key("source").null().key("line").null().key("column").null().key("span").null().key("at").null();
    return;
  }
  const dsl::SourceFile& file = sources.file(span->file);
  dsl::LineColumn lc = file.location(span->begin);
  w.member("source", file.name());
  w.member("line", static_cast<std::int64_t>(lc.line)).member("column", static_cast<std::int64_t>(lc.column));
  w.key("span").begin_object();
  w.member("begin", static_cast<std::int64_t>(span->begin)).member("end", static_cast<std::int64_t>(span->end));
  w.end_object();
  w.member("at", sources.describe(*span));
}

}  // namespace

void write_diagnostic(JsonWriter& w, const dsl::Diagnostic& d, const dsl::SourceRegistry& sources) {
  w.begin_object();
  w.member("severity", severity_name(d.severity)).member("code", d.code).member("message", d.message);
  write_location(w, d.span, sources);
  w.member("field", d.field).member("help", d.help);
  w.key("notes").begin_array();
  for (const dsl::DiagnosticNote& n : d.notes) {
    w.begin_object().member("message", n.message);
    write_location(w, n.span, sources);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

void write_diagnostics(JsonWriter& w, const dsl::Diagnostics& diagnostics, const dsl::SourceRegistry& sources) {
  w.begin_array();
  for (const dsl::Diagnostic& d : diagnostics.items()) write_diagnostic(w, d, sources);
  w.end_array();
}

void write_case_error(JsonWriter& w, const std::optional<std::string>& case_id, std::optional<std::uint64_t> line,
                      std::string_view error, const dsl::Diagnostics& diagnostics, const dsl::SourceRegistry& sources) {
  w.begin_object().member("case", case_id);
  if (line) w.member("line", static_cast<std::int64_t>(*line));
  w.member("error", error).key("diagnostics");
  write_diagnostics(w, diagnostics, sources);
  w.end_object();
}

}  // namespace covcheck::engine
