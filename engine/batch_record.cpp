// Per-record work of a `batch` worker. Records with diagnostics are registered in the
// worker's own SourceRegistry (numbered from the record's line in the whole input), so
// their locations read `cases.jsonl:12:5` exactly as `check` would print them.
#include "engine/batch_record.hpp"

#include <fmt/format.h>

#include "engine/case_builder.hpp"
#include "engine/case_loader.hpp"
#include "engine/decider.hpp"
#include "engine/evaluate.hpp"
#include "engine/json_case_loader.hpp"
#include "engine/json_syntax.hpp"
#include "engine/json_writer.hpp"
#include "engine/render.hpp"
#include "engine/yaml_tree.hpp"

namespace covcheck::engine {

namespace {

constexpr std::size_t max_yaml_depth = 64;
// Registered records are dropped (the registry rebuilt) past this many, bounding memory.
constexpr std::size_t max_registered_records = 256;

const char* severity_name(dsl::Severity s) {
  return s == dsl::Severity::error ? "error" : s == dsl::Severity::warning ? "warning" : "note";
}

}  // namespace

struct RecordProcessor::Impl {
  Impl(const Program& p, const dsl::SourceRegistry& rules, const BatchOptions& o)
      : program(p), rule_sources(rules), options(o), index(p.schema()), quick(p), decider(p) {
    rebuild_registry();
    const dsl::CheckedRuleSet& rs = *p.checked;
    for (const CompiledRule& r : p.rules) {
      std::string id;
      JsonWriter::escape(id, r.checked->display_id);
      quoted_ids.push_back(std::move(id));
    }
    if (rs.benefit_enum) {
      for (const std::string& m : rs.schema.enums[*rs.benefit_enum].members) {
        std::string b;
        JsonWriter::escape(b, m);
        quoted_benefits.push_back(std::move(b));
      }
    }
  }

  void rebuild_registry() {
    registry = dsl::SourceRegistry{};
    for (std::size_t i = 0; i < rule_sources.size(); ++i) {
      const dsl::SourceFile& f = rule_sources.file(static_cast<dsl::FileId>(i));
      registry.add(f.name(), std::string(f.text()));
    }
  }

  // The record's spans name FileId `file`; it is added only when something must be located.
  void ensure_registered(dsl::FileId file, std::string_view text, std::uint64_t line) {
    if (registry.size() == file) registry.add(options.input_name, std::string(text), static_cast<std::uint32_t>(line));
  }

  void after_record() {
    if (registry.size() > rule_sources.size() + max_registered_records) rebuild_registry();
  }

  bool load(std::string_view text, std::size_t readable, dsl::FileId file, dsl::Diagnostics& diags) {
    if (options.format == InputFormat::jsonl) {
      if (json.load(index, text, readable, file, diags, kase)) return true;
      locate_json_failure(text, file, diags);  // as `check` reports a `.json` case
      return false;
    }
    tree.nodes.clear();
    tree.children.clear();
    tree.text.clear();
    tree.root = yaml_none;
    YamlParse parsed = parse_first_yaml_document(text, tree, max_yaml_depth);
    for (const YamlProblem& p : parsed.problems) diags.error(p.code, dsl::SourceSpan{file, p.begin, p.end}, p.message);
    if (!parsed.problems.empty()) return false;
    if (parsed.documents > 1) {
      diags.error("case.multiple_documents", dsl::SourceSpan{file, parsed.second_document, parsed.second_document + 3},
                  "a second document without its own `---` line");
      return false;
    }
    return load_case_tree(index, tree, file, diags, kase);
  }

  void error_record(std::uint64_t line, dsl::Diagnostics& diags, std::string& out, RecordTally& tally) {
    diags.sort();
    JsonWriter w(false, out);
    w.begin_object();
    w.member("line", static_cast<std::int64_t>(line));
    std::string first;
    for (const dsl::Diagnostic& d : diags.items())
      if (d.severity == dsl::Severity::error && first.empty()) first = d.message;
    w.member("error", first.empty() ? std::string("the case could not be decided") : first);
    w.key("diagnostics").begin_array();
    for (const dsl::Diagnostic& d : diags.items()) {
      w.begin_object();
      w.member("severity", severity_name(d.severity)).member("code", d.code);
      w.key("at");
      if (d.span.file != dsl::no_file && d.span.file < registry.size()) w.value(registry.describe(d.span));
      else w.null();
      w.member("message", d.message);
      if (d.help) w.member("help", *d.help);
      if (!d.notes.empty()) {
        w.key("notes").begin_array();
        for (const dsl::DiagnosticNote& n : d.notes) {
          w.begin_object();
          w.key("at");
          if (n.span && n.span->file != dsl::no_file && n.span->file < registry.size()) w.value(registry.describe(*n.span));
          else w.null();
          w.member("message", n.message);
          w.end_object();
        }
        w.end_array();
      }
      w.end_object();
    }
    w.end_array();
    w.end_object();
    out += '\n';
    ++tally.errors;
  }

  void compact(const QuickDetermination& q, std::string& out) {
    out += "{\"case\":";
    if (kase.id) JsonWriter::escape(out, *kase.id);
    else out += "null";
    out += ",\"decision\":\"";
    out += decision_name(q.decision);
    out += "\",\"basis\":";
    out += !q.dated ? "null" : q.basis_rules ? "\"rules\"" : "\"default\"";
    out += ",\"prior_auth\":";
    out += !q.prior_auth ? "null" : *q.prior_auth ? "true" : "false";
    out += ",\"benefit\":";
    if (q.benefit != no_member && q.benefit < quoted_benefits.size()) out += quoted_benefits[q.benefit];
    else out += "null";
    out += ",\"reasons\":[";
    for (std::size_t i = 0; i < q.reasons.size(); ++i) {
      if (i) out += ',';
      out += quoted_ids[q.reasons[i]];
    }
    out += "]}\n";
  }

  // The case loader's warnings belong to the answer, as in `check` (pipeline.cpp).
  static void attach_warnings(Determination& d, const dsl::Diagnostics& diags) {
    std::vector<CaseWarning> warnings;
    for (const dsl::Diagnostic& x : diags.items()) {
      if (x.severity != dsl::Severity::warning) continue;
      std::string message = x.help ? fmt::format("{}; {}", x.message, *x.help) : x.message;
      bool seen = false;
      for (const CaseWarning& w : d.warnings) seen |= w.at == x.span && w.message == message;
      if (!seen) warnings.push_back(CaseWarning{x.span, std::move(message)});
    }
    d.warnings.insert(d.warnings.begin(), warnings.begin(), warnings.end());
  }

  void process(std::string_view text, std::size_t readable, std::uint64_t line, std::string& out, RecordTally& tally) {
    ++tally.records;
    dsl::Diagnostics diags;
    const auto file = static_cast<dsl::FileId>(registry.size());
    bool ok = load(text, readable, file, diags);
    if (ok) validate_case(program, kase, diags);
    if (!ok || diags.has_errors()) {
      ensure_registered(file, text, line);
      error_record(line, diags, out, tally);
      return after_record();
    }
    if (options.mode == OutputMode::compact && quick.decide(kase, options.as_of, quick_result)) {
      ++tally.by_decision[static_cast<std::size_t>(quick_result.decision)];
      compact(quick_result, out);
      return;
    }
    if (!diags.empty()) ensure_registered(file, text, line);
    EvaluationOptions eo;
    eo.as_of = options.as_of;
    eo.trace = options.mode == OutputMode::trace;  // `missing` is derived either way
    eo.trace_elements = options.trace_elements;
    eo.sources = &registry;
    Evaluation e = evaluate(decider, kase, eo);
    if (!e.determination || e.errors.has_errors()) {
      diags.append(e.errors);
      ensure_registered(file, text, line);
      error_record(line, diags, out, tally);
      return after_record();
    }
    ++tally.by_decision[static_cast<std::size_t>(e.determination->decision)];
    attach_warnings(*e.determination, diags);
    render_json_line(*e.determination, registry, options.mode == OutputMode::trace, out);
    after_record();
  }

  const Program& program;
  const dsl::SourceRegistry& rule_sources;
  const BatchOptions& options;
  SchemaIndex index;  // the schema's name lookups, built once per worker
  dsl::SourceRegistry registry;
  JsonCaseLoader json;
  YamlTree tree;
  Case kase;
  QuickDecider quick;
  Decider decider;  // full evaluations reuse its scratch state from record to record
  QuickDetermination quick_result;
  std::vector<std::string> quoted_ids;       // JSON string literals of rule ids
  std::vector<std::string> quoted_benefits;  // of `benefit` members
};

RecordProcessor::RecordProcessor(const Program& program, const dsl::SourceRegistry& rule_sources,
                                 const BatchOptions& options)
    : impl_(std::make_unique<Impl>(program, rule_sources, options)) {}
RecordProcessor::~RecordProcessor() = default;

void RecordProcessor::process(std::string_view text, std::size_t readable, std::uint64_t line, std::string& out,
                              RecordTally& tally) {
  impl_->process(text, readable, line, out, tally);
}

void RecordProcessor::oversized(std::uint64_t line, std::string& out, RecordTally& tally) {
  ++tally.records;
  dsl::Diagnostics diags;
  diags.error("case.too_large", dsl::SourceSpan{}, "the record is longer than the 64 MiB limit");
  impl_->error_record(line, diags, out, tally);
}

}  // namespace covcheck::engine
