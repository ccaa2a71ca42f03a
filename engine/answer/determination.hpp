// The answer for one case: decision, reasons, missing facts, next steps, requirements and
// the explanation trace. Plain data; renderers (JSON, text) turn it into output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsl/source/source.hpp"
#include "dsl/syntax/ast.hpp"

namespace covcheck::engine {

using Decision = dsl::ast::Decision;  // covered < pend < denied < excluded
const char* decision_name(Decision d);

// How many elements of each quantifier (`any`, `all`, `count`, `count distinct`) a trace
// shows: the first ones that decided; the rest are counted by outcome (OmittedElements).
inline constexpr std::uint32_t default_trace_elements = 5;
inline constexpr std::uint32_t every_trace_element = 0xFFFFFFFFu;  // `--trace-elements all`

// The sub-expression every omitted element of one outcome came to: `t.class in antidepressant` false.
struct ElementReason {
  std::string expr;  // source text
  dsl::SourceSpan span;
  std::string value;
};

// A quantifier's elements the trace leaves out, by outcome.
struct OmittedElements {
  struct Group {
    std::string outcome;  // "counted" / "rejected" / "undecided" (count), "holds" / "fails" / "undecided" (any, all)
    std::uint64_t count = 0;
    std::optional<ElementReason> reason;  // when every omitted element of this outcome shares one
  };
  std::uint64_t count = 0;    // all outcomes
  std::vector<Group> groups;  // always three: true (counted, holds), false (rejected, fails), undecided
};

// One evaluated sub-expression: its source text, value, and how it was reached.
struct TraceNode {
  std::string expr;  // source text
  dsl::SourceSpan span;
  std::string value;                       // "true", "false", "unknown", "17", "2026-03-02", "1..3" (a count's bounds)
  std::string note;                        // e.g. "treatments[1] counted", "patient.birth_date is absent"
  std::string fact;                        // the input path when the node read a case fact
  bool undetermined = false;               // unknown, or a count whose bounds differ
  std::vector<TraceNode> children;         // a quantifier: its list, then the elements shown
  std::optional<OmittedElements> omitted;  // a quantifier: the elements not shown, when any was left out
};

struct CriterionTrace {
  std::string kind;  // "criterion", "document", "prior_auth"
  std::string text;  // source text, or the document name
  dsl::SourceSpan span;
  std::optional<std::string> cite;
  std::string result;               // "true" / "false" / "unknown"; documents: "present" / "missing" / "unknown"
  std::optional<TraceNode> detail;  // the evaluated sub-expressions
};

struct RuleTrace {
  std::string rule;  // qualified id: `acme.esk_coverage`
  std::string title;
  dsl::SourceSpan span;
  std::string kind;      // "coverage", "restriction", "route", "effect", "advice"
  bool in_force = true;  // false: outside its own or its policy's effective range
  std::string applied;   // "true" / "false" / "unknown" (after overrides)
  std::optional<TraceNode> when;
  std::vector<std::string> overridden_by;
  std::vector<std::string> overrides;  // rules this one actually overrode for this case
  std::string outcome;  // "covered" / "denied" / "pend" / "excluded" / "none" / "unknown" / "route X" / "advice"
  std::vector<CriterionTrace> criteria;
};

struct Reason {
  std::string rule;    // rule id (qualified when outside the policy)
  std::string effect;  // cover / deny / pend / exclude / prior_auth / route
  std::string message;
  bool decisive = false;
  std::optional<std::string> cite;
  dsl::SourceSpan at;
};

struct MissingFact {
  std::string fact;  // input path: `treatments[1].adequate_dose`
  std::vector<std::string> rules;
};

struct RequirementStatus {
  std::string item;    // `letter_of_medical_necessity`
  std::string status;  // present / missing / unknown
  std::string rule;
};

struct PolicyRef {
  std::string kind;  // policy / module
  std::string name;
  std::string version;
  std::string digest;  // "sha256:..."
};

struct CaseWarning {
  dsl::SourceSpan at;
  std::string message;
};

struct Authorization {
  std::optional<std::int64_t> days;
  std::optional<std::int64_t> months;
  std::optional<std::int64_t> units;
};

// One fact a checklist criterion read, with its value as the case gives it.
struct Evidence {
  std::string field;  // dotted, 0-based: `treatments[1].adequate_dose`
  std::string value;
};

// One criterion of a checklist entry, in plain words.
struct ChecklistCriterion {
  std::optional<std::string> cite;
  std::string text;    // a sentence: message, field documentation and values
  std::string status;  // met / not_met / unknown / not_applicable
  std::vector<Evidence> evidence;
  std::vector<std::string> missing;  // facts it waits for, dotted 0-based paths
};

// A coverage path that could apply, or a restriction, with every criterion: the clinic sees
// all its problems at once, also after one of them has decided the case.
struct ChecklistEntry {
  std::string section;  // clinical / coding / filing / …: the rule's section tag
  std::string rule;     // qualified id
  std::string title;
  std::optional<std::string> cite;
  std::string applies;  // true / false / unknown
  std::vector<ChecklistCriterion> criteria;
};

// One fact of the case as given, for a printed summary's header: `Birth date: 1987-05-14`.
struct CaseFact {
  std::string field;  // dotted, 0-based input path
  std::string label;  // the field's name in words: "birth date"
  std::string value;  // in plain words (members as words, booleans as yes / no)
};

// The facts of one part of the case: a record's (`patient`), or a list of records' as rows
// (`treatments`, one row per element). Only facts the case gives; derived facts are left out.
struct CaseFactGroup {
  std::string field;                         // "" for the case's own scalar fields, else the root field: `patient`
  bool rows = false;                         // a list of records: `facts` holds one row per element
  std::vector<std::vector<CaseFact>> facts;  // a record: one row
};

struct Determination {
  std::optional<std::string> case_id;
  std::optional<std::string> payer;  // the payer registry entry that decided it (with a registry)
  Decision decision = Decision::pend;
  std::optional<std::string> basis;  // "rules" / "default"; nullopt when the case could not be dated
  std::optional<bool> prior_auth;    // nullopt: unknown
  std::optional<std::string> benefit;
  std::vector<std::string> benefit_conflict;
  std::optional<Authorization> authorization;
  std::vector<Decision> at_stake;  // on pend: the outcomes still possible
  std::vector<PolicyRef> policies;
  std::vector<Reason> reasons;
  std::vector<MissingFact> missing;
  std::vector<RequirementStatus> requirements;
  std::vector<std::string> next_steps;
  std::uint32_t advice_steps = 0;  // the last these many next steps are advice (appeal paths, deadlines)
  // Parallel to next_steps: the citations each step answers to (its criterion's, then its
  // rule's), for `next_steps_contain` in test suites; not part of the JSON contract. Each is
  // an index into next_step_cite_sets: a pending list of 200,000 elements has as many steps
  // but only a few distinct citations, so a step costs 4 bytes here.
  std::vector<std::uint32_t> next_step_cites;
  std::vector<std::vector<std::string>> next_step_cite_sets;
  std::vector<ChecklistEntry> checklist;  // full answers only (not `batch --compact`)
  std::vector<CaseFactGroup> case_facts;  // only when asked (SessionOptions::case_facts): printed summaries
  std::vector<CaseWarning> warnings;
  std::vector<RuleTrace> trace;
};

}  // namespace covcheck::engine
