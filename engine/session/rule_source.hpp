// What `--rules` gives a command or the server: one compiled rule set, or a payer registry
// (`DIR/payers.yaml`) whose rule sets are chosen per case. Either way cases are decided by
// DecisionSessions made here, so there is one road whatever was loaded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "dsl/source/source.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/session/payer_registry.hpp"
#include "engine/session/session.hpp"

namespace covcheck::engine {

struct RuleSource {
  std::shared_ptr<const Program> program;         // one rule set (no registry)
  std::shared_ptr<const PayerRegistry> registry;  // or a registry
  RuleSetStatus status = RuleSetStatus::ok;

  // One rule set the caller keeps alive (no ownership taken).
  static RuleSource of(const Program& program) {
    RuleSource r;
    r.program = std::shared_ptr<const Program>(std::shared_ptr<const Program>(), &program);
    return r;
  }

  // The program whose schema reads the cases (the registry's first rule set).
  const Program& schema_program() const { return program ? *program : *registry->programs.front(); }
  std::unique_ptr<DecisionSession> session(const dsl::SourceRegistry& sources) const {
    return registry ? std::make_unique<DecisionSession>(registry, sources)
                    : std::make_unique<DecisionSession>(*program, sources);
  }
};

inline RuleSource rule_source_of(const RegistryBuild& built) {
  RuleSource out;
  out.registry = built.registry;
  out.status = built.status == RegistryStatus::ok           ? RuleSetStatus::ok
               : built.status == RegistryStatus::unreadable ? RuleSetStatus::unreadable
                                                            : RuleSetStatus::does_not_compile;
  return out;
}

inline RuleSource rule_source_of(const RuleSetBuild& built) {
  RuleSource out;
  out.program = built.program;
  out.status = built.status;
  return out;
}

// Loads `DIR/payers.yaml` when the paths are one directory holding one, else builds the paths
// as one rule set. Diagnostics as build_rule_set's.
inline RuleSource load_rule_source(const std::vector<std::string>& paths, dsl::SourceRegistry& sources,
                                   dsl::Diagnostics& diagnostics) {
  if (std::optional<std::string> file = registry_file_in(paths))
    return rule_source_of(build_payer_registry(*file, sources, diagnostics));
  return rule_source_of(build_rule_set(paths, sources, diagnostics));
}

}  // namespace covcheck::engine
