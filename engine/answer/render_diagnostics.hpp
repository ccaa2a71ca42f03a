// The one serializer for diagnostics as JSON, used by every surface (check, batch error
// records, HTTP error bodies, lint). Every key is always present, null when it does not
// apply; docs/json.md describes the shape and docs/schema/diagnostic.schema.json checks it.
// The text form is dsl::render_all, the compiler-style rendering.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dsl/source/diagnostics.hpp"
#include "engine/answer/json_writer.hpp"

namespace covcheck::engine {

// {"severity", "code", "message", "source", "line", "column", "span": {"begin", "end"},
//  "at", "field", "help", "notes": [{"message", "source", "line", "column", "span", "at"}]}
void write_diagnostic(JsonWriter& w, const dsl::Diagnostic& d, const dsl::SourceRegistry& sources);
// An array of them, in the list's order.
void write_diagnostics(JsonWriter& w, const dsl::Diagnostics& diagnostics, const dsl::SourceRegistry& sources);

// The answer for a case that got none: {"case": id, "error": message, "diagnostics": […]},
// with "line" after "case" for a batch record. `check --format json` and `batch` write it.
void write_case_error(JsonWriter& w, const std::optional<std::string>& case_id, std::optional<std::uint64_t> line,
                      std::string_view error, const dsl::Diagnostics& diagnostics, const dsl::SourceRegistry& sources);

}  // namespace covcheck::engine
