// The decision session: the one road a case travels, for every command and route. Given a
// compiled Program and the registry of its rule files, it reads a case with the reader the
// table chooses (case_readers.hpp), validates it, decides it and hands back either an answer
// (a Determination, or the compact QuickDetermination) with the case's warnings attached,
// or the diagnostics that stopped it. Its caller owns it (a batch worker, a server request,
// a command, the Python binding to come); it reuses its readers' scratch, Case and Deciders
// from case to case, so that deciding allocates no more than the answer needs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dsl/source/diagnostics.hpp"
#include "dsl/source/source.hpp"
#include "engine/answer/determination.hpp"
#include "engine/compile/program.hpp"
#include "engine/eval/evaluate.hpp"
#include "engine/session/payer_registry.hpp"

namespace covcheck::engine {

namespace fhir {
class Terminology;
}

// One case to decide.
struct CaseInput {
  std::string_view text;         // the case's bytes
  std::string_view name;         // its file name, `request`, or the batch input's name (locations)
  std::string_view media_type;   // "application/json", …; empty: chosen by format or name
  std::string_view format;       // a reader's name ("fhir", "json", "yaml"); empty: by media type, name, text
  std::uint32_t first_line = 1;  // the line of the whole input the text starts on (batch records)
  bool record = false;           // a record already cut by the batch reader (see CaseText)
  const void* value = nullptr;   // an in-memory value tree, for the reader named by `format` (CaseText)
  // A case already parsed as part of a registered file (a test suite's inline case, read by
  // the "value" reader from `value`): its spans name `file`, and nothing is registered again,
  // so diagnostics point at that file's lines.
  dsl::FileId file = dsl::no_file;
};

struct SessionOptions {
  std::optional<std::int32_t> as_of;                      // replaces date_of_service for effective ranges
  bool trace = false;                                     // record the explanation trace
  bool explain = true;                                    // derive `missing` and undecided next steps
  bool checklist = true;                                  // build the answer's checklist (full answers)
  bool case_facts = false;                                // list the case's facts (printed summaries)
  bool compact = false;                                   // QuickDecider: decision, basis, prior auth, benefit, reasons
  std::uint32_t trace_elements = default_trace_elements;  // quantifier elements a trace shows
  // Register a decided case that has warnings, so that they print with file:line:col; a
  // caller that never prints them (a CDS Hooks answer) spares the copy of the case's text.
  bool locate_warnings = true;
};

// What deciding one case gave. Exactly one of `determination`, `quick` and an error in
// `diagnostics` holds; the warnings are in `diagnostics` too (and in the determination).
// Valid until the session decides its next case.
struct CaseOutcome {
  std::optional<Determination> determination;
  const QuickDetermination* quick = nullptr;
  dsl::Diagnostics diagnostics;                         // sorted by position
  const std::optional<std::string>* case_id = nullptr;  // the case's `id`, once it was read
  bool undecidable = false;           // read and valid, but the rules cannot decide it (no policy in force)
  const PayerEntry* payer = nullptr;  // the registry entry that decided it (registry sessions only)
  bool answered() const { return determination.has_value() || quick != nullptr; }
  // The first error's message (`error` of the JSON error object).
  std::string error_message() const;
};

class DecisionSession {
 public:
  // `rule_sources`: the registry the program was built with. The session keeps a copy
  // (copies share the files) and registers each case in it when something must be located.
  DecisionSession(const Program& program, const dsl::SourceRegistry& rule_sources);
  // A session over a payer registry: each case is read once, its payer (plan.payer, plan.type,
  // patient.state) chooses the entry, and that entry's rule set decides it. An unknown payer
  // is an error diagnostic (`case.unknown_payer`, field `plan.payer`). `rule_sources` holds
  // every rule set's files (build_payer_registry registered them).
  DecisionSession(std::shared_ptr<const PayerRegistry> registry, const dsl::SourceRegistry& rule_sources);
  ~DecisionSession();
  DecisionSession(const DecisionSession&) = delete;
  DecisionSession& operator=(const DecisionSession&) = delete;

  CaseOutcome& decide(const CaseInput& input, const SessionOptions& options);
  // Registry sessions: decide with this entry's rule set, whatever the case's payer (`compare`).
  CaseOutcome& decide_for(const PayerEntry& entry, const CaseInput& input, const SessionOptions& options);

  // The rule files and, when the last case's diagnostics or warnings name it, that case:
  // locations in the outcome are rendered with this registry.
  const dsl::SourceRegistry& sources() const;
  // The program that decided the last case (registry sessions: the first rule set before any).
  const Program& program() const;
  const PayerRegistry* payer_registry() const;
  // The last case read, as laid out by the schema (the audit trail's case digest reads it).
  // Valid until the session decides its next case.
  const Case& last_case() const;
  // The FHIR mapping tables bundles are read through (`--fhir-map`), owned by the caller and
  // outliving the session; null (the default): the shipped tables, built on the first bundle.
  void set_fhir_map(const fhir::Terminology* fhir_map);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace covcheck::engine
