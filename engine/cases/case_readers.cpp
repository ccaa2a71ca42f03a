// The case readers' table and its rows: FHIR R4 bundles (engine/cases/fhir), strict JSON
// (simdjson, with the clean fast path inside JsonCaseLoader) and YAML (yaml-cpp events ->
// YamlTree -> Case).
#include "engine/cases/case_readers.hpp"

#include <array>
#include <cctype>

#include <fmt/format.h>

#include "dsl/source/encoding.hpp"
#include "engine/cases/case_loader.hpp"
#include "engine/cases/json_syntax.hpp"

namespace covcheck::engine {

namespace {

constexpr std::size_t max_yaml_depth = 64;
// Room for a million-element list of records; a bigger file is an export gone wrong.
constexpr std::size_t max_case_bytes = std::size_t{64} << 20;

bool too_large(const CaseText& in, dsl::Diagnostics& diagnostics) {
  if (in.record || in.text.size() <= max_case_bytes) return false;
  diagnostics.error("case.too_large", dsl::SourceSpan{in.file, 0, 0},
                    fmt::format("the case file is {} bytes; case files are limited to 64 MiB", in.text.size()));
  return true;
}

bool read_yaml(ReaderScratch& scratch, const SchemaIndex& index, const CaseText& in, dsl::Diagnostics& diagnostics,
               Case& out) {
  out.read_through = false;  // `out` is reused: a text that cannot be read is not checked
  if (too_large(in, diagnostics)) return false;
  YamlTree& tree = scratch.yaml;
  tree.nodes.clear();
  tree.children.clear();
  tree.text.clear();
  tree.root = yaml_none;
  YamlParse parsed = parse_first_yaml_document(in.text, tree, max_yaml_depth);
  for (const YamlProblem& p : parsed.problems)
    diagnostics.error(p.code, dsl::SourceSpan{in.file, p.begin, p.end}, p.message);
  if (!parsed.problems.empty() && in.record) return false;
  if (parsed.documents > 1) {
    dsl::SourceSpan at{in.file, parsed.second_document, parsed.second_document + 3};
    // A batch record was cut at `---` lines already: a second document in it has none.
    diagnostics.error("case.multiple_documents", at,
                      in.record ? std::string("a second document without its own `---` line")
                                : fmt::format("{} documents in one case file; `check` takes one case (use `batch` "
                                              "for streams)",
                                              parsed.documents));
    return false;
  }
  if (!parsed.problems.empty()) return false;
  return load_case_tree(index, tree, in.file, diagnostics, out);  // an empty document: `case.empty`
}

bool read_json(ReaderScratch& scratch, const SchemaIndex& index, const CaseText& in, dsl::Diagnostics& diagnostics,
               Case& out) {
  out.read_through = false;  // `out` is reused: a text that cannot be read is not checked
  std::string_view text = in.text;
  if (!in.record) {
    // A whole file or body gets the checks a YAML file gets before parsing, with the same
    // diagnostics; records were checked by the batch reader.
    if (too_large(in, diagnostics)) return false;
    if (std::optional<dsl::EncodingProblem> bad = dsl::find_encoding_problem(text, true)) {
      auto begin = static_cast<std::uint32_t>(bad->offset);
      diagnostics.error("case.encoding",
                        dsl::SourceSpan{in.file, begin, begin + static_cast<std::uint32_t>(bad->length)}, bad->message);
      return false;
    }
    // simdjson leaves a byte-order mark to its caller; blanking it keeps every offset (and
    // so every line:col) that of the text as registered.
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
      scratch.copy.assign(text);
      scratch.copy.replace(0, 3, 3, ' ');
      text = scratch.copy;
    }
  }
  if (scratch.json.load(index, text, text.size(), in.file, diagnostics, out)) return true;
  locate_json_failure(text, in.file, diagnostics);  // simdjson only says where it stopped
  return false;
}

bool read_fhir(ReaderScratch& scratch, const SchemaIndex& index, const CaseText& in, dsl::Diagnostics& diagnostics,
               Case& out) {
  // Size (fhir.too_large) and syntax are the bundle reader's own checks, with its codes.
  return fhir::read_fhir_case(scratch.fhir, index, in.text, in.file, diagnostics, out);
}

// A FHIR resource at the top level. Any resource type is claimed, not only `Bundle`: the
// bundle reader then says that a bundle was expected (`fhir.not_a_bundle`), where the JSON
// reader could only call `resourceType` an unknown case field.
bool sniff_fhir(std::string_view text) { return fhir::is_fhir_document(text); }
// On every JSON case (a `batch` record, a `.json` file): only the first member is looked at,
// so that JSON cases pay a few byte compares, not a scan of the text.
bool sniff_fhir_leading(std::string_view text) { return fhir::leads_as_fhir_document(text); }

constexpr std::array<std::string_view, 1> fhir_media{"application/fhir+json"};

// A tree built in memory from a caller's values: no text, no spans to check or locate.
bool read_value(ReaderScratch&, const SchemaIndex& index, const CaseText& in, dsl::Diagnostics& diagnostics,
                Case& out) {
  if (in.value == nullptr) {
    diagnostics.error("case.empty", dsl::SourceSpan{in.file, 0, 0}, "the `value` reader reads in-memory values only");
    return false;
  }
  return load_case_tree(index, *static_cast<const YamlTree*>(in.value), in.file, diagnostics, out);
}

constexpr std::array<std::string_view, 1> json_media{"application/json"};
constexpr std::array<std::string_view, 1> json_extensions{".json"};
constexpr std::array<std::string_view, 4> yaml_media{"application/yaml", "application/x-yaml", "text/yaml",
                                                     "text/x-yaml"};
constexpr std::array<std::string_view, 2> yaml_extensions{".yaml", ".yml"};

// FHIR has no extension of its own (a bundle is a `.json` file): it refines JSON, so its
// leading-member sniff claims bundles the `.json` name or the JSON media type sent to the
// JSON row. "value" is chosen by name only. YAML stays last, the fallback.
const std::array<CaseReader, 4> readers{{
    {"fhir", fhir_media, {}, sniff_fhir, read_fhir, "json", sniff_fhir_leading},
    {"value", {}, {}, nullptr, read_value, {}, nullptr, true},
    {"json", json_media, json_extensions, nullptr, read_json},
    {"yaml", yaml_media, yaml_extensions, nullptr, read_yaml},
}};

bool ends_with_ignoring_case(std::string_view name, std::string_view ext) {
  if (name.size() < ext.size()) return false;
  std::string_view tail = name.substr(name.size() - ext.size());
  for (std::size_t i = 0; i < ext.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(tail[i])) != ext[i]) return false;
  return true;
}

}  // namespace

std::span<const CaseReader> case_readers() { return readers; }

const CaseReader* case_reader_named(std::string_view name) {
  for (const CaseReader& r : readers)
    if (r.name == name) return &r;
  return nullptr;
}

const CaseReader& choose_case_reader(std::string_view format, std::string_view media_type, std::string_view file_name,
                                     std::string_view text) {
  if (!format.empty())
    if (const CaseReader* r = case_reader_named(format)) return *r;
  const CaseReader* chosen = nullptr;
  if (!media_type.empty())
    for (const CaseReader& r : readers)
      for (std::string_view m : r.media_types)
        if (!chosen && m == media_type) chosen = &r;
  if (!chosen && !file_name.empty())
    for (const CaseReader& r : readers)
      for (std::string_view e : r.extensions)
        if (!chosen && ends_with_ignoring_case(file_name, e)) chosen = &r;
  if (chosen) {
    for (const CaseReader& r : readers)
      if (r.sniff_refined && r.refines == chosen->name && r.sniff_refined(text)) return r;
    return *chosen;
  }
  for (const CaseReader& r : readers)
    if (r.sniff && r.sniff(text)) return r;
  return readers.back();
}

}  // namespace covcheck::engine
