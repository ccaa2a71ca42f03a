// The facts a case gives, grouped as the schema lays them out (the case's own fields, each
// record, each list of records as rows) in plain words: the header of a printed summary.
#pragma once

#include <vector>

#include "dsl/check/schema.hpp"
#include "engine/answer/determination.hpp"
#include "engine/cases/case.hpp"

namespace covcheck::engine {

// Every fact the case states (absent ones are left out: a summary shows what was sent),
// derived facts excepted. Groups in schema order; a group without any fact is left out.
std::vector<CaseFactGroup> case_facts(const dsl::Schema& schema, const Case& c);

}  // namespace covcheck::engine
