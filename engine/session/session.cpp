// The decision session: read (by the reader table), validate, decide, attach warnings.
#include "engine/session/session.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/cases/case_builder.hpp"
#include "engine/cases/case_readers.hpp"
#include "engine/eval/case_facts.hpp"
#include "engine/eval/decider.hpp"

namespace covcheck::engine {

std::string CaseOutcome::error_message() const {
  for (const dsl::Diagnostic& d : diagnostics.items())
    if (d.severity == dsl::Severity::error) return d.message;
  return "the case could not be decided";
}

struct DecisionSession::Impl {
  Impl(const Program& p, const dsl::SourceRegistry& rules)
      : programs{&p}, registry(rules), rule_files(rules.size()), index(p.schema()) {
    deciders.resize(1);
  }
  Impl(std::shared_ptr<const PayerRegistry> r, const dsl::SourceRegistry& rules)
      : payers(std::move(r)), registry(rules), rule_files(rules.size()), index(payers->programs.front()->schema()) {
    for (const auto& p : payers->programs) programs.push_back(p.get());
    deciders.resize(programs.size());
    quicks.resize(programs.size());
    const dsl::Schema& schema = programs.front()->schema();
    const dsl::RecordType& root = schema.root_record();
    plan_field = root.find("plan");
    patient_field = root.find("patient");
    if (auto r = schema.find_record("plan")) {
      payer_field = schema.records[*r].find("payer");
      type_field = schema.records[*r].find("type");
    }
    if (auto r = schema.find_record("patient")) state_field = schema.records[*r].find("state");
  }

  // A string or enumeration member of a sub-record of the case (`plan.payer`), if present.
  std::optional<std::string> sub_field(std::optional<std::uint32_t> record_field,
                                       std::optional<std::uint32_t> field) const {
    if (!record_field || !field) return std::nullopt;
    const Value& rec = case_record.field(0, *record_field);
    if (rec.kind != Kind::record) return std::nullopt;
    const Value& v = case_record.field(rec.index, *field);
    if (v.kind == Kind::string || v.kind == Kind::code) return case_record.strings[v.index];
    if (v.kind == Kind::enumeration) {
      const dsl::Schema& schema = programs.front()->schema();
      const dsl::FieldInfo& info = schema.records[case_record.records[rec.index].type].fields[*field];
      if (info.type.base == dsl::BaseType::enumeration && !info.type.list)
        return schema.enums[info.type.ref].members[v.index];
    }
    return std::nullopt;
  }

  // Chooses the rule set of a registry session; false (and an error) for an unknown payer.
  bool choose_payer(const CaseInput& in, const PayerEntry* forced) {
    if (!payers) return true;
    if (forced) {
      outcome.payer = forced;
      current = forced->rule_set;
      return true;
    }
    PayerKey key{sub_field(plan_field, payer_field), sub_field(plan_field, type_field),
                 sub_field(patient_field, state_field)};
    PayerMatch m = match_payer(*payers, key);
    if (!m.entry) {
      dsl::SourceSpan at{};
      if (plan_field && payer_field) {
        const Value& rec = case_record.field(0, *plan_field);
        if (rec.kind == Kind::record)
          at = case_record.slot_spans[case_record.records[rec.index].first_slot + *payer_field];
      }
      dsl::Diagnostic& d = outcome.diagnostics.error("case.unknown_payer", at, m.error);
      d.help = m.help;
      d.field = "plan.payer";
      (void)in;
      return false;
    }
    outcome.payer = m.entry;
    current = m.entry->rule_set;
    return true;
  }

  // The case is registered only when something must be located in it: most cases of a
  // batch have nothing to say and cost no copy.
  void locate(const CaseInput& in) {
    if (in.file == dsl::no_file && registry.size() == rule_files)
      registry.add(std::string(in.name), std::string(in.text), in.first_line);
  }

  // The reader's warnings belong to the answer; the evaluator sees only the Case.
  void attach_warnings(Determination& d) {
    std::vector<CaseWarning> warnings;
    for (const dsl::Diagnostic& x : outcome.diagnostics.items()) {
      if (x.severity != dsl::Severity::warning) continue;
      std::string message = x.help ? fmt::format("{}; {}", x.message, *x.help) : x.message;
      bool seen = std::any_of(d.warnings.begin(), d.warnings.end(),
                              [&](const CaseWarning& w) { return w.at == x.span && w.message == message; });
      if (!seen) warnings.push_back(CaseWarning{x.span, std::move(message)});
    }
    d.warnings.insert(d.warnings.begin(), warnings.begin(), warnings.end());
  }

  CaseOutcome& decide(const CaseInput& in, const SessionOptions& options, const PayerEntry* forced = nullptr) {
    registry.truncate(rule_files);
    outcome.payer = nullptr;
    current = 0;
    outcome.determination.reset();
    outcome.quick = nullptr;
    outcome.diagnostics.clear();
    outcome.case_id = nullptr;
    outcome.undecidable = false;
    // Where the case is (or would be) registered; a tree read from a registered file names it.
    const auto file = in.file != dsl::no_file ? in.file : static_cast<dsl::FileId>(rule_files);
    dsl::Diagnostics& diags = outcome.diagnostics;

    case_record.id.reset();  // a reader that stops before the case is laid out must not show the last one's id
    const CaseReader& reader = choose_case_reader(in.format, in.media_type, in.name, in.text);
    bool ok = reader.read(scratch, index, CaseText{in.text, file, in.record, in.value}, diags, case_record);
    outcome.case_id = &case_record.id;
    if (ok && !choose_payer(in, forced)) ok = false;
    const Program& program = *programs[current];
    // A case read through with some values refused gets its checks too: every error in one round.
    if (ok || case_record.read_through) validate_case(program, case_record, diags);
    if (!ok || diags.has_errors()) return failed(in);
    if (!deciders[current]) deciders[current] = std::make_unique<Decider>(program);
    Decider& decider = *deciders[current];

    if (options.compact) {
      std::unique_ptr<QuickDecider>& quick = quicks[current];
      if (!quick) quick = std::make_unique<QuickDecider>(program);
      if (quick->decide(case_record, options.as_of, quick_result)) {
        // The compact line shows no warnings, so the case is not copied to locate them
        // (their spans then name no registered file and print without a location).
        outcome.quick = &quick_result;
        return outcome;
      }
      // Not decidable: the full evaluation words why.
    }
    if (!diags.empty() && options.locate_warnings) locate(in);
    EvaluationOptions eo;
    eo.as_of = options.as_of;
    eo.trace = options.trace;
    eo.explain = options.explain;
    eo.checklist = options.checklist;
    eo.trace_elements = options.trace_elements;
    eo.sources = &registry;
    Evaluation e = evaluate(decider, case_record, eo);
    diags.append(e.errors);
    if (!e.determination || e.errors.has_errors()) {
      outcome.undecidable = true;
      return failed(in);
    }
    outcome.determination = std::move(e.determination);
    if (outcome.payer) outcome.determination->payer = outcome.payer->id;
    if (options.case_facts) outcome.determination->case_facts = case_facts(program.schema(), case_record);
    attach_warnings(*outcome.determination);
    diags.sort();
    return outcome;
  }

  CaseOutcome& failed(const CaseInput& in) {
    locate(in);
    outcome.diagnostics.sort();
    return outcome;
  }

  std::shared_ptr<const PayerRegistry> payers;  // null: one rule set
  std::vector<const Program*> programs;         // one, or one per registry rule set
  std::size_t current = 0;                      // the rule set deciding this case
  std::optional<std::uint32_t> plan_field, patient_field, payer_field, type_field, state_field;
  dsl::SourceRegistry registry;
  std::size_t rule_files;
  SchemaIndex index;  // the schema's name lookups, built once per session (one schema for every rule set)
  ReaderScratch scratch;
  Case case_record;
  std::vector<std::unique_ptr<Decider>> deciders;  // per rule set, made on its first case; reused
  std::vector<std::unique_ptr<QuickDecider>> quicks =
      std::vector<std::unique_ptr<QuickDecider>>(1);  // made on the first compact case
  QuickDetermination quick_result;
  CaseOutcome outcome;
};

DecisionSession::DecisionSession(const Program& program, const dsl::SourceRegistry& rule_sources)
    : impl_(std::make_unique<Impl>(program, rule_sources)) {}
DecisionSession::DecisionSession(std::shared_ptr<const PayerRegistry> registry, const dsl::SourceRegistry& rule_sources)
    : impl_(std::make_unique<Impl>(std::move(registry), rule_sources)) {}
DecisionSession::~DecisionSession() = default;

CaseOutcome& DecisionSession::decide(const CaseInput& input, const SessionOptions& options) {
  return impl_->decide(input, options);
}

const dsl::SourceRegistry& DecisionSession::sources() const { return impl_->registry; }
CaseOutcome& DecisionSession::decide_for(const PayerEntry& entry, const CaseInput& input,
                                         const SessionOptions& options) {
  return impl_->decide(input, options, &entry);
}

const Program& DecisionSession::program() const { return *impl_->programs[impl_->current]; }
const PayerRegistry* DecisionSession::payer_registry() const { return impl_->payers.get(); }
const Case& DecisionSession::last_case() const { return impl_->case_record; }
void DecisionSession::set_fhir_map(const fhir::Terminology* fhir_map) { impl_->scratch.fhir.terms = fhir_map; }

}  // namespace covcheck::engine
