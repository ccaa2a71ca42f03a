// Pinpointing a JSON syntax error. simdjson says only that a document is malformed, near
// where it stopped; this strict RFC 8259 scanner finds the first offending byte and names
// the mistake (a trailing comma, a comment, single quotes, an unquoted key, a bracket never
// closed), so that a `.json` case's `case.syntax` error points where the fix goes. It runs
// only after a load has failed, so it costs nothing on valid input.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "dsl/source/diagnostics.hpp"

namespace covcheck::engine {

struct JsonSyntaxError {
  std::size_t offset = 0;  // of the first offending byte
  std::size_t length = 1;  // bytes to underline
  std::string message;     // "invalid JSON: ..."
};

// The first syntax error in `text`, one JSON value with optional surrounding whitespace;
// nullopt when the text is valid JSON, or nests deeper than `max_depth` (left to the
// loader's depth limit).
std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text, std::size_t max_depth);

// After JsonCaseLoader::load failed on `text` (spans naming `file`): replaces its `case.syntax`
// error by one at the offending byte, `case.encoding` for bytes that are not UTF-8 text, else
// `case.syntax` from find_json_syntax_error. Leaves `diagnostics` alone when neither applies.
void locate_json_failure(std::string_view text, dsl::FileId file, dsl::Diagnostics& diagnostics);

}  // namespace covcheck::engine
