// Case loading: a YAML or JSON document -> a typed Case, validated against the schema.
// Wrong types, bad enumeration values, malformed codes and dates are errors naming the
// field path and its line:col; unknown fields are warnings with a did-you-mean.
#pragma once

#include <optional>

#include "dsl/check/schema.hpp"
#include "dsl/source/diagnostics.hpp"
#include "engine/cases/case.hpp"
#include "engine/cases/yaml_tree.hpp"

namespace covcheck::engine {

// What load_case returns when it refused some values of a document it read through:
// nothing (the default), or the case with those values unknown, for the schema's checks to
// run on the rest (every case diagnostic in one round; such a case is never decided).
enum class RefusedValues { no_case, keep_case };

// Loads the single document of a registered case file through the YAML case reader
// (case_readers.hpp; JSON text is parsed as YAML here), for tests and tools that read one
// file; commands decide cases through a DecisionSession. Several documents in one file are
// an error. Returns nullopt when any error was reported (but see RefusedValues); warnings
// do not prevent loading.
std::optional<Case> load_case(const dsl::Schema& schema, const dsl::SourceRegistry& sources, dsl::FileId file,
                              dsl::Diagnostics& diagnostics, RefusedValues keep = RefusedValues::no_case);

// Lays out an already-built tree (`batch` builds one per JSON Lines record or YAML
// document) into `out`, reusing its storage; spans name `file`. Same validation and
// diagnostics as load_case. Returns false when any error was reported; `out` is then still
// what was loaded, and Case::read_through says whether the whole document was read.
bool load_case_tree(const dsl::Schema& schema, const YamlTree& tree, dsl::FileId file, dsl::Diagnostics& diagnostics,
                    Case& out);
// The same with the schema's name lookups built once (case_builder.hpp), for loading many.
class SchemaIndex;
bool load_case_tree(const SchemaIndex& index, const YamlTree& tree, dsl::FileId file, dsl::Diagnostics& diagnostics,
                    Case& out);

}  // namespace covcheck::engine
