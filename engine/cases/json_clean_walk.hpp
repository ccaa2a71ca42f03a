// The fast path of JSON case loading: a document that is plain ASCII, strictly well-formed
// JSON and loads without a single diagnostic (the common case in `batch`) is read by a
// hand-written scan straight into the Case; anything else is left to the full simdjson walk
// (json_case_loader.cpp), which alone words every diagnostic.
#pragma once

#include <string_view>
#include <vector>

#include "dsl/source/source.hpp"
#include "engine/cases/case.hpp"

namespace covcheck::engine {

class SchemaIndex;

// Scratch storage reused from document to document.
struct CleanWalkPools {
  std::vector<Value> items;  // elements of the open lists
  std::vector<dsl::SourceSpan> item_spans;
  // Per record type, the field at each member position in the last record of that type
  // (+1; 0: none): records in one input mostly list their keys in the same order, so a
  // key is first compared with its prediction before it is looked up.
  std::vector<std::vector<std::uint32_t>> order;
};

// Loads `text` into `out` (reset first) and returns true when the document is clean: the
// Case is then exactly what the full walk builds, with no diagnostic to report. False as soon
// as anything is unusual (a byte outside ASCII, a control byte, an escape, a syntax error, an
// unknown, derived or repeated key, a value the schema refuses...): `out` is then partly
// written and the caller loads the text again with the full walk.
bool load_clean_json(const SchemaIndex& index, std::string_view text, dsl::FileId file, CleanWalkPools& pools,
                     Case& out);

}  // namespace covcheck::engine
