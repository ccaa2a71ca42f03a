// What a running server serves: one compiled program with the sources it was built from,
// the policy listing and the schema description. Immutable once built; a reload builds a
// new State and swaps the pointer, so requests in flight finish on the one they started with.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "dsl/source/source.hpp"
#include "engine/answer/json_writer.hpp"
#include "engine/bundle/bundle.hpp"
#include "engine/compile/program.hpp"
#include "server/sessions.hpp"

namespace covcheck::server {

struct PolicyFile {
  std::string path;  // the name the file was loaded under, as it appears in traces
  dsl::FileId file = dsl::no_file;
  std::string url;  // /v1/policies/{id}/{version}/files/{path}
};

// A policy version or a module, as GET /v1/policies lists it.
struct PolicyEntry {
  std::string kind;        // "policy" / "module"
  std::string name;        // the unit's id in CPL
  std::string id;          // URL-safe form of `name`
  std::string version;     // "" when the module has none
  std::string version_id;  // URL-safe form of `version` ("-" when none)
  std::string title;
  std::optional<std::string> effective_from, effective_to;  // ISO dates; absent: open
  std::string digest;
  std::size_t rule_count = 0;
  std::vector<PolicyFile> files;  // the unit's own file first, then what it imports
};

struct State {
  std::shared_ptr<const engine::Program>
      program;                  // the rule set (with a registry: its first, whose schema reads cases)
  engine::RuleSource rules;     // the rule set, or the payer registry (`DIR/payers.yaml`)
  dsl::SourceRegistry sources;  // the rule files; copied per request (copies share the files)
  std::vector<PolicyEntry> policies;
  std::uint64_t generation = 0;  // 1 for the first load, +1 per successful reload
  std::string loaded_at;         // UTC, ISO 8601
  std::string policies_json;     // GET /v1/policies, rendered once
  std::string schema_json;       // GET /v1/schema, rendered once
  std::string payers_json;       // GET /v1/payers, rendered once (`{"payers": []}` without a registry)
  // The rule bundle served (`serve --bundle`), or none (`--rules`): replicas report it so that
  // a load balancer can drain the ones serving another bundle (docs/deploy.md).
  std::optional<std::string> bundle_digest, bundle_version;
  // `"bundle":{"digest":…,"version":…},` (or `"bundle":null,`): every answer's first member.
  std::string bundle_member;
  // Every case a request sends is decided through one of these (sessions.hpp).
  std::unique_ptr<SessionShelf> sessions;
};

struct LoadOutcome {
  std::shared_ptr<const State> state;  // null when the rules could not be read or compiled
  dsl::Diagnostics diagnostics;        // warnings too
  dsl::SourceRegistry sources;         // to render the diagnostics
};

// Loads, checks and compiles `rule_paths` with a fresh SourceRegistry.
LoadOutcome load_state(const std::vector<std::string>& rule_paths, std::uint64_t generation);
// The same from a verified rule bundle, compiled from memory.
LoadOutcome load_state(const engine::Bundle& bundle, std::uint64_t generation);

// The `bundle` value: `{"digest", "version"}`, or null when the State is not from a bundle.
void write_bundle_value(engine::JsonWriter& w, const State& state);

// Gives an answer (one JSON object, as `render_json_line` or an error record writes it, from
// `at` on) the State's `bundle` member, first, so that every answer says which bundle decided it.
inline void stamp_bundle(std::string& answers, std::size_t at, const State& state) {
  if (at < answers.size()) answers.insert(at + 1, state.bundle_member);
}

// The current State. A mutex guards only the pointer copy, never a request's work.
class StateHolder {
 public:
  std::shared_ptr<const State> get() const {
    std::lock_guard lock(mutex_);
    return state_;
  }
  void set(std::shared_ptr<const State> state) {
    std::lock_guard lock(mutex_);
    state_.swap(state);
  }  // the old State is released outside the lock, when its last request finishes

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const State> state_;
};

// "F33.2" stays, anything outside [A-Za-z0-9._-] becomes '-': ids safe in a URL path.
std::string url_safe(std::string_view text);

}  // namespace covcheck::server
