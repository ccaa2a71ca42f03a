// A pend's missing facts as a FHIR R4 Questionnaire (DTR-style, interop contract §4): one
// item per fact, linkId = the case field path, typed from the schema, answer options from
// the enumeration, text from the field's documentation and the criterion waiting for it.
// A QuestionnaireResponse with those linkIds fills the facts (the FHIR reader reads it).
#pragma once

#include <string>
#include <string_view>

#include "dsl/check/schema.hpp"
#include "engine/answer/determination.hpp"
#include "engine/answer/json_writer.hpp"

namespace covcheck::engine::crd {

// A stable id for the questionnaire of this determination: the same missing facts under the
// same policies give the same id.
std::string questionnaire_id(const Determination& d);

// The Questionnaire resource as the next value of `w`; `url` is its canonical URL.
void write_questionnaire(JsonWriter& w, const Determination& d, const dsl::Schema& schema, std::string_view id,
                         std::string_view url);

// The FHIR item type for a case field path (`treatments[1].adequate_dose` -> boolean);
// "display" when the fact is no single answer (a whole list of records) or unknown to the schema.
std::string item_type(const dsl::Schema& schema, std::string_view path);

}  // namespace covcheck::engine::crd
