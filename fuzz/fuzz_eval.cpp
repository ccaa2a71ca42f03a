// libFuzzer target: evaluation. The input's bytes steer the generator of tests/unit/
// rule_generator.hpp to a small rule set (presence tests allowed or not) and a few cases.
// Besides crashes it checks four properties, aborting on a violation:
//  - determinism: deciding the same case twice renders byte-identical JSON;
//  - the quick decider (`batch --compact`) agrees with the full evaluator;
//  - deciding untraced (through the condition plan) agrees with deciding traced (every op
//    through eval) on the decision, its bounds, reasons, prior authorization and benefit;
//  - information monotonicity (rule sets without presence tests): giving an absent field a
//    value keeps the outcome within the bounds the first determination allowed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "engine/answer/render.hpp"
#include "engine/cases/case_loader.hpp"
#include "engine/eval/decider.hpp"
#include "engine/eval/evaluate.hpp"
#include "tests/unit/rule_generator.hpp"

using namespace covcheck;
using namespace covcheck::testing::gen;

namespace {

[[noreturn]] void violation(const char* what, const std::vector<GeneratedFile>& files, const std::string& a,
                            const std::string& b) {
  std::fprintf(stderr, "PROPERTY VIOLATED: %s\n", what);
  for (const GeneratedFile& f : files) std::fprintf(stderr, "--- %s\n%s", f.name.c_str(), f.text().c_str());
  std::fprintf(stderr, "--- case\n%s--- other\n%s", a.c_str(), b.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return -1;
  ByteChoices choices(data, size);
  RuleSetOptions options;
  options.presence_tests = choices.below(4) == 0;
  std::vector<GeneratedFile> files = RuleSetGenerator<ByteChoices>(choices, options).generate();
  GeneratedProgram g = build_program(with_schema(files));
  if (!g.program) violation("a generated rule set does not compile", files, g.diagnostics, "");

  CaseGenerator<ByteChoices> cases(choices);
  engine::QuickDecider quick(*g.program);
  engine::Decider untraced(*g.program), traced(*g.program);
  for (int round = 0; round < 3 && !choices.exhausted(); ++round) {
    GeneratedCase k = cases.generate();
    std::string yaml = k.yaml();
    std::string errors;
    std::optional<engine::Determination> d = decide(g, yaml, &errors);
    if (!d) violation("a generated case was not decided", files, yaml, errors);
    std::optional<engine::Determination> again = decide(g, yaml);
    if (!again || engine::render_json(*d, g.sources, true) != engine::render_json(*again, g.sources, true))
      violation("deciding twice gave different JSON", files, yaml, yaml);

    dsl::Diagnostics diagnostics;
    dsl::FileId file = g.sources.add("quick.yaml", yaml);
    std::optional<engine::Case> loaded = engine::load_case(g.program->schema(), g.sources, file, diagnostics);
    engine::QuickDetermination q;
    if (loaded && quick.decide(*loaded, std::nullopt, q) && q.decision != d->decision)
      violation("the quick decider disagrees with evaluate()", files, yaml, engine::decision_name(q.decision));
    if (loaded) {
      engine::DecideStatus a = untraced.decide(*loaded, std::nullopt, false);
      engine::DecideStatus b = traced.decide(*loaded, std::nullopt, true);
      if (a != b || (a == engine::DecideStatus::decided &&
                     (untraced.decision() != traced.decision() || untraced.lowest() != traced.lowest() ||
                      untraced.highest() != traced.highest() || untraced.reasons() != traced.reasons() ||
                      untraced.prior_auth() != traced.prior_auth() || untraced.benefit() != traced.benefit())))
        violation("deciding untraced disagrees with deciding traced", files, yaml,
                  engine::decision_name(traced.decision()));
    }

    if (options.presence_tests) continue;
    auto [lo, hi] = outcome_bounds(*d);
    for (int step = 0; step < 4 && !cases.fill(k).empty(); ++step) {
      std::string filled = k.yaml();
      std::optional<engine::Determination> e = decide(g, filled, &errors);
      if (!e) violation("a filled-in case was not decided", files, filled, errors);
      auto [lo2, hi2] = outcome_bounds(*e);
      if (lo2 < lo || hi2 > hi) violation("filling a field left the outcome's bounds", files, yaml, filled);
      lo = lo2;
      hi = hi2;
    }
  }
  return 0;
}
