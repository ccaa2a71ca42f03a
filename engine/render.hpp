// Rendering a determination: the JSON contract of the brief, and compiler-style text.
#pragma once

#include <string>

#include "dsl/source.hpp"
#include "engine/determination.hpp"

namespace covcheck::engine {

// Pretty-printed (2-space indentation), ending with a newline: `check --format json`.
std::string render_json(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace);
// The same object on one line, ending with a newline: one JSON Lines record for `batch`.
std::string render_json_line(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace);
// The same, appended to `out` (batch output buffers are reused from record to record).
void render_json_line(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace, std::string& out);
std::string render_text(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace);

}  // namespace covcheck::engine
