// libFuzzer target: the FHIR R4 bundle reader (engine/cases/fhir: the simdjson tree, reference
// resolution, the element mapping, the schema walk) and then `check`'s whole path for the same
// bytes, against the Acme reference rules. Aborts when a bundle is refused without an error, or
// when the reader accepts text the strict JSON scanner calls invalid.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "engine/cases/fhir/bundle_reader.hpp"
#include "engine/cases/fhir/case_printer.hpp"
#include "engine/cases/json_syntax.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace covcheck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return -1;
  const fuzz::ReferenceRuleSet& ref = fuzz::reference_rule_set();
  static const engine::fhir::Terminology terms = [] {
    dsl::SourceRegistry sources;
    dsl::Diagnostics diags;
    std::optional<engine::fhir::Terminology> t =
        engine::fhir::build_terminology(engine::fhir::shipped_tables(), sources, diags);
    if (!t) abort();
    return *t;
  }();
  dsl::SourceRegistry sources = ref.sources;
  std::string text(reinterpret_cast<const char*>(data), size);
  dsl::FileId file = sources.add("fuzz.json", text);
  dsl::Diagnostics diagnostics;
  engine::fhir::FhirCase mapped;
  std::optional<engine::Case> c =
      engine::fhir::load_fhir_case(ref.program->schema(), sources, file, terms, diagnostics, &mapped);
  if (!c && !diagnostics.has_errors()) abort();  // a refused bundle must say why
  if (mapped.tree.root != engine::yaml_none) {
    if (auto e = engine::find_json_syntax_error(text, 100)) {
      fprintf(stderr, "the reader accepted what the scanner rejects at %zu: %s\n", e->offset, e->message.c_str());
      abort();
    }
    (void)engine::fhir::print_case_yaml(mapped);
    (void)engine::fhir::print_case_json(mapped);
  }
  (void)dsl::render_all(diagnostics, sources);
  fuzz::decide_and_render(*ref.program, sources, file);
  return 0;
}
