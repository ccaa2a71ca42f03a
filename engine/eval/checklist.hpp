// The answer's checklist: every coverage path that could apply and every restriction in
// force, each criterion with its status, the facts it read and the facts it waits for, in
// plain words, also after one criterion has decided the case. Sections come from rule tags
// named by the schema's `section` enumeration (rules/schema/case.cpl).
#pragma once

#include "engine/answer/determination.hpp"
#include "engine/cases/case.hpp"
#include "engine/eval/decider.hpp"

namespace covcheck::engine {

// Fills d.checklist from a decided Decider; evidence and missing facts need its traces
// recorded (Decider::traced()), statuses do not.
void build_checklist(Decider& decider, const Case& c, Determination& d);

// A rule's section: its first tag that is a member of the schema's `section` enumeration,
// else that enumeration's first member; "clinical" when the schema declares none.
std::string rule_section(const Program& program, const CompiledRule& rule);

}  // namespace covcheck::engine
