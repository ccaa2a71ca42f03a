// JSON case loading through simdjson On-Demand, for `batch` over JSON Lines: the document is
// walked once, in order, and each value written straight into the Case by the schema (no
// intermediate tree), with the diagnostics the YAML loader gives for the same text.
#pragma once

#include <memory>
#include <string_view>

#include "dsl/check/schema.hpp"
#include "dsl/source/diagnostics.hpp"
#include "engine/cases/case.hpp"

namespace covcheck::engine {

class SchemaIndex;

class JsonCaseLoader {
 public:
  JsonCaseLoader();
  ~JsonCaseLoader();
  JsonCaseLoader(const JsonCaseLoader&) = delete;
  JsonCaseLoader& operator=(const JsonCaseLoader&) = delete;

  // Loads one JSON document into `out` (its storage is reused). `readable` is how many bytes
  // may be read from `text.data()` (at least text.size()); nothing past the text is read
  // (simdjson gets a padded copy: the bytes past the end would sway its error positions).
  // Spans name `file`, offsets relative to `text`. Returns false when an error was reported;
  // Case::read_through then says whether the document was read whole (some values refused).
  bool load(const SchemaIndex& index, std::string_view text, std::size_t readable, dsl::FileId file,
            dsl::Diagnostics& diagnostics, Case& out);
  // The same, building the schema's name lookups for this one call (for loading a few cases).
  bool load(const dsl::Schema& schema, std::string_view text, std::size_t readable, dsl::FileId file,
            dsl::Diagnostics& diagnostics, Case& out);

  // A clean document (json_clean_walk.hpp) is first tried by the fast path; false makes every
  // document take the full walk (for tests that compare the two).
  void set_fast_path(bool on) { fast_path_ = on; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  bool fast_path_ = true;
};

}  // namespace covcheck::engine
