// Case facts in plain words for clinics: `treatments[1].adequate_dose` becomes
// "Treatment 2 (duloxetine): adequate dose", a value "psychiatric nurse practitioner".
// Paths stay data elsewhere (`missing`, evidence); these words are for sentences only.
#pragma once

#include <string>
#include <string_view>

#include "dsl/check/schema.hpp"
#include "engine/cases/case.hpp"
#include "engine/compile/program.hpp"

namespace covcheck::engine {

// An identifier as words: `prescriber_specialty` -> "prescriber specialty".
std::string words_of(std::string_view name);

// The fact at a dotted, 0-based input path, named for people: list items counted from 1 and
// named by their `name`, `instrument` or `code` when the case gives one. A path the schema
// does not know is returned as it is.
std::string fact_words(const dsl::Schema& schema, const Case& c, std::string_view path);

// The schema's documentation of the field at `path` when it reads as a short phrase, else "".
std::string fact_doc(const dsl::Schema& schema, std::string_view path);

// A value as a person reads it: members and codes as words, dates as ISO dates, booleans
// as yes / no.
std::string value_words(const dsl::Schema& schema, const Case& c, const Value& v, std::uint32_t enum_ref);

}  // namespace covcheck::engine
