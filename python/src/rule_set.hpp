// A compiled rule set as the Python binding holds it: the Program, the registry of its rule
// files, and a pool of DecisionSessions (one per thread deciding at a time). Its results are
// plain C++ values, turned into Python objects by module.cpp with the GIL held.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "dsl/source/source.hpp"
#include "engine/answer/determination.hpp"
#include "engine/answer/render.hpp"
#include "engine/cases/yaml_tree.hpp"
#include "engine/compile/program.hpp"
#include "engine/session/session.hpp"

namespace covcheck::python {

// Rule files that did not compile: the diagnostics as the JSON array of docs/json.md and as
// the compiler-style text.
struct CompileFailure {
  std::string diagnostics_json;
  std::string text;
};

// One case to decide: text (YAML or JSON) or a value tree.
struct PreparedCase {
  std::string_view text;    // points into the caller's Python string, kept alive by it
  std::string_view format;  // "json", "yaml" or "value"
  engine::YamlTree tree;    // format "value"
  std::string error;        // the Python value could not be turned into a tree
};

// What a compact answer gives the package besides its line.
struct CompactFields {
  engine::Decision decision = engine::Decision::pend;
  std::optional<bool> prior_auth;
  std::uint32_t benefit = engine::no_member;  // a member of the `benefit` enumeration, or none
};

// What one case gave: an answer (full or compact), or the diagnostics that stopped it.
struct CaseResult {
  // On the heap: a call holds a result per case, most of them compact.
  std::unique_ptr<engine::Determination> determination;
  std::optional<CompactFields> compact;  // its line is `json`
  std::optional<std::string> case_id;
  // Rendered at once for a compact answer (its line, while the worker holds the answer), when
  // a full answer locates warnings in the case (its text is gone later), and for every error:
  // its JSON record, the diagnostics as JSON and as text. Without the newline.
  std::string json;
  std::string error;
  std::string diagnostics_json;
  std::string diagnostics_text;
  bool undecidable = false;
  bool trace = false;
};

struct DecideOptions {
  bool trace = false;
  bool compact = false;
  std::uint32_t trace_elements = engine::default_trace_elements;
};

class RuleSet {
 public:
  // Loads, checks and compiles; on failure `failure` holds why and the result is null.
  static std::shared_ptr<RuleSet> load(const std::vector<std::string>& paths, std::optional<std::int32_t> as_of,
                                       CompileFailure& failure);
  // One rule file given as text, named `name` in locations.
  static std::shared_ptr<RuleSet> from_source(const std::string& text, const std::string& name,
                                              std::optional<std::int32_t> as_of, CompileFailure& failure);

  // Decides `count` cases into the results beside them with one session; callable from
  // several threads at once (each takes its own session from the pool).
  void decide(const PreparedCase* cases, CaseResult* results, std::size_t count, const DecideOptions& options) const;
  // As `covcheck batch` (JSON Lines records): one output line per record, identical to the
  // CLI's for the same input name and line numbers.
  void batch_lines(const std::vector<std::string_view>& records, const std::vector<std::uint64_t>& lines,
                   const std::string& input_name, const DecideOptions& options, std::size_t begin, std::size_t end,
                   std::vector<std::string>& out) const;

  // The answer as one JSON line (the `batch` line) or as text (`check`'s).
  std::string json_line(const CaseResult& r) const;
  std::string text(const CaseResult& r) const;

  const engine::Program& program() const { return *program_; }
  // The members of the `benefit` enumeration (empty when the schema has none).
  const std::vector<std::string>& benefit_members() const;
  std::vector<std::string> policies() const;  // `name version` of each policy and module
  std::optional<std::int32_t> as_of() const { return as_of_; }

 private:
  std::unique_ptr<engine::DecisionSession> take_session() const;
  void give_back(std::unique_ptr<engine::DecisionSession> s) const;

  std::shared_ptr<const engine::Program> program_;
  dsl::SourceRegistry sources_;
  std::optional<std::int32_t> as_of_;
  std::unique_ptr<engine::CompactWriter> compact_;
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<engine::DecisionSession>> pool_;
};

}  // namespace covcheck::python
