// Per-record work of a `batch` worker: the record through the worker's DecisionSession, its
// answer (or error record) appended as one JSON line by the answer and diagnostics
// serializers. A record with diagnostics is registered in the session's registry, numbered
// from its line in the whole input, so locations read `cases.jsonl:12:5` as `check` prints them.
#include "engine/batch/batch_record.hpp"

#include "engine/answer/json_writer.hpp"
#include "engine/answer/render.hpp"
#include "engine/answer/render_diagnostics.hpp"
#include "engine/session/rule_source.hpp"
#include "engine/session/session.hpp"

namespace covcheck::engine {

struct RecordProcessor::Impl {
  Impl(const RuleSource& rules_in, const dsl::SourceRegistry& rules, const BatchOptions& o)
      : options(o), owned(rules_in.session(rules)), session(*owned) {
    session.set_fhir_map(o.fhir_map);
    session_options.as_of = o.as_of;
    session_options.trace = o.mode == OutputMode::trace;  // `missing` is derived either way
    session_options.compact = o.mode == OutputMode::compact;
    session_options.trace_elements = o.trace_elements;
    input.name = options.input_name;
    // A JSON Lines record is JSON by media type, not by name, so that the FHIR row's sniff
    // still claims a bundle on one line (case_readers.hpp); YAML records are YAML.
    if (o.format == InputFormat::jsonl) input.media_type = "application/json";
    else input.format = "yaml";
    input.record = true;
  }

  void error_record(std::uint64_t line, const CaseOutcome& outcome, std::string& out, RecordTally& tally) {
    JsonWriter w(false, out);
    const std::optional<std::string> none;
    write_case_error(w, outcome.case_id ? *outcome.case_id : none, line, outcome.error_message(), outcome.diagnostics,
                     session.sources());
    out += '\n';
    ++tally.errors;
  }

  void process(std::string_view text, std::uint64_t line, std::string& out, RecordTally& tally) {
    ++tally.records;
    input.text = text;
    input.first_line = static_cast<std::uint32_t>(line);
    CaseOutcome& outcome = session.decide(input, session_options);
    if (outcome.quick) {
      ++tally.by_decision[static_cast<std::size_t>(outcome.quick->decision)];
      compact_writer().write(*outcome.quick, *outcome.case_id, out);
    } else if (outcome.determination) {
      ++tally.by_decision[static_cast<std::size_t>(outcome.determination->decision)];
      render_json_line(*outcome.determination, session.sources(), options.mode == OutputMode::trace, out);
    } else {
      error_record(line, outcome, out, tally);
    }
  }

  // Rule ids are per rule set: a registry session writes each with its own writer.
  const CompactWriter& compact_writer() {
    const Program* p = &session.program();
    for (auto& [program, writer] : compact)
      if (program == p) return writer;
    return compact.emplace_back(p, CompactWriter(*p)).second;
  }

  const BatchOptions& options;
  std::unique_ptr<DecisionSession> owned;
  DecisionSession& session;
  std::vector<std::pair<const Program*, CompactWriter>> compact;
  SessionOptions session_options;
  CaseInput input;
};

RecordProcessor::RecordProcessor(const RuleSource& program, const dsl::SourceRegistry& rule_sources,
                                 const BatchOptions& options)
    : impl_(std::make_unique<Impl>(program, rule_sources, options)) {}
RecordProcessor::~RecordProcessor() = default;

void RecordProcessor::process(std::string_view text, std::uint64_t line, std::string& out, RecordTally& tally) {
  impl_->process(text, line, out, tally);
}

void RecordProcessor::oversized(std::uint64_t line, std::string& out, RecordTally& tally) {
  ++tally.records;
  dsl::Diagnostics diags;
  diags.error("case.too_large", dsl::SourceSpan{}, "the record is longer than the 64 MiB limit");
  JsonWriter w(false, out);
  write_case_error(w, std::nullopt, line, diags.items().front().message, diags, impl_->session.sources());
  out += '\n';
  ++tally.errors;
}

}  // namespace covcheck::engine
