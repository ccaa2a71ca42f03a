// Small helpers shared by the JSON and text renderers (internal to engine/render_*.cpp).
#pragma once

#include <string>

#include "dsl/source.hpp"
#include "engine/determination.hpp"

namespace covcheck::engine::render_detail {

// The renderers name decisions themselves so that output never depends on another stage.
inline const char* decision_label(Decision d) {
  switch (d) {
    case Decision::covered: return "covered";
    case Decision::pend: return "pend";
    case Decision::denied: return "denied";
    case Decision::excluded: return "excluded";
  }
  return "pend";
}

inline bool located(dsl::SourceSpan span, const dsl::SourceRegistry& sources) {
  return span.file != dsl::no_file && span.file < sources.size();
}

}  // namespace covcheck::engine::render_detail
