// Every error the server answers is a JSON object: {"error": code, "message": text} and,
// for a case or rule set that does not load, the diagnostics in the one shape every surface
// uses (engine/answer/render_diagnostics.hpp) and their compiler-style rendering.
#pragma once

#include <string>
#include <string_view>

#include "dsl/source/diagnostics.hpp"

namespace covcheck::server {

inline constexpr const char* json_type = "application/json";

// {"error": code, "message": message}, one line.
std::string error_body(std::string_view code, std::string_view message);

// {"error": code, "message": message, "diagnostics": [...], "text": "<compiler-style>"}.
std::string diagnostics_body(std::string_view code, std::string_view message, const dsl::Diagnostics& diagnostics,
                             const dsl::SourceRegistry& sources);

}  // namespace covcheck::server
