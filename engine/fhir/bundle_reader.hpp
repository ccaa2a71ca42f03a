// FHIR R4 Bundle -> case: the element mapping of docs/fhir.md (interop contract §1). The
// reader builds the case as a tree whose values carry their FHIR element's span and path;
// the schema walk every other case format uses (CaseBuilder, through load_case_tree) then
// lays it out, so a case from FHIR gets the same checks and diagnostics, at the bundle's
// line:col. Absent elements stay absent (unknown), never false or empty.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/diagnostics.hpp"
#include "dsl/schema.hpp"
#include "engine/case.hpp"
#include "engine/fhir/json_tree.hpp"
#include "engine/fhir/terminology.hpp"
#include "engine/yaml_tree.hpp"

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
// `parser` (optional) is reused from call to call by callers reading many bundles.
bool read_bundle(std::string_view text, dsl::FileId file, const Terminology& terms, dsl::Diagnostics& diagnostics,
                 FhirCase& out, JsonTreeParser* parser = nullptr);

// read_bundle, then the schema walk into a Case; each schema diagnostic on a value from FHIR
// gets a note naming that FHIR element. `keep` receives the case tree (for fhir2case).
std::optional<Case> load_fhir_case(const dsl::Schema& schema, const dsl::SourceRegistry& sources, dsl::FileId file,
                                   const Terminology& terms, dsl::Diagnostics& diagnostics, FhirCase* keep = nullptr,
                                   JsonTreeParser* parser = nullptr);

// A document that is FHIR: a JSON object with a top-level `resourceType` (a Bundle, or a
// resource sent where a bundle belongs, which read_bundle reports).
bool is_fhir_document(std::string_view text);

}  // namespace covcheck::engine::fhir
