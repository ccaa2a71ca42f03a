// Small helpers shared by the JSON and text renderers (internal to engine/render_*.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "dsl/source/source.hpp"
#include "engine/answer/determination.hpp"

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

// 199995 -> "199,995": element counts of a bounded trace.
inline std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace covcheck::engine::render_detail
