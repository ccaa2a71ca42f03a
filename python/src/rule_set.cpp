// The binding's rule set: compiling once, deciding through pooled DecisionSessions, and
// rendering through the answer and diagnostics serializers, as the CLI does.
#include "rule_set.hpp"

#include <fmt/format.h>

#include "engine/answer/json_writer.hpp"
#include "engine/answer/render_diagnostics.hpp"
#include "engine/batch/batch.hpp"
#include "engine/batch/batch_record.hpp"
#include "engine/compile/pipeline.hpp"

namespace covcheck::python {

namespace {

std::string diagnostics_as_json(const dsl::Diagnostics& diagnostics, const dsl::SourceRegistry& sources) {
  std::string out;
  engine::JsonWriter w(false, out);
  engine::write_diagnostics(w, diagnostics, sources);
  return out;
}

std::shared_ptr<RuleSet> build(const std::vector<std::string>& paths, const dsl::SourceOverlay* overlay,
                               CompileFailure& failure, dsl::SourceRegistry& sources,
                               std::shared_ptr<const engine::Program>& program) {
  dsl::Diagnostics diagnostics;
  engine::RuleSetBuild built = engine::build_rule_set(paths, sources, diagnostics, overlay);
  diagnostics.sort();
  if (!built.program) {
    failure.diagnostics_json = diagnostics_as_json(diagnostics, sources);
    failure.text = dsl::render_all(diagnostics, sources);
    return nullptr;
  }
  program = std::move(built.program);
  return std::make_shared<RuleSet>();
}

}  // namespace

std::shared_ptr<RuleSet> RuleSet::load(const std::vector<std::string>& paths, std::optional<std::int32_t> as_of,
                                       CompileFailure& failure) {
  dsl::SourceRegistry sources;
  std::shared_ptr<const engine::Program> program;
  std::shared_ptr<RuleSet> rs = build(paths, nullptr, failure, sources, program);
  if (!rs) return nullptr;
  rs->program_ = std::move(program);
  rs->sources_ = std::move(sources);
  rs->as_of_ = as_of;
  rs->compact_ = std::make_unique<engine::CompactWriter>(*rs->program_);
  return rs;
}

std::shared_ptr<RuleSet> RuleSet::from_source(const std::string& text, const std::string& name,
                                              std::optional<std::int32_t> as_of, CompileFailure& failure) {
  dsl::SourceOverlay overlay{{dsl::canonical_rule_path(name), text}};
  dsl::SourceRegistry sources;
  std::shared_ptr<const engine::Program> program;
  std::shared_ptr<RuleSet> rs = build({name}, &overlay, failure, sources, program);
  if (!rs) return nullptr;
  rs->program_ = std::move(program);
  rs->sources_ = std::move(sources);
  rs->as_of_ = as_of;
  rs->compact_ = std::make_unique<engine::CompactWriter>(*rs->program_);
  return rs;
}

std::unique_ptr<engine::DecisionSession> RuleSet::take_session() const {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!pool_.empty()) {
      std::unique_ptr<engine::DecisionSession> s = std::move(pool_.back());
      pool_.pop_back();
      return s;
    }
  }
  return std::make_unique<engine::DecisionSession>(*program_, sources_);
}

void RuleSet::give_back(std::unique_ptr<engine::DecisionSession> s) const {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  pool_.push_back(std::move(s));
}

void RuleSet::decide(const PreparedCase* cases, CaseResult* results, std::size_t count,
                     const DecideOptions& options) const {
  std::unique_ptr<engine::DecisionSession> session = take_session();
  engine::SessionOptions so;
  so.as_of = as_of_;
  so.trace = options.trace;
  so.compact = options.compact && !options.trace;
  so.trace_elements = options.trace_elements;
  engine::CaseInput input;
  input.name = "case";
  for (std::size_t i = 0; i < count; ++i) {
    const PreparedCase& c = cases[i];
    CaseResult& r = results[i];
    r.trace = options.trace;
    if (!c.error.empty()) {
      dsl::Diagnostics d;
      d.error("case.value", dsl::SourceSpan{}, c.error);
      r.error = c.error;
      r.diagnostics_json = diagnostics_as_json(d, sources_);
      r.diagnostics_text = dsl::render_all(d, sources_);
      std::string out;
      engine::JsonWriter w(false, out);
      engine::write_case_error(w, std::nullopt, std::nullopt, r.error, d, sources_);
      r.json = std::move(out);
      continue;
    }
    input.format = c.format;
    input.text = c.text;
    input.value = c.format == "value" ? &c.tree : nullptr;
    engine::CaseOutcome& outcome = session->decide(input, so);
    if (outcome.case_id) r.case_id = *outcome.case_id;
    if (outcome.quick) {
      const engine::QuickDetermination& q = *outcome.quick;
      r.compact = CompactFields{q.decision, q.prior_auth, q.benefit};
      compact_->write(q, r.case_id, r.json);
      if (!r.json.empty() && r.json.back() == '\n') r.json.pop_back();
    } else if (outcome.determination) {
      r.determination = std::make_unique<engine::Determination>(std::move(*outcome.determination));
      // Warnings name the case, which the session forgets with its next case.
      if (!r.determination->warnings.empty())
        r.json = engine::render_json_line(*r.determination, session->sources(), options.trace);
    } else {
      r.undecidable = outcome.undecidable;
      r.error = outcome.error_message();
      r.diagnostics_json = diagnostics_as_json(outcome.diagnostics, session->sources());
      r.diagnostics_text = dsl::render_all(outcome.diagnostics, session->sources());
      std::string out;
      engine::JsonWriter w(false, out);
      engine::write_case_error(w, r.case_id, std::nullopt, r.error, outcome.diagnostics, session->sources());
      r.json = std::move(out);
    }
  }
  give_back(std::move(session));
}

void RuleSet::batch_lines(const std::vector<std::string_view>& records, const std::vector<std::uint64_t>& lines,
                          const std::string& input_name, const DecideOptions& options, std::size_t begin,
                          std::size_t end, std::vector<std::string>& out) const {
  engine::BatchOptions bo;
  bo.format = engine::InputFormat::jsonl;
  bo.mode = options.compact ? engine::OutputMode::compact
            : options.trace ? engine::OutputMode::trace
                            : engine::OutputMode::full;
  bo.as_of = as_of_;
  bo.trace_elements = options.trace_elements;
  bo.input_name = input_name;
  const engine::RuleSource rules = engine::RuleSource::of(*program_);
  engine::RecordProcessor processor(rules, sources_, bo);
  engine::RecordTally tally;
  for (std::size_t i = begin; i < end; ++i) {
    std::string& line = out[i];
    processor.process(records[i], lines[i], line, tally);
    if (!line.empty() && line.back() == '\n') line.pop_back();
  }
}

std::string RuleSet::json_line(const CaseResult& r) const {
  if (!r.json.empty()) return r.json.back() == '\n' ? r.json.substr(0, r.json.size() - 1) : r.json;
  std::string out;
  if (r.determination) engine::render_json_line(*r.determination, sources_, r.trace, out);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

const std::vector<std::string>& RuleSet::benefit_members() const {
  static const std::vector<std::string> none;
  const dsl::CheckedRuleSet& rs = *program_->checked;
  return rs.benefit_enum ? rs.schema.enums[*rs.benefit_enum].members : none;
}

std::string RuleSet::text(const CaseResult& r) const {
  if (r.determination) {
    if (!r.determination->warnings.empty()) {
      // The warnings' locations name a case the rule registry does not hold: shown without.
      engine::Determination d = *r.determination;
      for (engine::CaseWarning& w : d.warnings) w.at = dsl::SourceSpan{};
      return engine::render_text(d, sources_, r.trace);
    }
    return engine::render_text(*r.determination, sources_, r.trace);
  }
  if (!r.diagnostics_text.empty()) return r.diagnostics_text;
  return json_line(r);
}

}  // namespace covcheck::python
