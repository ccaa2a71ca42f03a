// FHIR R4 Bundle -> case: the element mapping of docs/fhir.md (interop contract §1). The
// reader builds the case as a tree whose values carry their FHIR element's span and path;
// the schema walk every other case format uses (CaseBuilder, through load_case_tree) then
// lays it out, so a case from FHIR gets the same checks and diagnostics, at the bundle's
// line:col. Absent elements stay absent (unknown), never false or empty.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/check/schema.hpp"
#include "dsl/source/diagnostics.hpp"
#include "engine/cases/case.hpp"
#include "engine/cases/case_builder.hpp"
#include "engine/cases/fhir/json_tree.hpp"
#include "engine/cases/fhir/terminology.hpp"
#include "engine/cases/yaml_tree.hpp"

namespace covcheck::engine::fhir {

// The case the mapping built, before the schema walk.
struct FhirCase {
  YamlTree tree;                     // the case document; spans are in the bundle's text
  std::vector<std::string> sources;  // per tree node: the FHIR path its value came from ("" for none)
};

// Limits on what one bundle may hold (documented in docs/fhir.md).
inline constexpr std::size_t max_bundle_resources = 10'000;
inline constexpr std::size_t max_bundle_bytes = std::size_t{64} << 20;

// Reads a bundle (the registered file `file`'s text) into `out`. Errors (`fhir.*`) name the
// FHIR path and the element's line:col; unmapped codes are `fhir.unmapped_code` warnings.
// False when an error was reported.
// `parser` and `memory` (optional) are reused from call to call by callers reading many bundles.
// `schema` (optional) tells which QuestionnaireResponse answers fill a list: without it a
// repeated answer fills its first value only.
struct ReaderMemory;
bool read_bundle(std::string_view text, dsl::FileId file, const Terminology& terms, dsl::Diagnostics& diagnostics,
                 FhirCase& out, JsonTreeParser* parser = nullptr, const dsl::Schema* schema = nullptr,
                 ReaderMemory* memory = nullptr);

// The FHIR row's state in a session's ReaderScratch (case_readers.hpp), kept from bundle to
// bundle: the tables, simdjson's parser, the mapped tree and the schema walk's diagnostics.
struct FhirScratch {
  FhirScratch();
  ~FhirScratch();
  // The tables the session was given (`--fhir-map`); null: the shipped ones, built into
  // `shipped` on the session's first bundle (a session that reads no FHIR never builds them).
  const Terminology* terms = nullptr;
  std::optional<Terminology> shipped;
  dsl::SourceRegistry shipped_sources;  // where the shipped tables' rows are
  JsonTreeParser parser;
  FhirCase mapped;
  dsl::Diagnostics walked;
  std::unique_ptr<ReaderMemory> memory;  // the mapping's resource indexes
};

// read_bundle, then the schema walk into `out` (its storage reused); each schema diagnostic
// keeps its case field path (`field`) and gets a note naming the FHIR element its value came
// from. False when an error was reported. The case-reader row's read function.
bool read_fhir_case(FhirScratch& scratch, const SchemaIndex& index, std::string_view text, dsl::FileId file,
                    dsl::Diagnostics& diagnostics, Case& out);

// read_fhir_case for one bundle registered in `sources`, with fresh scratch state.
// `keep` receives the case tree (for fhir2case).
std::optional<Case> load_fhir_case(const dsl::Schema& schema, const dsl::SourceRegistry& sources, dsl::FileId file,
                                   const Terminology& terms, dsl::Diagnostics& diagnostics, FhirCase* keep = nullptr);

// A document that is FHIR: a JSON object with a top-level `resourceType` (a Bundle, or a
// resource sent where a bundle belongs, which read_bundle reports).
bool is_fhir_document(std::string_view text);
// The same, only when `resourceType` is the first member: the check run on every JSON case.
bool leads_as_fhir_document(std::string_view text);

}  // namespace covcheck::engine::fhir
