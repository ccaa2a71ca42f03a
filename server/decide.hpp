// Deciding one case sent over HTTP: the text is registered as the file `request` in a copy
// of the State's SourceRegistry (copies share the rule files) and goes through
// engine::decide_case, so answers and diagnostics are exactly those of `covcheck check`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/determination.hpp"
#include "engine/pipeline.hpp"
#include "server/state.hpp"

namespace covcheck::server {

struct CaseQuery {
  std::optional<std::int32_t> as_of;
  bool trace = false;
  std::uint32_t trace_elements = engine::default_trace_elements;  // `trace_elements=N|all`
  // From the media type: an application/json body is strict JSON, as a `.json` case file is.
  engine::CaseSyntax syntax = engine::CaseSyntax::yaml;
};

struct Decided {
  int status = 200;       // 200; 400 the case does not load or validate; 422 it cannot be decided
  std::string json;       // the `check --format json` object on one line, or the error object
  std::optional<engine::Decision> decision;
  std::optional<std::string> case_id;
  std::optional<std::string> policy;  // "name@version sha256:..." of the policy in force
};

// Errors are answered with the diagnostics as JSON and their compiler-style rendering.
Decided decide(const State& state, std::string text, const CaseQuery& query);

}  // namespace covcheck::server
