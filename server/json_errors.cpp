// JSON error bodies and diagnostics as JSON.
#include "server/json_errors.hpp"

namespace covcheck::server {

std::string error_body(std::string_view code, std::string_view message) {
  engine::JsonWriter w(false);
  w.begin_object().member("error", code).member("message", message).end_object();
  return w.str() + "\n";
}

std::optional<std::string> field_path(const dsl::Diagnostic& d) {
  const std::string& m = d.message;
  std::size_t at = m.rfind(" in `");
  if (at != std::string::npos) {
    std::size_t begin = at + 5;
    std::size_t end = m.find('`', begin);
    if (end != std::string::npos && end > begin) return m.substr(begin, end - begin);
  }
  if (d.code == "case.unknown_field") {
    std::size_t begin = m.find('`');
    std::size_t end = begin == std::string::npos ? begin : m.find('`', begin + 1);
    if (end != std::string::npos) return m.substr(begin + 1, end - begin - 1);
  }
  return std::nullopt;
}

void write_diagnostics(engine::JsonWriter& w, const dsl::Diagnostics& diagnostics, const dsl::SourceRegistry& sources) {
  w.begin_array();
  for (const dsl::Diagnostic& d : diagnostics.items()) {
    const char* severity = d.severity == dsl::Severity::error     ? "error"
                           : d.severity == dsl::Severity::warning ? "warning"
                                                                  : "note";
    w.begin_object().member("severity", severity).member("code", d.code);
    if (d.span.file != dsl::no_file && d.span.file < sources.size()) {
      const dsl::SourceFile& file = sources.file(d.span.file);
      dsl::LineColumn lc = file.location(d.span.begin);
      w.member("file", file.name()).member("line", static_cast<std::int64_t>(lc.line));
      w.member("column", static_cast<std::int64_t>(lc.column));
    } else {
      w.key("file").null().key("line").null().key("column").null();
    }
    w.member("field", field_path(d)).member("message", d.message).member("help", d.help);
    w.end_object();
  }
  w.end_array();
}

std::string diagnostics_body(std::string_view code, std::string_view message, const dsl::Diagnostics& diagnostics,
                             const dsl::SourceRegistry& sources) {
  engine::JsonWriter w(false);
  w.begin_object().member("error", code).member("message", message).key("diagnostics");
  write_diagnostics(w, diagnostics, sources);
  w.member("text", dsl::render_all(diagnostics, sources)).end_object();
  return w.str() + "\n";
}

}  // namespace covcheck::server
