// Small helpers shared by the JSON and text renderers (internal to engine/render_*.cpp).
#pragma once

#include <string>

#include "dsl/source.hpp"
#include "engine/determination.hpp"

namespace covcheck::engine::render_detail {

inline bool located(dsl::SourceSpan span, const dsl::SourceRegistry& sources) {
  return span.file != dsl::no_file && span.file < sources.size();
}

// A trace's source text; an evaluation run without a SourceRegistry leaves it empty, and
// the renderer, which always has one, fills it from the span.
inline std::string source_text(const std::string& given, dsl::SourceSpan span, const dsl::SourceRegistry& sources) {
  if (!given.empty() || !located(span, sources)) return given;
  return std::string(sources.file(span.file).slice(span));
}

}  // namespace covcheck::engine::render_detail
