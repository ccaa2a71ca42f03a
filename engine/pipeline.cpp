// Building a program from rule paths and deciding one case: the stages wired in order,
// stopping at the first stage that reports an error.
#include "engine/pipeline.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "dsl/checker.hpp"
#include "dsl/rule_files.hpp"
#include "dsl/encoding.hpp"
#include "engine/case_loader.hpp"
#include "engine/compile.hpp"
#include "engine/fhir/bundle_reader.hpp"
#include "engine/json_case_loader.hpp"
#include "engine/json_syntax.hpp"

namespace covcheck::engine {

RuleSetBuild build_rule_set(const std::vector<std::string>& paths, dsl::SourceRegistry& sources,
                            dsl::Diagnostics& diagnostics) {
  dsl::RuleFiles files;
  if (!dsl::load_rule_files(paths, sources, files, diagnostics)) return {nullptr, RuleSetStatus::unreadable};
  // Syntax errors stop here: checking a rule set with files missing would only add noise.
  if (diagnostics.has_errors()) return {nullptr, RuleSetStatus::does_not_compile};
  std::unique_ptr<dsl::CheckedRuleSet> checked = dsl::check_rule_set(std::move(files), sources, diagnostics);
  if (!checked || diagnostics.has_errors()) return {nullptr, RuleSetStatus::does_not_compile};
  return {compile(std::move(checked)), RuleSetStatus::ok};
}

namespace {

// The case loader's warnings belong to the answer; the evaluator sees only the Case.
void attach_case_warnings(Determination& determination, const dsl::Diagnostics& case_diags) {
  std::vector<CaseWarning> warnings;
  for (const dsl::Diagnostic& d : case_diags.items()) {
    if (d.severity != dsl::Severity::warning) continue;
    std::string message = d.help ? fmt::format("{}; {}", d.message, *d.help) : d.message;
    bool seen = std::any_of(determination.warnings.begin(), determination.warnings.end(),
                            [&](const CaseWarning& w) { return w.at == d.span && w.message == message; });
    if (!seen) warnings.push_back(CaseWarning{d.span, std::move(message)});
  }
  determination.warnings.insert(determination.warnings.begin(), warnings.begin(), warnings.end());
}

// As for YAML case files (engine/case_loader.cpp).
constexpr std::size_t max_case_bytes = std::size_t{64} << 20;
// simdjson reads up to this many bytes past the end of a document (SIMDJSON_PADDING).
constexpr std::size_t json_padding = 64;

// A strict JSON case file, through the loader `batch` uses. The checks YAML case files get
// before parsing (size, encoding) come first, with the same diagnostics.
std::optional<Case> load_json_case(const dsl::Schema& schema, const dsl::SourceRegistry& sources, dsl::FileId file,
                                   dsl::Diagnostics& diagnostics) {
  std::string_view text = sources.file(file).text();
  if (text.size() > max_case_bytes) {
    diagnostics.error("case.too_large", dsl::SourceSpan{file, 0, 0},
                      fmt::format("the case file is {} bytes; case files are limited to 64 MiB", text.size()));
    return std::nullopt;
  }
  if (std::optional<dsl::EncodingProblem> bad = dsl::find_encoding_problem(text, true)) {
    auto begin = static_cast<std::uint32_t>(bad->offset);
    diagnostics.error("case.encoding", dsl::SourceSpan{file, begin, begin + static_cast<std::uint32_t>(bad->length)},
                      bad->message);
    return std::nullopt;
  }
  // simdjson leaves a byte-order mark to its caller; blanking it keeps every offset (and so
  // every line:col) that of the file as registered.
  std::string padded(text);
  if (padded.compare(0, 3, "\xEF\xBB\xBF") == 0) padded.replace(0, 3, 3, ' ');
  padded.append(json_padding, ' ');
  JsonCaseLoader loader;
  Case c;
  dsl::Diagnostics loaded;
  if (loader.load(schema, std::string_view(padded.data(), text.size()), padded.size(), file, loaded, c)) {
    diagnostics.append(loaded);
    return c;
  }
  // simdjson only says where it stopped; name the mistake where it is.
  locate_json_failure(std::string_view(padded.data(), text.size()), file, loaded);
  diagnostics.append(loaded);
  return std::nullopt;
}

}  // namespace

CaseSyntax case_syntax_of(std::string_view file_name) {
  constexpr std::string_view ext = ".json";
  if (file_name.size() < ext.size()) return CaseSyntax::yaml;
  std::string_view tail = file_name.substr(file_name.size() - ext.size());
  for (std::size_t i = 0; i < ext.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(tail[i])) != ext[i]) return CaseSyntax::yaml;
  return CaseSyntax::json;
}

// A FHIR document through the given tables, or the shipped ones (built for this one case:
// commands deciding many cases build them once and pass them).
static std::optional<Case> load_fhir(const Program& program, const dsl::SourceRegistry& sources, dsl::FileId file,
                              const fhir::Terminology* fhir_map, dsl::Diagnostics& diagnostics) {
  std::optional<fhir::Terminology> shipped;
  if (!fhir_map) {
    dsl::SourceRegistry table_sources;
    shipped = fhir::build_terminology(fhir::shipped_tables(), table_sources, diagnostics);
    if (!shipped) return std::nullopt;
    fhir_map = &*shipped;
  }
  return fhir::load_fhir_case(program.schema(), sources, file, *fhir_map, diagnostics);
}

CaseResult decide_case(const Program& program, const dsl::SourceRegistry& sources, dsl::FileId case_file,
                       EvaluationOptions options, CaseSyntax syntax, const fhir::Terminology* fhir_map) {
  CaseResult result;
  if (syntax == CaseSyntax::by_name) syntax = case_syntax_of(sources.file(case_file).name());
  // FHIR detection (the decision session's reader table takes this over).
  std::optional<Case> loaded = fhir::is_fhir_document(sources.file(case_file).text())
                                   ? load_fhir(program, sources, case_file, fhir_map, result.diagnostics)
                               : syntax == CaseSyntax::json
                                   ? load_json_case(program.schema(), sources, case_file, result.diagnostics)
                                   : load_case(program.schema(), sources, case_file, result.diagnostics);
  if (loaded) validate_case(program, *loaded, result.diagnostics);
  if (!loaded || result.diagnostics.has_errors()) return result;
  if (!options.sources) options.sources = &sources;
  Evaluation evaluation = evaluate(program, *loaded, options);
  result.diagnostics.append(evaluation.errors);
  if (!evaluation.determination || evaluation.errors.has_errors()) return result;
  result.determination = std::move(evaluation.determination);
  attach_case_warnings(*result.determination, result.diagnostics);
  return result;
}

}  // namespace covcheck::engine
