// JSON cases through the batch engine's RecordProcessor (simdjson, scratch state reused from
// case to case) instead of a fresh yaml-cpp parse per request: the common EHR path. Its
// answer line is the same `check --format json` object; cases with errors are answered by
// the ordinary path (server/decide.hpp), which builds the diagnostics body.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/batch.hpp"
#include "engine/batch_record.hpp"
#include "engine/determination.hpp"

namespace covcheck::server {

// simdjson reads up to this many bytes past a document's end.
inline constexpr std::size_t json_padding = 64;

// RecordProcessors for one program and output mode, lent one per request.
class ProcessorPool {
 public:
  ProcessorPool(std::shared_ptr<const engine::Program> program, const dsl::SourceRegistry& sources, bool trace);
  ProcessorPool(const ProcessorPool&) = delete;
  ProcessorPool& operator=(const ProcessorPool&) = delete;

  // Decides the JSON case in `padded` (its first `size` bytes; the rest is padding) and
  // appends the answer line to `out`; nullopt, with `out` untouched, when the case has
  // errors or cannot be decided.
  std::optional<engine::Decision> decide(const std::string& padded, std::size_t size, std::string& out);

 private:
  std::shared_ptr<const engine::Program> program_;
  const dsl::SourceRegistry& sources_;
  engine::BatchOptions options_;  // processors keep a reference to it
  std::mutex mutex_;
  std::vector<std::unique_ptr<engine::RecordProcessor>> idle_;
};

// The case id and "name@version digest" of the policy in force, read back from an answer
// line (for the access log).
struct AnswerSummary {
  std::optional<std::string> case_id;
  std::optional<std::string> policy;
};
AnswerSummary summarize_answer(const std::string& answer);

}  // namespace covcheck::server
