// libFuzzer target: the JSON case loader (engine/cases/json_case_loader.cpp, simdjson On-Demand,
// as `batch` uses it on JSON Lines), then evaluation against the Acme reference rules. The
// same bytes then go through `check`'s path for a `.json` case file (engine/compile/pipeline.cpp:
// encoding check, byte-order mark, the loader, and engine/cases/json_syntax.cpp locating a syntax
// error). Aborts when the loader accepts text the strict scanner calls invalid JSON: either
// would be a bug, and a lenient loader would let non-JSON through `.json` cases.
#include <cstdint>
#include <cstdio>
#include <string>

#include "engine/cases/case_loader.hpp"
#include "engine/cases/json_case_loader.hpp"
#include "engine/cases/json_syntax.hpp"
#include "engine/eval/evaluate.hpp"
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
    if (auto e = engine::find_json_syntax_error(text, 64)) {
      fprintf(stderr, "the loader accepted what the scanner rejects at %zu: %s\n", e->offset, e->message.c_str());
      abort();
    }
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
