// The payer registry (`payers.yaml` in a rules directory): which rule set decides a case, chosen
// from the case's payer (identifier, then name or alias, then plan type and state). Loading it
// reports every mistake at file:line:col; each distinct rule set is compiled once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "dsl/source/source.hpp"
#include "dsl/syntax/rule_files.hpp"
#include "engine/compile/program.hpp"

namespace covcheck::engine {

struct PayerPlan {
  std::string id;                   // `acme-ppo-kmh` (Coverage.class plan value)
  std::vector<std::string> riders;  // riders the plan carries (`ketamine_mental_health`)
};

// One entry: a payer (or one of its rule sets, by plan type / state) and the rule paths
// that decide its cases.
struct PayerEntry {
  std::string id;    // unique key: the `payer` of an answer, `?payers=`
  std::string name;  // as printed on the card
  std::vector<std::string> aliases;
  std::vector<std::string> identifiers;  // NAIC code, clearinghouse payer id, FHIR identifiers
  std::optional<std::string> plan_type;  // a `plan_type` member: only cases of that type
  std::optional<std::string> state;      // a `us_state` member: only patients of that state
  std::vector<PayerPlan> plans;
  std::vector<std::string> rules;  // rule paths, resolved against the registry's folder
  std::size_t rule_set = 0;        // index into PayerRegistry::programs
  dsl::SourceSpan span;            // the entry in payers.yaml
};

struct PayerRegistry {
  std::string path;                                      // payers.yaml as named on the command line
  std::vector<PayerEntry> entries;                       // file order
  std::vector<std::shared_ptr<const Program>> programs;  // one per distinct rule path list

  // `id (name)` of every entry, for error messages and `help`.
  std::string known_payers() const;
  const PayerEntry* find_id(std::string_view id) const;
};

// What a case says about its payer (all optional: absent facts are unknown).
struct PayerKey {
  std::optional<std::string> payer;      // plan.payer: an identifier, a name or an alias
  std::optional<std::string> plan_type;  // plan.type
  std::optional<std::string> state;      // patient.state
};

// The entry deciding a case, or the reason none does (an `error` diagnostic, field
// `plan.payer`, listing the known payers).
struct PayerMatch {
  const PayerEntry* entry = nullptr;
  std::string error;
  std::string help;
};

PayerMatch match_payer(const PayerRegistry& registry, const PayerKey& key);

// Reads and checks the registry file without compiling anything (`registry.*` diagnostics
// at file:line:col). Rule paths are resolved against the file's folder and must exist.
// `tree`: the registry and its rules are read from this in-memory file tree only (a rule
// bundle, dsl::RuleTree::overlay_only), never from the disk.
std::optional<PayerRegistry> read_payer_registry(const std::string& path, dsl::SourceRegistry& sources,
                                                 dsl::Diagnostics& diagnostics,
                                                 const dsl::SourceOverlay* tree = nullptr);

enum class RegistryStatus { ok, unreadable, does_not_compile };

// Reads the registry and compiles each distinct rule set once (into `sources`). Plan types
// and states are checked against the compiled schema; every rule set must share one schema.
struct RegistryBuild {
  std::shared_ptr<const PayerRegistry> registry;  // null unless ok
  RegistryStatus status = RegistryStatus::ok;
};
RegistryBuild build_payer_registry(const std::string& path, dsl::SourceRegistry& sources, dsl::Diagnostics& diagnostics,
                                   const dsl::SourceOverlay* tree = nullptr);

// `DIR/payers.yaml` when `rules` is exactly one directory holding one; else empty.
std::optional<std::string> registry_file_in(const std::vector<std::string>& rules);

}  // namespace covcheck::engine
