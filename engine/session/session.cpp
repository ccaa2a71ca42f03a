// The decision session: read (by the reader table), validate, decide, attach warnings.
#include "engine/session/session.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/cases/case_builder.hpp"
#include "engine/cases/case_readers.hpp"
#include "engine/eval/decider.hpp"

namespace covcheck::engine {

std::string CaseOutcome::error_message() const {
  for (const dsl::Diagnostic& d : diagnostics.items())
    if (d.severity == dsl::Severity::error) return d.message;
  return "the case could not be decided";
}

struct DecisionSession::Impl {
  Impl(const Program& p, const dsl::SourceRegistry& rules)
      : program(p), registry(rules), rule_files(rules.size()), index(p.schema()), decider(p) {}

  // The case is registered only when something must be located in it: most cases of a
  // batch have nothing to say and cost no copy.
  void locate(const CaseInput& in) {
    if (registry.size() == rule_files) registry.add(std::string(in.name), std::string(in.text), in.first_line);
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

  CaseOutcome& decide(const CaseInput& in, const SessionOptions& options) {
    registry.truncate(rule_files);
    outcome.determination.reset();
    outcome.quick = nullptr;
    outcome.diagnostics.clear();
    outcome.case_id = nullptr;
    outcome.undecidable = false;
    const auto file = static_cast<dsl::FileId>(rule_files);  // where the case is (or would be) registered
    dsl::Diagnostics& diags = outcome.diagnostics;

    case_record.id.reset();  // a reader that stops before the case is laid out must not show the last one's id
    const CaseReader& reader = choose_case_reader(in.format, in.media_type, in.name, in.text);
    bool ok = reader.read(scratch, index, CaseText{in.text, file, in.record, in.value}, diags, case_record);
    outcome.case_id = &case_record.id;
    if (ok) validate_case(program, case_record, diags);
    if (!ok || diags.has_errors()) return failed(in);

    if (options.compact) {
      if (!quick) quick = std::make_unique<QuickDecider>(program);
      if (quick->decide(case_record, options.as_of, quick_result)) {
        // The compact line shows no warnings, so the case is not copied to locate them
        // (their spans then name no registered file and print without a location).
        outcome.quick = &quick_result;
        return outcome;
      }
      // Not decidable: the full evaluation words why.
    }
    if (!diags.empty()) locate(in);
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
    attach_warnings(*outcome.determination);
    diags.sort();
    return outcome;
  }

  CaseOutcome& failed(const CaseInput& in) {
    locate(in);
    outcome.diagnostics.sort();
    return outcome;
  }

  const Program& program;
  dsl::SourceRegistry registry;
  std::size_t rule_files;
  SchemaIndex index;  // the schema's name lookups, built once per session
  ReaderScratch scratch;
  Case case_record;
  Decider decider;                      // full evaluations reuse its scratch state from case to case
  std::unique_ptr<QuickDecider> quick;  // made on the first compact case
  QuickDetermination quick_result;
  CaseOutcome outcome;
};

DecisionSession::DecisionSession(const Program& program, const dsl::SourceRegistry& rule_sources)
    : impl_(std::make_unique<Impl>(program, rule_sources)) {}
DecisionSession::~DecisionSession() = default;

CaseOutcome& DecisionSession::decide(const CaseInput& input, const SessionOptions& options) {
  return impl_->decide(input, options);
}

const dsl::SourceRegistry& DecisionSession::sources() const { return impl_->registry; }
const Program& DecisionSession::program() const { return impl_->program; }

}  // namespace covcheck::engine
