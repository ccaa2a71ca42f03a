// The case a FHIR bundle mapped to, printed for people (`covcheck fhir2case`): YAML with
// each value's FHIR source as a comment, or the plain case as JSON (a case file `check` reads).
#pragma once

#include <string>

#include "engine/cases/fhir/bundle_reader.hpp"

namespace covcheck::engine::fhir {

std::string print_case_yaml(const FhirCase& c);
std::string print_case_json(const FhirCase& c);

}  // namespace covcheck::engine::fhir
