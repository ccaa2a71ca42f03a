// Shared by the libFuzzer targets: the reference rule set built once per process, and a
// helper that runs a case through the same calls as `covcheck check` and renders everything.
#pragma once

#include <memory>
#include <string>

#include "dsl/source/diagnostics.hpp"
#include "dsl/source/source.hpp"
#include "engine/answer/render.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/session/session.hpp"

namespace covcheck::fuzz {

struct ReferenceRuleSet {
  dsl::SourceRegistry sources;  // the rule files; each input gets a copy and adds its case
  std::shared_ptr<const engine::Program> program;
};

// rules/acme + rules/mandates from the source tree (COVCHECK_SOURCE_DIR); aborts if they do not
// compile, since every input would then be a false negative.
inline const ReferenceRuleSet& reference_rule_set() {
  static const ReferenceRuleSet built = [] {
    ReferenceRuleSet r;
    dsl::Diagnostics diagnostics;
    std::string root = COVCHECK_SOURCE_DIR;
    engine::RuleSetBuild b =
        engine::build_rule_set({root + "/rules/acme", root + "/rules/mandates"}, r.sources, diagnostics);
    if (!b.program) {
      fprintf(stderr, "reference rules do not compile:\n%s", dsl::render_all(diagnostics, r.sources).c_str());
      abort();
    }
    r.program = b.program;
    return r;
  }();
  return built;
}

// Decides and renders (text, JSON, diagnostics) so that renderers see every odd input too.
inline void decide_and_render(const engine::Program& program, dsl::SourceRegistry& sources, dsl::FileId file) {
  engine::DecisionSession session(program, sources);
  engine::CaseInput input;
  input.text = sources.file(file).text();
  input.name = sources.file(file).name();
  engine::SessionOptions options;
  options.trace = true;
  engine::CaseOutcome& result = session.decide(input, options);
  const dsl::SourceRegistry& located = session.sources();
  std::string out = dsl::render_all(result.diagnostics, located);
  if (result.determination) {
    out += engine::render_json(*result.determination, located, true);
    out += engine::render_text(*result.determination, located, true);
  }
  if (out.empty()) abort();  // a case always yields an answer or a diagnostic
}

}  // namespace covcheck::fuzz
