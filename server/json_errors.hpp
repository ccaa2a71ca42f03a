// Every error the server answers is a JSON object: {"error": code, "message": text} and,
// for a case or rule set that does not load, the diagnostics with file, line, column and
// the field path they concern.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dsl/diagnostics.hpp"
#include "engine/json_writer.hpp"

namespace covcheck::server {

inline constexpr const char* json_type = "application/json";

// {"error": code, "message": message}, one line.
std::string error_body(std::string_view code, std::string_view message);

// {"error": code, "message": message, "diagnostics": [...], "text": "<compiler-style>"}.
std::string diagnostics_body(std::string_view code, std::string_view message, const dsl::Diagnostics& diagnostics,
                             const dsl::SourceRegistry& sources);

// Writes the diagnostics as an array of {severity, code, file, line, column, field, message, help}.
void write_diagnostics(engine::JsonWriter& w, const dsl::Diagnostics& diagnostics, const dsl::SourceRegistry& sources);

// The case field a diagnostic is about (`patient.sex`, `diagnoses[0].code`), read from the
// message's "in `path`" (or an unknown field's name); nullopt when it names none.
std::optional<std::string> field_path(const dsl::Diagnostic& d);

}  // namespace covcheck::server
