// One case through the shared pipeline, as an HTTP status and a JSON body.
#include "server/decide.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/pipeline.hpp"
#include "engine/render.hpp"
#include "server/json_errors.hpp"

namespace covcheck::server {

Decided decide(const State& state, std::string text, const CaseQuery& query) {
  dsl::SourceRegistry sources = state.sources;
  dsl::FileId file = sources.add("request", std::move(text));
  engine::EvaluationOptions options;
  options.as_of = query.as_of;
  options.trace = query.trace;  // `missing` is derived either way
  options.trace_elements = query.trace_elements;
  engine::CaseResult result = engine::decide_case(*state.program, sources, file, options, query.syntax);

  Decided out;
  if (!result.determination) {
    result.diagnostics.sort();
    const auto& items = result.diagnostics.items();
    bool undecidable = std::any_of(items.begin(), items.end(), [](const dsl::Diagnostic& d) {
      return d.severity == dsl::Severity::error && d.code.rfind("eval.", 0) == 0;
    });
    out.status = undecidable ? 422 : 400;
    const char* code = undecidable ? "undecidable" : "invalid_case";
    std::string message = undecidable ? "the case cannot be decided by the loaded rules"
                                      : fmt::format("the case has {} error(s)", result.diagnostics.error_count());
    out.json = diagnostics_body(code, message, result.diagnostics, sources);
    return out;
  }
  const engine::Determination& d = *result.determination;
  out.json = engine::render_json_line(d, sources, query.trace);
  out.decision = d.decision;
  out.case_id = d.case_id;
  for (const engine::PolicyRef& p : d.policies) {
    if (p.kind != "policy") continue;
    out.policy = fmt::format("{}@{} {}", p.name, p.version, p.digest);
    break;
  }
  return out;
}

}  // namespace covcheck::server
