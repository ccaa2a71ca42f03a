// The case digest of the audit trail: sha256 over the validated Case's values in schema
// order, so the YAML, JSON and FHIR forms of one case agree and spans, key order and
// spelling (synonyms, case of enumeration members) do not count.
#pragma once

#include <string>

#include "dsl/check/schema.hpp"
#include "engine/cases/case.hpp"

namespace covcheck::engine {

// "sha256:<64 hex digits>". Derived fields are left out (the rules compute them).
std::string case_digest(const Case& c, const dsl::Schema& schema);

}  // namespace covcheck::engine
