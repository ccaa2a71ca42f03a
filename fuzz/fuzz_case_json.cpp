// libFuzzer target: the JSON case loader (engine/json_case_loader.cpp, simdjson On-Demand,
// as `batch` uses it on JSON Lines), then evaluation against the Acme reference rules. The
// same bytes also go through the YAML loader, which `check` uses for JSON case files.
#include <cstdint>
#include <string>

#include "engine/case_loader.hpp"
#include "engine/evaluate.hpp"
#include "engine/json_case_loader.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace covcheck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return -1;
  const fuzz::ReferenceRuleSet& ref = fuzz::reference_rule_set();
  static engine::JsonCaseLoader loader;
  dsl::SourceRegistry sources = ref.sources;
  std::string text(reinterpret_cast<const char*>(data), size);
  dsl::FileId file = sources.add("fuzz.json", text);
  // No padding on purpose: the loader must copy when fewer than 64 bytes follow the text.
  dsl::Diagnostics diagnostics;
  engine::Case c;
  if (loader.load(ref.program->schema(), text, text.size(), file, diagnostics, c)) {
    engine::validate_case(*ref.program, c, diagnostics);
    if (!diagnostics.has_errors()) {
      engine::EvaluationOptions options;
      options.sources = &sources;
      engine::Evaluation e = engine::evaluate(*ref.program, c, options);
      if (e.determination) (void)engine::render_json_line(*e.determination, sources, false);
    }
  } else if (!diagnostics.has_errors()) {
    abort();  // a rejected record must say why
  }
  (void)dsl::render_all(diagnostics, sources);
  fuzz::decide_and_render(*ref.program, sources, file);
  return 0;
}
